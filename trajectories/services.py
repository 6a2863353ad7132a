"""Every change to a participant's path: registration, phases, screening, sessions, outcome, end.

Each function validates, checks the rule, writes inside one transaction, records who acted and
returns the object. A refused change raises RuleViolation with what was wrong and what is expected.
"""

import datetime
import unicodedata
from collections.abc import Iterable

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from casemgmt.access import access_log_record
from casemgmt.audit import history_rewrite, save_as
from casemgmt.errors import RuleViolation
from casemgmt.identifiers import (
    enterprise_number_clean,
    identifier_decrypt,
    identifier_encrypt,
    identifier_hash,
    identifier_mask,
    identifier_rotate,
    national_number_clean,
)
from casemgmt.models import AccessLog, Phase, Programme, User
from partners.models import Organisation
from trajectories.models import (
    Attendance,
    ConsentRecord,
    Participant,
    PhaseEntry,
    Screening,
    Session,
    Trajectory,
)
from trajectories.policies import may_reveal_identifier


def name_key(first_name: str, last_name: str) -> str:
    """Case- and accent-free form of a name, for finding the same person spelled differently."""
    text = unicodedata.normalize("NFKD", f"{first_name} {last_name}")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def _today() -> datetime.date:
    return timezone.localdate()


def _check_birth_date(year: int | None, month: int | None, day: int | None) -> None:
    if day is not None and month is None:
        raise RuleViolation(
            _("A day of birth without a month cannot be stored: give the month too, or leave "
              "the day empty when it is unknown."),
            code="birth_day_without_month",
        )
    if month is not None and year is None:
        raise RuleViolation(
            _("A month of birth without a year cannot be stored: give the year too."),
            code="birth_month_without_year",
        )
    if year is not None and day is not None:
        try:
            born = datetime.date(year, month, day)
        except ValueError:
            raise RuleViolation(
                _("%(day)02d/%(month)02d/%(year)d is not a date in the calendar.")
                % {"day": day, "month": month, "year": year},
                code="birth_date_impossible",
            ) from None
        if born > _today():
            raise RuleViolation(_("The date of birth lies in the future."), code="birth_date_future")
    elif year is not None and (year, month or 1) > (_today().year, _today().month):
        raise RuleViolation(_("The date of birth lies in the future."), code="birth_date_future")


def participant_register(
    *,
    by: User,
    first_name: str,
    last_name: str,
    national_number: str = "",
    birth_year: int | None = None,
    birth_month: int | None = None,
    birth_day: int | None = None,
    **fields,
) -> Participant:
    """Register a person. The national register / BIS number is validated, encrypted and hashed."""
    if not first_name.strip() or not last_name.strip():
        raise RuleViolation(
            _("Both first name and last name are needed to register a participant."),
            code="name_required",
        )
    _check_birth_date(birth_year, birth_month, birth_day)
    participant = Participant(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        name_key=name_key(first_name, last_name),
        birth_year=birth_year,
        birth_month=birth_month,
        birth_day=birth_day,
        **fields,
    )
    if national_number.strip():
        _set_national_number(participant, national_number)
    with transaction.atomic():
        return save_as(participant, by)


def _set_national_number(participant: Participant, raw: str) -> None:
    try:
        number, kind = national_number_clean(raw)
    except Exception as error:  # a ValidationError with the precise message
        raise RuleViolation(error.messages[0], code="national_number_invalid") from None
    participant.national_number_encrypted = identifier_encrypt(number)
    participant.national_number_hash = identifier_hash(number)
    participant.national_number_kind = kind


def participant_update(*, participant: Participant, by: User, **fields) -> Participant:
    """Correct a participant's data; a new national number is validated and encrypted again."""
    national_number = fields.pop("national_number", None)
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        for name, value in fields.items():
            setattr(participant, name, value)
        _check_birth_date(participant.birth_year, participant.birth_month, participant.birth_day)
        participant.name_key = name_key(participant.first_name, participant.last_name)
        if national_number is not None:
            if national_number.strip():
                _set_national_number(participant, national_number)
            else:
                participant.national_number_encrypted = ""
                participant.national_number_hash = ""
                participant.national_number_kind = ""
        return save_as(participant, by)


def consent_record(
    *,
    participant: Participant,
    by: User,
    purpose: str,
    given_on: datetime.date,
    version: str,
    organisation: Organisation | None = None,
) -> ConsentRecord:
    if given_on > _today():
        raise RuleViolation(_("Consent cannot be dated in the future."), code="consent_future")
    if purpose == ConsentRecord.Purpose.SHARE_WITH_PARTNER and organisation is None:
        raise RuleViolation(
            _("Consent to share data must name the organisation it may be shared with."),
            code="consent_needs_organisation",
        )
    consent = ConsentRecord(
        participant=participant, purpose=purpose, organisation=organisation,
        given_on=given_on, version=version, recorded_by=by,
    )
    with transaction.atomic():
        return save_as(consent, by)


