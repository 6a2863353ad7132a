"""The close pass: for each rule, ONE UPDATE that closes every open reminder whose cause is gone.

A cause is gone when the contact was logged, the phase moved, the referral was answered, the session
took place, the outcome or the records were completed; also when the trajectory ended, someone else
handles it now, or the programme switched the rule off or raised its threshold. The reason is
written with the status, in the same statement (a CASE over the conditions, most telling first).

Conditions refer only to the reminder's own columns and to EXISTS subqueries, so the UPDATE needs no
join and is one statement on SQLite and PostgreSQL alike.
"""

import datetime
from functools import reduce
from operator import or_

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Subquery, Value, When

from casemgmt.models import Phase, ReportingPeriod
from partners.models import ProgrammeRole, StaffMember
from reminders.models import Reminder, Rule
from reminders.scans import DAY, incomplete_in_period
from reminders.thresholds import ProgrammeRules, after, limits_q, switched_off
from trajectories.models import Attendance, PhaseEntry, Referral, Session, Trajectory

Reason = Reminder.ClosedReason


def _trajectory(**lookups) -> Exists:
    return Exists(Trajectory.objects.filter(pk=OuterRef("trajectory_id"), **lookups))


def _coach_changed() -> Q:
    return ~_trajectory(coach_id=OuterRef("recipient_id"))


def _causes_no_contact(today, rules) -> list[tuple[str, Q]]:
    rule = Rule.NO_CONTACT
    contact = Exists(Attendance.objects.filter(
        trajectory_id=OuterRef("trajectory_id"), attended=True, session__held_on__gt=OuterRef("counted_from")
    ))
    return [
        (Reason.CONTACT_LOGGED, Q(contact)),
        (Reason.TRAJECTORY_ENDED, Q(_trajectory(ended_on__isnull=False))),
        (Reason.REASSIGNED, _coach_changed()),
        (Reason.RULE_OFF, Q(programme_id__in=switched_off(rules, rule))),
        (Reason.NOT_DUE, after(rules, rule, "counted_from",
                               lambda r: today - r.settings.no_contact_days * DAY, programme="programme_id")),
    ]


def _causes_phase_stale(today, rules) -> list[tuple[str, Q]]:
    rule = Rule.PHASE_STALE
    own_phase = PhaseEntry.objects.filter(pk=OuterRef(OuterRef("phase_entry_id"))).order_by().values("phase")
    moved = Exists(PhaseEntry.objects.filter(trajectory_id=OuterRef("trajectory_id"),
                                             phase__gt=Subquery(own_phase[:1])))

    def entry_in(phase: int) -> Exists:
        return Exists(PhaseEntry.objects.filter(pk=OuterRef("phase_entry_id"), phase=phase))

    not_due = limits_q(
        ((pk, (phase, day), Q(counted_from__gt=day) & entry_in(phase))
         for pk, r in rules.items() if r.settings.phase_stale_enabled for phase in Phase.values
         for day in [today - (r.settings.phase_stale_days(phase) + 1) * DAY]),
        programme="programme_id",
    )
    return [
        (Reason.PHASE_MOVED, Q(moved)),
        (Reason.TRAJECTORY_ENDED, Q(_trajectory(ended_on__isnull=False))),
        (Reason.REASSIGNED, _coach_changed()),
        (Reason.RULE_OFF, Q(programme_id__in=switched_off(rules, rule))),
        (Reason.NOT_DUE, not_due),
    ]


def _causes_referral(rule: str, factor: int, today, rules) -> list[tuple[str, Q]]:
    def referral(**lookups) -> Exists:
        return Exists(Referral.objects.filter(pk=OuterRef("referral_id"), **lookups))

    if rule == Rule.REFERRAL_UNANSWERED:
        still_theirs = Exists(StaffMember.objects.filter(
            user_id=OuterRef("recipient_id"), user__is_active=True, role=StaffMember.Role.PARTNER_SPECIALIST,
            organisation__referrals_received=OuterRef("referral_id"),
        ))
        reassigned = ~still_theirs
    else:
        reassigned = _coach_changed()
    return [
        (Reason.REFERRAL_WITHDRAWN, Q(referral(status=Referral.Status.WITHDRAWN))),
        (Reason.REFERRAL_ANSWERED, ~referral(status=Referral.Status.SENT)),
        (Reason.REASSIGNED, Q(reassigned)),
        (Reason.RULE_OFF, Q(programme_id__in=switched_off(rules, rule))),
        (Reason.NOT_DUE, after(rules, rule, "counted_from",
                               lambda r: today - factor * r.settings.referral_answer_days * DAY,
                               programme="programme_id")),
    ]


