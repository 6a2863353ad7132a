"""The scans: for each rule, one set-based query that finds every cause due in every programme.

Each `scan_<rule>` runs ONE query (subqueries, Exists, joins; never a query per trajectory) and
returns a `Due` per (recipient, object) that needs a reminder it does not have yet. A cause that
already has a reminder (open, dismissed or closed for good) is left out by the query itself, so a
second scan on the same day returns nothing; one closed for a reason that can turn back (the rule
switched off and on again, the coach assigned back) comes back with `reopen_id` set.

Thresholds come per programme from `thresholds` (the defaults where a programme has no settings);
`today` is a keyword argument so tests and the command can scan as of any date.
"""

import datetime
from collections.abc import Callable
from itertools import groupby
from typing import NamedTuple

from django.db import connections
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from casemgmt.models import Phase, ReportingPeriod
from partners.models import ProgrammeRole, StaffMember
from reminders import messages
from reminders.models import Reminder, Rule
from reminders.thresholds import ProgrammeRules, add_months, limits_q, on_or_before, switched_on
from trajectories.models import Attendance, PhaseEntry, Referral, Session, Trajectory, person_name

DAY = datetime.timedelta(days=1)

# The row each rule's reminder is about (a foreign key of Reminder), and its generic name.
OBJECT_FIELD = {
    Rule.NO_CONTACT: "trajectory",
    Rule.PHASE_STALE: "phase_entry",
    Rule.REFERRAL_UNANSWERED: "referral",
    Rule.REFERRAL_ESCALATED: "referral",
    Rule.SESSION_TOMORROW: "session",
    Rule.OUTFLOW_FOLLOW_UP: "trajectory",
    Rule.PERIOD_END: "period",
}
OBJECT_TYPE = {
    "trajectory": Trajectory._meta.label_lower,
    "phase_entry": PhaseEntry._meta.label_lower,
    "referral": Referral._meta.label_lower,
    "session": Session._meta.label_lower,
    "period": ReportingPeriod._meta.label_lower,
}

# An ESF record lacks what the common indicators need (DOMAIN.md: such a participant counts only
# in the grand total).
INCOMPLETE_ESF_RECORD = (
    Q(participant__gender="") | Q(participant__birth_year__isnull=True) | Q(participant__education="")
    | Q(participant__labour_market_status="")
)


class Due(NamedTuple):
    """A reminder a scan found due. A tuple: a first scan makes 180,000 of them."""

    rule: str
    recipient_id: int
    programme_id: int
    object_id: int
    counted_from: datetime.date
    due_on: datetime.date
    message: str
    trajectory_id: int | None = None
    reopen_id: int | None = None

    @property
    def object_field(self) -> str:
        return OBJECT_FIELD[self.rule]

    def as_row(self) -> tuple:
        """The new reminder's values, in the order of ROW_FIELDS."""
        field = self.object_field
        links = [None] * len(LINKS)
        links[LINK_PLACE[field]] = self.object_id
        if self.trajectory_id is not None:
            links[LINK_PLACE["trajectory"]] = self.trajectory_id
        return (self.rule, self.recipient_id, self.programme_id, OBJECT_TYPE[field], str(self.object_id),
                *links, self.counted_from, self.due_on, self.message)


# The foreign keys a reminder can be about; the columns `Due.as_row` fills, in its order.
LINKS = ("trajectory", "phase_entry", "referral", "session", "period")
LINK_PLACE = {link: place for place, link in enumerate(LINKS)}
ROW_FIELDS = ("rule", "recipient_id", "programme_id", "object_type", "object_id",
              *(f"{link}_id" for link in LINKS), "counted_from", "due_on", "message")