def consent_withdraw(*, consent: ConsentRecord, by: User, on: datetime.date) -> ConsentRecord:
    with transaction.atomic():
        consent = ConsentRecord.objects.select_for_update().get(pk=consent.pk)
        if consent.withdrawn_on is not None:
            raise RuleViolation(
                _("This consent was already withdrawn on %(date)s.") % {"date": consent.withdrawn_on},
                code="consent_already_withdrawn",
            )
        if on < consent.given_on or on > _today():
            raise RuleViolation(
                _("A withdrawal date lies between the date consent was given (%(given)s) and today.")
                % {"given": consent.given_on},
                code="consent_withdrawal_date",
            )
        consent.withdrawn_on = on
        return save_as(consent, by)


def _check_phase_date(trajectory: Trajectory, on: datetime.date, previous: datetime.date | None) -> None:
    programme = trajectory.programme
    if on > _today():
        raise RuleViolation(
            _("A phase cannot be entered on %(date)s: that date lies in the future.") % {"date": on},
            code="phase_date_future",
        )
    if on < programme.starts_on:
        raise RuleViolation(
            _("A phase cannot be entered on %(date)s: the programme %(programme)s starts on %(start)s.")
            % {"date": on, "programme": programme.code, "start": programme.starts_on},
            code="phase_date_before_programme",
        )
    if on > programme.ends_on:
        raise RuleViolation(
            _("A phase cannot be entered on %(date)s: the programme %(programme)s ended on %(end)s.")
            % {"date": on, "programme": programme.code, "end": programme.ends_on},
            code="phase_date_after_programme",
        )
    if previous is not None and on < previous:
        raise RuleViolation(
            _("A phase cannot be entered on %(date)s: the previous phase was entered later, on "
              "%(previous)s. Phases follow each other in time.")
            % {"date": on, "previous": previous},
            code="phase_date_before_previous",
        )


def _enter_phases(trajectory: Trajectory, *, up_to: int, on: datetime.date, by: User) -> None:
    """Enter `up_to` and every earlier phase not yet reached, all on `on`, so the funnel stays consistent."""
    reached = list(trajectory.phase_entries.order_by("phase"))
    current = reached[-1].phase if reached else 0
    if trajectory.ended_on is not None:
        raise RuleViolation(
            _("This trajectory ended on %(date)s: an ended trajectory does not change phase.")
            % {"date": trajectory.ended_on},
            code="trajectory_ended",
        )
    if up_to <= current:
        raise RuleViolation(
            _("Phases only move forward: this trajectory is already in phase %(current)d "
              "(%(name)s), so it cannot enter phase %(phase)d.")
            % {"current": current, "name": Phase(current).label, "phase": up_to},
            code="phase_not_forward",
        )
    _check_phase_date(trajectory, on, reached[-1].entered_on if reached else None)
    for phase in range(current + 1, up_to + 1):
        save_as(PhaseEntry(trajectory=trajectory, phase=phase, entered_on=on, recorded_by=by), by)


def trajectory_open(
    *,
    participant: Participant,
    programme: Programme,
    by: User,
    entered_on: datetime.date,
    phase: int = Phase.SENSITISATION,
    coach: User | None = None,
    referred_by: Organisation | None = None,
) -> Trajectory:
    """Enrol a participant in a programme, entering `phase` (and the phases before it) on `entered_on`."""
    if phase not in Phase.values:
        raise RuleViolation(
            _("Phase %(phase)s does not exist: choose 1 to 4.") % {"phase": phase}, code="phase_unknown"
        )
    with transaction.atomic():
        # Lock the person so two registrations at once cannot both open a trajectory.
        Participant.objects.select_for_update().get(pk=participant.pk)
        if Trajectory.objects.filter(participant=participant, programme=programme).open().exists():
            raise RuleViolation(
                _("%(participant)s already has an open trajectory in %(programme)s: end it before "
                  "opening another.") % {"participant": participant, "programme": programme.code},
                code="trajectory_already_open",
            )
        trajectory = Trajectory(
            participant=participant, programme=programme, coach=coach, referred_by=referred_by,
            referred_by_user=by if referred_by is not None else None,
        )
        _check_phase_date(trajectory, entered_on, None)
        save_as(trajectory, by)
        _enter_phases(trajectory, up_to=phase, on=entered_on, by=by)
        return trajectory


def _locked(trajectory: Trajectory) -> Trajectory:
    return Trajectory.objects.select_for_update().select_related("programme").get(pk=trajectory.pk)