def _causes_session_tomorrow(today, rules) -> list[tuple[str, Q]]:
    def session(**lookups) -> Exists:
        return Exists(Session.objects.filter(pk=OuterRef("session_id"), **lookups))

    return [
        (Reason.SESSION_PASSED, Q(session(held_on__lt=today))),
        (Reason.SESSION_MOVED, ~session(held_on=OuterRef("counted_from"))),
        (Reason.REASSIGNED, ~session(coach_id=OuterRef("recipient_id"))),
        (Reason.RULE_OFF, Q(programme_id__in=switched_off(rules, Rule.SESSION_TOMORROW))),
    ]


def _causes_outflow_follow_up(today, rules) -> list[tuple[str, Q]]:
    return [
        (Reason.OUTCOME_RECORDED, Q(_trajectory(outcome_recorded_on__gte=OuterRef("counted_from")))),
        (Reason.REASSIGNED, _coach_changed()),
        (Reason.RULE_OFF, Q(programme_id__in=switched_off(rules, Rule.OUTFLOW_FOLLOW_UP))),
    ]


def _causes_period_end(today, rules) -> list[tuple[str, Q]]:
    rule = Rule.PERIOD_END
    period = ReportingPeriod.objects.filter(pk=OuterRef("period_id"))
    still_coordinator = Exists(StaffMember.objects.filter(
        user_id=OuterRef("recipient_id"), user__is_active=True, role=StaffMember.Role.COORDINATOR,
        organisation__programme_roles__programme_id=OuterRef("programme_id"),
        organisation__programme_roles__role=ProgrammeRole.Role.COORDINATION,
    ))
    return [
        (Reason.PERIOD_ENDED,
         Q(counted_from__lt=today) | ~Exists(period.filter(ends_on=OuterRef("counted_from")))),
        (Reason.RECORDS_COMPLETE, ~Exists(period.filter(Exists(incomplete_in_period())))),
        (Reason.REASSIGNED, ~still_coordinator),
        (Reason.RULE_OFF, Q(programme_id__in=switched_off(rules, rule))),
        (Reason.NOT_DUE, after(rules, rule, "counted_from",
                               lambda r: today + r.settings.period_end_days * DAY, programme="programme_id")),
    ]


def _causes_referral_unanswered(today, rules) -> list[tuple[str, Q]]:
    return _causes_referral(Rule.REFERRAL_UNANSWERED, 1, today, rules)


def _causes_referral_escalated(today, rules) -> list[tuple[str, Q]]:
    return _causes_referral(Rule.REFERRAL_ESCALATED, 2, today, rules)


CAUSES = {
    Rule.NO_CONTACT: _causes_no_contact,
    Rule.PHASE_STALE: _causes_phase_stale,
    Rule.REFERRAL_UNANSWERED: _causes_referral_unanswered,
    Rule.REFERRAL_ESCALATED: _causes_referral_escalated,
    Rule.SESSION_TOMORROW: _causes_session_tomorrow,
    Rule.OUTFLOW_FOLLOW_UP: _causes_outflow_follow_up,
    Rule.PERIOD_END: _causes_period_end,
}


def close_resolved(
    rule: str, *, today: datetime.date, rules: dict[int, ProgrammeRules], now: datetime.datetime,
    within: QuerySet[Reminder] | None = None,
) -> int:
    """Close the open reminders of `rule` (among `within`, or all) whose cause is gone; how many."""
    causes = CAUSES[rule](today, rules)
    reminders = (within if within is not None else Reminder.objects.all()).filter(
        rule=rule, status=Reminder.Status.OPEN
    )
    reason = Case(*(When(condition, then=Value(code)) for code, condition in causes), default=Value(""))
    return reminders.filter(reduce(or_, (condition for _, condition in causes))).update(
        status=Reminder.Status.CLOSED, closed_at=now, closed_reason=reason,
    )