def _already_reminded(rule: str, *, counted_from=None) -> tuple[Exists, Subquery]:
    """The filter that leaves out causes already reminded of, and the id of a reminder to reopen.

    Refers to the outer row's `pk` (the object) and its `recipient` annotation."""
    same = Reminder.objects.filter(
        rule=rule, recipient_id=OuterRef("recipient"), **{f"{OBJECT_FIELD[rule]}_id": OuterRef("pk")}
    )
    if counted_from is not None:
        same = same.filter(counted_from=counted_from)
    reopenable = Q(status=Reminder.Status.CLOSED, closed_reason__in=Reminder.REOPENABLE)
    reopen_id = Subquery(same.filter(reopenable).order_by("-pk").values("pk")[:1])
    return ~Exists(same.exclude(reopenable)), reopen_id


def _not_yet_reminded(queryset: QuerySet, rule: str, *, counted_from=None) -> QuerySet:
    new, reopen_id = _already_reminded(rule, counted_from=counted_from)
    return queryset.filter(new).annotate(reopen_id=reopen_id)


def _names(prefix: str = "participant__") -> tuple[str, str]:
    return (f"{prefix}first_name", f"{prefix}last_name")


# (a) No contact: an open trajectory whose last attended session (or, without one, the day the
# person was reached) lies N days back.
#
# The last contact is a subquery per trajectory (about ten attendances and their sessions). The ORM would
# repeat it wherever the query names it (the due date, the reminders already there, the one to reopen,
# the columns): four reads per trajectory, 5 s of the first scan over 100,000. So the ORM builds the
# trajectories with their last contact, and this query reads them once, as a MATERIALIZED CTE, and does
# what _not_yet_reminded does for the other rules on that.
NO_CONTACT_SQL = """
WITH candidate (id, programme_id, recipient_id, last_contact, first_name, last_name) AS {materialized} (
    {candidates}
)
SELECT c.id, c.programme_id, c.recipient_id, c.last_contact, c.first_name, c.last_name,
       (SELECT r.id FROM {reminder} r
        WHERE r.rule = %s AND r.recipient_id = c.recipient_id AND r.trajectory_id = c.id
          AND r.counted_from = c.last_contact AND r.status = %s AND r.closed_reason IN ({reopenable})
        ORDER BY r.id DESC LIMIT 1)
FROM candidate c
WHERE ({due})
  AND NOT EXISTS (
    SELECT 1 FROM {reminder} r
    WHERE r.rule = %s AND r.recipient_id = c.recipient_id AND r.trajectory_id = c.id
      AND r.counted_from = c.last_contact AND NOT (r.status = %s AND r.closed_reason IN ({reopenable}))
  )
ORDER BY c.id
"""


def scan_no_contact(*, today: datetime.date, rules: dict[int, ProgrammeRules]) -> list[Due]:
    rule = Rule.NO_CONTACT
    limits = {pk: today - r.settings.no_contact_days * DAY
              for pk, r in rules.items() if r.settings.enabled(rule)}
    if not limits:
        return []
    last_attended = (
        Attendance.objects.filter(trajectory=OuterRef("pk"), attended=True)
        .order_by("-session__held_on").values("session__held_on")[:1]
    )
    reached = (
        PhaseEntry.objects.filter(trajectory=OuterRef("pk"), phase=Phase.SENSITISATION)
        .order_by().values("entered_on")[:1]
    )
    candidates = (
        Trajectory.objects.filter(ended_on__isnull=True, coach__isnull=False, programme_id__in=sorted(limits))
        .annotate(last_contact=Coalesce(Subquery(last_attended), Subquery(reached)))
        .order_by().values_list("pk", "programme_id", "coach_id", "last_contact", *_names())
    )
    connection = connections[candidates.db]
    candidates_sql, candidates_params = candidates.query.get_compiler(using=candidates.db).as_sql()
    reopenable = [rule, Reminder.Status.CLOSED, *Reminder.REOPENABLE]  # the parameters of either lookup
    sql = NO_CONTACT_SQL.format(
        # Not on SQLite (small data there): MATERIALIZED needs SQLite 3.35, Django 5.2 takes 3.31.
        materialized="MATERIALIZED" if connection.vendor == "postgresql" else "",
        candidates=candidates_sql, reminder=connection.ops.quote_name(Reminder._meta.db_table),
        reopenable=", ".join(["%s"] * len(Reminder.REOPENABLE)),
        due=" OR ".join(["(c.programme_id = %s AND c.last_contact <= %s)"] * len(limits)),
    )
    due = [value for pk, day in limits.items() for value in (pk, connection.ops.adapt_datefield_value(day))]
    params = [*candidates_params, *reopenable, *due, *reopenable]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found, language = [], get_language()
    for pk, programme_id, recipient, last_contact, first, last, reopen_id in rows:
        if isinstance(last_contact, str):  # SQLite returns a date computed in SQL as its text
            last_contact = datetime.date.fromisoformat(last_contact)
        days = rules[programme_id].settings.no_contact_days
        found.append(Due(
            rule, recipient, programme_id, pk, last_contact, last_contact + days * DAY,
            messages.no_contact(first_name=first, last_name=last, last_contact=last_contact, days=days,
                                language=language),
            trajectory_id=pk, reopen_id=reopen_id,
        ))
    return found