def trajectory_advance(
    *, trajectory: Trajectory, phase: int, on: datetime.date, by: User
) -> Trajectory:
    """Move a trajectory forward to `phase` on `on`; skipped phases are entered on the same date."""
    if phase not in Phase.values:
        raise RuleViolation(
            _("Phase %(phase)s does not exist: choose 1 to 4.") % {"phase": phase}, code="phase_unknown"
        )
    with transaction.atomic():
        trajectory = _locked(trajectory)
        _enter_phases(trajectory, up_to=phase, on=on, by=by)
        return trajectory


def _reached_on(trajectory: Trajectory, phase: int) -> datetime.date | None:
    # .all() so that a prefetch of phase_entries is used where the caller made one.
    return next((e.entered_on for e in trajectory.phase_entries.all() if e.phase == phase), None)


def screening_record(
    *,
    trajectory: Trajectory,
    by: User,
    screened_on: datetime.date,
    residence_permit_ok: bool,
    basic_management_knowledge: bool,
    language_sufficient: bool,
    financially_feasible: bool,
    potential: str,
    decision: str,
    professional_card_needed: bool = False,
    notes: str = "",
) -> Screening:
    """Record the phase-3 screening. A decision 'to guidance' needs every precondition met."""
    with transaction.atomic():
        trajectory = _locked(trajectory)
        if trajectory.ended_on is not None:
            raise RuleViolation(
                _("This trajectory ended on %(date)s: no screening can be added.")
                % {"date": trajectory.ended_on},
                code="trajectory_ended",
            )
        detection_on = _reached_on(trajectory, Phase.DETECTION)
        if detection_on is None:
            raise RuleViolation(
                _("Screening happens in phase 3 (detection): move the trajectory to phase 3 first."),
                code="screening_before_detection",
            )
        if screened_on < detection_on or screened_on > _today():
            raise RuleViolation(
                _("The screening date lies between the entry into phase 3 (%(entered)s) and today.")
                % {"entered": detection_on},
                code="screening_date",
            )
        preconditions = (residence_permit_ok, language_sufficient, financially_feasible)
        if decision == Screening.Decision.GUIDANCE and not all(preconditions):
            raise RuleViolation(
                _("A participant goes to guidance only when the residence permit, language and "
                  "financial preconditions are met: record them, or choose another decision."),
                code="screening_preconditions_unmet",
            )
        screening = Screening(
            trajectory=trajectory, screened_on=screened_on, residence_permit_ok=residence_permit_ok,
            professional_card_needed=professional_card_needed,
            basic_management_knowledge=basic_management_knowledge,
            language_sufficient=language_sufficient, financially_feasible=financially_feasible,
            potential=potential, decision=decision, notes=notes, screened_by=by,
        )
        return save_as(screening, by)


def trajectory_record_outcome(
    *,
    trajectory: Trajectory,
    by: User,
    outcome: str,
    recorded_on: datetime.date,
    enterprise_number: str = "",
    self_employed_since: datetime.date | None = None,
    occupation: str = "",
) -> Trajectory:
    """Record the result of the trajectory (also after it ended, for the outflow follow-up).

    Self-employment counts only with an enterprise number of the participant's own; work under
    SMart's interim contracts is protected entrepreneurship, not a start."""
    if outcome not in Trajectory.Outcome.values:
        raise RuleViolation(
            _("Unknown outcome %(outcome)s: choose one of %(choices)s.")
            % {"outcome": outcome, "choices": ", ".join(Trajectory.Outcome.values)},
            code="outcome_unknown",
        )
    if recorded_on > _today():
        raise RuleViolation(_("An outcome cannot be recorded in the future."), code="outcome_future")
    if outcome == Trajectory.Outcome.SELF_EMPLOYED:
        if not enterprise_number.strip():
            raise RuleViolation(
                _("Self-employment counts only with the participant's own enterprise number (KBO). "
                  "Work through SMart's interim contracts is not yet a start of one's own."),
                code="self_employed_needs_enterprise_number",
            )
        try:
            enterprise_number = enterprise_number_clean(enterprise_number)
        except Exception as error:
            raise RuleViolation(error.messages[0], code="enterprise_number_invalid") from None
        if self_employed_since is None or self_employed_since > _today():
            raise RuleViolation(
                _("Give the date the participant started as self-employed (not in the future)."),
                code="self_employed_needs_start_date",
            )
        if occupation not in Trajectory.Occupation.values:
            raise RuleViolation(
                _("Say whether the self-employment is the main or a secondary occupation."),
                code="self_employed_needs_occupation",
            )
    else:
        enterprise_number, self_employed_since, occupation = "", None, ""
    with transaction.atomic():
        trajectory = _locked(trajectory)
        trajectory.outcome = outcome
        trajectory.enterprise_number = enterprise_number
        trajectory.self_employed_since = self_employed_since
        trajectory.occupation = occupation
        trajectory.outcome_recorded_on = recorded_on
        return save_as(trajectory, by)


