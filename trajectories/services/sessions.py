"""Sessions: individual contacts and group sessions with their attendance (funded by one programme)."""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from casemgmt.audit import save_as
from casemgmt.clock import today
from casemgmt.errors import RuleViolation
from casemgmt.models import Phase, Programme, User
from trajectories.models import (
    Attendance,
    Session,
    Trajectory,
)
from trajectories.services.phases import _enter_phases, _locked, _reached_on


def _check_session_date(programme: Programme, held_on: datetime.date) -> None:
    if not programme.starts_on <= held_on <= programme.ends_on:
        raise RuleViolation(
            _("A session of %(programme)s lies within the programme (%(start)s to %(end)s).")
            % {"programme": programme.code, "start": programme.starts_on, "end": programme.ends_on},
            code="session_outside_programme",
        )


def _check_within_trajectory(trajectory: Trajectory, held_on: datetime.date) -> None:
    """A contact or attendance lies between the person being reached and the end of the trajectory."""
    reached_on = _reached_on(trajectory, Phase.SENSITISATION)
    if (reached_on is not None and held_on < reached_on) or (
        trajectory.ended_on is not None and held_on > trajectory.ended_on
    ):
        raise RuleViolation(
            _("%(participant)s's trajectory runs from %(start)s to %(end)s; a session on %(date)s "
              "lies outside it.")
            % {"participant": trajectory.participant, "start": reached_on,
               "end": trajectory.ended_on or _("today"), "date": held_on},
            code="session_outside_trajectory",
        )


def session_log_individual(
    *,
    trajectory: Trajectory,
    by: User,
    held_on: datetime.date,
    duration_minutes: int,
    notes: str = "",
    title: str = "",
) -> Session:
    """Log an individual contact with a participant; it is claimed by the trajectory's programme only."""
    with transaction.atomic():
        trajectory = _locked(trajectory)
        if held_on > today():
            raise RuleViolation(
                _("A contact is logged once it took place: %(date)s lies in the future.")
                % {"date": held_on},
                code="session_future",
            )
        _check_session_date(trajectory.programme, held_on)
        _check_within_trajectory(trajectory, held_on)
        session = save_as(
            Session(
                programme=trajectory.programme, kind=Session.Kind.INDIVIDUAL, title=title,
                held_on=held_on, duration_minutes=duration_minutes, coach=by, notes=notes,
            ),
            by,
        )
        save_as(Attendance(session=session, trajectory=trajectory, attended=True), by)
        return session


def session_plan_group(
    *,
    programme: Programme,
    by: User,
    kind: str,
    held_on: datetime.date,
    duration_minutes: int,
    title: str,
    location: str = "",
    coach: User | None = None,
) -> Session:
    if kind not in (Session.Kind.INFO, Session.Kind.THEME):
        raise RuleViolation(
            _("A group session is an info session or a theme session."), code="session_kind"
        )
    _check_session_date(programme, held_on)
    session = Session(
        programme=programme, kind=kind, held_on=held_on, duration_minutes=duration_minutes,
        title=title, location=location, coach=coach or by,
    )
    with transaction.atomic():
        return save_as(session, by)


def session_record_attendance(
    *, session: Session, by: User, attended: Iterable[int], absent: Iterable[int] = ()
) -> list[Attendance]:
    """Record who came (trajectory ids). Attending a group session moves a phase-1 participant into
    phase 2 (information) on the session's date."""
    attended, absent = set(attended), set(absent)
    with transaction.atomic():
        session = Session.objects.select_for_update().select_related("programme").get(pk=session.pk)
        if session.held_on > today():
            raise RuleViolation(
                _("Attendance is recorded once the session took place (%(date)s).")
                % {"date": session.held_on},
                code="attendance_future",
            )
        ids = attended | absent
        trajectories = {
            t.pk: t
            for t in Trajectory.objects.select_for_update()
            .filter(pk__in=ids)
            .select_related("programme", "participant")
            .prefetch_related("phase_entries")
            .with_phase()
        }
        missing = ids - trajectories.keys()
        if missing:
            raise RuleViolation(
                _("Unknown trajectories: %(ids)s.") % {"ids": ", ".join(map(str, sorted(missing)))},
                code="attendance_unknown_trajectory",
            )
        others = [t for t in trajectories.values() if t.programme_id != session.programme_id]
        if others:
            raise RuleViolation(
                _("Only participants of %(programme)s can attend this session; not: %(names)s.")
                % {
                    "programme": session.programme.code,
                    "names": ", ".join(str(t.participant) for t in others),
                },
                code="attendance_other_programme",
            )
        existing = {a.trajectory_id: a for a in session.attendances.all()}
        rows = []
        for pk, trajectory in trajectories.items():
            if pk in attended:
                _check_within_trajectory(trajectory, session.held_on)
            row = existing.get(pk) or Attendance(session=session, trajectory=trajectory)
            row.attended = pk in attended
            rows.append(save_as(row, by))
            group = session.kind in (Session.Kind.INFO, Session.Kind.THEME)
            if (
                group and row.attended and trajectory.phase == Phase.SENSITISATION
                and trajectory.ended_on is None
            ):
                _enter_phases(trajectory, up_to=Phase.INFORMATION, on=session.held_on, by=by)
        return rows