# (b) Long in one phase: an open trajectory has been in its current phase for more than N(phase) days.


def scan_phase_stale(*, today: datetime.date, rules: dict[int, ProgrammeRules]) -> list[Due]:
    rule = Rule.PHASE_STALE
    later = PhaseEntry.objects.filter(trajectory_id=OuterRef("trajectory_id"), phase__gt=OuterRef("phase"))
    due = limits_q(
        ((pk, (phase, day), Q(phase=phase, entered_on__lte=day))
         for pk, r in rules.items() if r.settings.phase_stale_enabled for phase in Phase.values
         for day in [today - (r.settings.phase_stale_days(phase) + 1) * DAY]),
        programme="trajectory__programme_id",
    )
    queryset = (
        PhaseEntry.objects.filter(trajectory__ended_on__isnull=True, trajectory__coach__isnull=False)
        .filter(~Exists(later))
        .filter(due)
        .annotate(recipient=F("trajectory__coach_id"))
    )
    rows = _not_yet_reminded(queryset, rule, counted_from=OuterRef("entered_on")).values_list(
        "pk", "trajectory_id", "trajectory__programme_id", "recipient", "phase", "entered_on",
        *_names("trajectory__participant__"), "reopen_id",
    )
    found, language = [], get_language()
    for (pk, trajectory_id, programme_id, recipient, phase, entered_on, first, last,
         reopen_id) in rows.order_by("pk"):
        days = rules[programme_id].settings.phase_stale_days(phase)
        found.append(Due(
            rule, recipient, programme_id, pk, entered_on, entered_on + (days + 1) * DAY,
            messages.phase_stale(first_name=first, last_name=last, phase=phase, entered_on=entered_on,
                                 days=days, language=language),
            trajectory_id=trajectory_id, reopen_id=reopen_id,
        ))
    return found


# (c) A referral still "sent" N days after it was sent: every partner specialist of the receiving
# organisation; after 2N days, the trajectory's coach as well.


def _referrals_due(rule: str, *, today: datetime.date, rules: dict[int, ProgrammeRules],
                   factor: int, recipient: str, recipients: Q) -> list[Due]:
    due = on_or_before(rules, rule, "sent_on",
                       lambda r: today - factor * r.settings.referral_answer_days * DAY,
                       programme="trajectory__programme_id")
    queryset = (
        Referral.objects.filter(status=Referral.Status.SENT)
        .filter(due)
        .filter(recipients)
        .annotate(recipient=F(recipient))
    )
    rows = _not_yet_reminded(queryset, rule, counted_from=OuterRef("sent_on")).values_list(
        "pk", "trajectory_id", "trajectory__programme_id", "recipient", "sent_on", "specialisation__name",
        "organisation__name", *_names("trajectory__participant__"), "reopen_id",
    )
    render = messages.referral_unanswered if rule == Rule.REFERRAL_UNANSWERED else messages.referral_escalated
    found, language = [], get_language()
    for (pk, trajectory_id, programme_id, recipient_id, sent_on, specialisation, organisation, first, last,
         reopen_id) in rows.order_by("pk", "recipient"):
        days = factor * rules[programme_id].settings.referral_answer_days
        found.append(Due(
            rule, recipient_id, programme_id, pk, sent_on, sent_on + days * DAY,
            render(first_name=first, last_name=last, specialisation=specialisation,
                   organisation=organisation, sent_on=sent_on, language=language),
            trajectory_id=trajectory_id, reopen_id=reopen_id,
        ))
    return found