def trajectory_end(*, trajectory: Trajectory, by: User, ended_on: datetime.date) -> Trajectory:
    """Close a trajectory; it keeps its phases and can still get its outcome recorded."""
    with transaction.atomic():
        trajectory = _locked(trajectory)
        if trajectory.ended_on is not None:
            raise RuleViolation(
                _("This trajectory already ended on %(date)s.") % {"date": trajectory.ended_on},
                code="trajectory_ended",
            )
        last = trajectory.phase_entries.order_by("-entered_on").first()
        earliest = last.entered_on if last else trajectory.programme.starts_on
        latest = min(_today(), trajectory.programme.ends_on)
        if not earliest <= ended_on <= latest:
            raise RuleViolation(
                _("The end date lies between the last phase entry (%(earliest)s) and %(latest)s "
                  "(today or the end of the programme, whichever comes first).")
                % {"earliest": earliest, "latest": latest},
                code="trajectory_end_date",
            )
        trajectory.ended_on = ended_on
        return save_as(trajectory, by)


def trajectory_assign_coach(*, trajectory: Trajectory, coach: User, by: User) -> Trajectory:
    with transaction.atomic():
        trajectory = _locked(trajectory)
        trajectory.coach = coach
        return save_as(trajectory, by)


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
        if held_on > _today():
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
        if session.held_on > _today():
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


ERASED = "—"


def participant_erase(*, participant: Participant, by: User, on: datetime.date | None = None) -> Participant:
    """Erase a person's personal data (their right to erasure, or the end of retention).

    What anonymous counts need stays: gender, year of birth, postcode (for the province), the ESF
    fields, the trajectories with their phases and outcome. Names, contact data, identifier, day and
    month of birth, business idea, coaching and screening notes go, from the record and its history."""
    on = on or _today()
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        if participant.erased_on is not None:
            raise RuleViolation(
                _("This participant's personal data was already erased on %(date)s.")
                % {"date": participant.erased_on},
                code="participant_already_erased",
            )
        personal = {
            "first_name": ERASED, "last_name": ERASED, "name_key": "", "email": "", "phone": "",
            "business_idea": "", "birth_month": None, "birth_day": None,
            "national_number_hash": "", "national_number_kind": "", "nationality": "",
        }
        for name, value in personal.items():
            setattr(participant, name, value)
        participant.national_number_encrypted = ""
        participant.erased_on = on
        save_as(participant, by)
        trajectory_ids = list(participant.trajectories.values_list("pk", flat=True))
        individual = Session.objects.filter(
            kind=Session.Kind.INDIVIDUAL, attendances__trajectory_id__in=trajectory_ids
        )
        with history_rewrite():
            for row in participant.history.all():
                for name, value in personal.items():
                    setattr(row, name, value)
                row.save()
            for session in individual:
                session.notes = ""
                save_as(session, by)
                for row in session.history.all():
                    row.notes = ""
                    row.save()
            for screening in Screening.objects.filter(trajectory_id__in=trajectory_ids):
                screening.notes = ""
                save_as(screening, by)
                for row in screening.history.all():
                    row.notes = ""
                    row.save()
        return participant


def participant_identifier_masked(*, participant: Participant) -> str:
    """The identifier as anyone who may see the record sees it: only the last two digits."""
    token = participant.national_number_encrypted
    return identifier_mask(identifier_decrypt(token)) if token else ""


def participant_identifier_reveal(*, participant: Participant, request) -> str:
    """Show the full national register / BIS number to a role that needs it; every reveal is logged,
    and so is every refusal. Out of scope answers 404, as if the person did not exist."""
    if not may_reveal_identifier(request.user, participant):
        access_log_record(request=request, action=AccessLog.Action.DENIED, obj=participant,
                          participant_id=participant.pk)
        raise Http404
    access_log_record(request=request, action=AccessLog.Action.REVEAL, obj=participant,
                      participant_id=participant.pk)
    token = participant.national_number_encrypted
    return identifier_decrypt(token) if token else ""


def identifiers_rotate() -> int:
    """Re-encrypt every stored identifier under the newest key (the first of IDENTIFIER_KEYS)."""
    count = 0
    with transaction.atomic():
        for participant in Participant.objects.select_for_update().exclude(national_number_encrypted=""):
            participant.national_number_encrypted = identifier_rotate(participant.national_number_encrypted)
            participant._history_user = None
            participant.save(update_fields=["national_number_encrypted"])
            count += 1
    return count
