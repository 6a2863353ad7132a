"""Changes to a trajectory: opening, the dated phases, screening, outcome, end and coach.

Each function validates, checks the rule, writes inside one transaction, records who acted and
returns the object. A refused change raises RuleViolation with what was wrong and what is expected.
"""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from casemgmt.audit import save_as
from casemgmt.clock import today
from casemgmt.errors import RuleViolation
from casemgmt.identifiers import (
    enterprise_number_clean,
)
from casemgmt.models import Phase, Programme, User
from partners.models import Organisation
from trajectories.models import (
    Participant,
    PhaseEntry,
    Screening,
    Trajectory,
)


def _check_phase_date(trajectory: Trajectory, on: datetime.date, previous: datetime.date | None) -> None:
    programme = trajectory.programme
    if on > today():
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
        if screened_on < detection_on or screened_on > today():
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
    if recorded_on > today():
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
        if self_employed_since is None or self_employed_since > today():
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
        latest = min(today(), trajectory.programme.ends_on)
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