def scan_referral_unanswered(*, today: datetime.date, rules: dict[int, ProgrammeRules]) -> list[Due]:
    # One filter() call, so the staff join is one join: the recipient is the staff member it matched.
    partners = Q(organisation__staff__role=StaffMember.Role.PARTNER_SPECIALIST,
                 organisation__staff__user__is_active=True)
    return _referrals_due(Rule.REFERRAL_UNANSWERED, today=today, rules=rules, factor=1,
                          recipient="organisation__staff__user_id", recipients=partners)


def scan_referral_escalated(*, today: datetime.date, rules: dict[int, ProgrammeRules]) -> list[Due]:
    return _referrals_due(Rule.REFERRAL_ESCALATED, today=today, rules=rules, factor=2,
                          recipient="trajectory__coach_id", recipients=Q(trajectory__coach__isnull=False))


# (d) A group session tomorrow: its coach, with the attendance recorded so far.


def scan_session_tomorrow(*, today: datetime.date, rules: dict[int, ProgrammeRules]) -> list[Due]:
    rule = Rule.SESSION_TOMORROW
    tomorrow = today + DAY
    queryset = (
        Session.objects.filter(kind__in=(Session.Kind.INFO, Session.Kind.THEME), held_on=tomorrow,
                               programme_id__in=switched_on(rules, rule))
        .annotate(recipient=F("coach_id"))
    )
    # One row per attendance (or one without), grouped by session below: still one query.
    rows = _not_yet_reminded(queryset, rule, counted_from=OuterRef("held_on")).values_list(
        "pk", "programme_id", "recipient", "held_on", "kind", "title", "location", "reopen_id",
        "attendances__attended", *_names("attendances__trajectory__participant__"),
    ).order_by("pk", "attendances__trajectory__participant__last_name",
               "attendances__trajectory__participant__first_name")
    found = []
    for key, group in groupby(rows, key=lambda row: row[:8]):
        pk, programme_id, recipient, held_on, kind, title, location, reopen_id = key
        attendees = [person_name(first, last) for *_, attended, first, last in group if attended]
        found.append(Due(
            rule, recipient, programme_id, pk, held_on, held_on - DAY,
            messages.session_tomorrow(kind=Session.Kind(kind).label, title=title or "", held_on=held_on,
                                      location=location, attendees=attendees),
            reopen_id=reopen_id,
        ))
    return found


# (e) Outflow follow-up: a trajectory that reached guidance and ended; at the end of the programme's
# outflow window the coach records whether the person started as self-employed. Due while no outcome
# was recorded on or after the end of the window.


def scan_outflow_follow_up(*, today: datetime.date, rules: dict[int, ProgrammeRules]) -> list[Due]:
    rule = Rule.OUTFLOW_FOLLOW_UP
    guided = PhaseEntry.objects.filter(trajectory=OuterRef("pk"), phase=Phase.GUIDANCE)
    # A month-end can shift the window's end by up to 3 days: the query is 3 days wide, the exact
    # date is checked below.
    due = on_or_before(rules, rule, "ended_on",
                       lambda r: add_months(today, -r.outflow_window_months) + 3 * DAY,
                       programme="programme_id")
    queryset = (
        Trajectory.objects.filter(ended_on__isnull=False, coach__isnull=False)
        .filter(Exists(guided))
        .filter(due)
        .annotate(recipient=F("coach_id"))
    )
    rows = _not_yet_reminded(queryset, rule).values_list(
        "pk", "programme_id", "recipient", "ended_on", "outcome_recorded_on", *_names(), "reopen_id"
    )
    found = []
    for pk, programme_id, recipient, ended_on, recorded_on, first, last, reopen_id in rows.order_by("pk"):
        months = rules[programme_id].outflow_window_months
        window_end = add_months(ended_on, months)
        if window_end > today or (recorded_on is not None and recorded_on >= window_end):
            continue
        found.append(Due(
            rule, recipient, programme_id, pk, window_end, window_end,
            messages.outflow_follow_up(first_name=first, last_name=last, ended_on=ended_on,
                                       window_end=window_end, months=months),
            trajectory_id=pk, reopen_id=reopen_id,
        ))
    return found


# (f) A reporting period ends within N days while participants in it have an incomplete ESF record:
# every coordinator of the programme (coordinators at organisations that coordinate it).


def incomplete_in_period() -> QuerySet[Trajectory]:
    """Trajectories in the outer ReportingPeriod's programme during the period (reached by its end,
    not ended before its start) whose participant's ESF record is incomplete."""
    return (
        Trajectory.objects.filter(programme_id=OuterRef("programme_id"),
                                  phase_entries__phase=Phase.SENSITISATION,
                                  phase_entries__entered_on__lte=OuterRef("ends_on"))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=OuterRef("starts_on")))
        .filter(INCOMPLETE_ESF_RECORD)
    )


def scan_period_end(*, today: datetime.date, rules: dict[int, ProgrammeRules]) -> list[Due]:
    rule = Rule.PERIOD_END
    ending = limits_q(
        ((pk, day, Q(ends_on__gte=today, ends_on__lte=day))
         for pk, r in rules.items() if r.settings.period_end_enabled
         for day in [today + r.settings.period_end_days * DAY]),
        programme="programme_id",
    )
    incomplete = Subquery(
        incomplete_in_period().order_by().values("programme_id")
        .annotate(count=Count("participant_id", distinct=True)).values("count")
    )
    queryset = (
        ReportingPeriod.objects.filter(ending)
        .annotate(incomplete=Coalesce(incomplete, Value(0)))
        .filter(incomplete__gt=0)
        # One filter() call: the role, the organisation and its staff member are one chain of joins.
        .filter(programme__organisation_roles__role=ProgrammeRole.Role.COORDINATION,
                programme__organisation_roles__organisation__staff__role=StaffMember.Role.COORDINATOR,
                programme__organisation_roles__organisation__staff__user__is_active=True)
        .annotate(recipient=F("programme__organisation_roles__organisation__staff__user_id"))
    )
    rows = _not_yet_reminded(queryset, rule, counted_from=OuterRef("ends_on")).values_list(
        "pk", "programme_id", "recipient", "number", "ends_on", "programme__code", "incomplete", "reopen_id"
    )
    found = []
    for (pk, programme_id, recipient, number, ends_on, code, count,
         reopen_id) in rows.order_by("pk", "recipient"):
        days = rules[programme_id].settings.period_end_days
        found.append(Due(
            rule, recipient, programme_id, pk, ends_on, ends_on - days * DAY,
            messages.period_end(programme=code, number=number, ends_on=ends_on, incomplete=count),
            reopen_id=reopen_id,
        ))
    return found


SCANS: dict[str, Callable[..., list[Due]]] = {
    Rule.NO_CONTACT: scan_no_contact,
    Rule.PHASE_STALE: scan_phase_stale,
    Rule.REFERRAL_UNANSWERED: scan_referral_unanswered,
    Rule.REFERRAL_ESCALATED: scan_referral_escalated,
    Rule.SESSION_TOMORROW: scan_session_tomorrow,
    Rule.OUTFLOW_FOLLOW_UP: scan_outflow_follow_up,
    Rule.PERIOD_END: scan_period_end,
}

