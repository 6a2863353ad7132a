"""The scans as a whole: idempotent (twice, or two workers at once, never makes a second reminder),
dismissals stick, and each rule runs the same number of queries at 10 and at 50 causes."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from casemgmt.models import Phase
from reminders.models import Reminder, Rule
from reminders.scans import SCANS
from reminders.services import reminder_dismiss, reminders_store
from reminders.thresholds import programme_rules_load
from tests.reminders.world import D, World, reminders, scan
from trajectories.models import Session
from trajectories.services import session_plan_group, trajectory_end

pytestmark = pytest.mark.django_db

# On this day every rule has something due in the world `causes` builds: contacts and phases long
# overdue, referrals unanswered since March, sessions tomorrow, outflow windows ended in August,
# and OVV's first period ends in 11 days with incomplete records.
TODAY = D(2017, 10, 20)


def causes(world: World, count: int) -> None:
    """`count` causes of every rule (names differ per call, so two calls add up)."""
    for _ in range(count):
        open_one = world.guided(entered_on=D(2017, 1, 10), guidance_on=D(2017, 3, 1))
        world.referral(open_one, sent_on=D(2017, 3, 2))
        ended = world.guided(entered_on=D(2017, 1, 10), guidance_on=D(2017, 1, 20))
        trajectory_end(trajectory=ended, by=world.coach, ended_on=D(2017, 2, 20))
        session_plan_group(programme=world.ovv, by=world.coach, kind=Session.Kind.THEME, held_on=D(2017, 10, 21),
                           duration_minutes=60, title="Boekhouding")


def test_a_second_scan_on_the_same_day_creates_nothing(world):
    causes(world, 2)
    first = scan(TODAY)
    before = list(Reminder.objects.order_by("id").values_list("id", "rule", "recipient_id", "object_id", "due_on"))

    second = scan(TODAY)

    assert all(created > 0 for created, _, _ in first.values()), first
    assert second == dict.fromkeys(Rule.values, (0, 0, 0))
    assert list(Reminder.objects.order_by("id").values_list("id", "rule", "recipient_id", "object_id",
                                                            "due_on")) == before


def test_a_scan_on_later_days_keeps_one_reminder_per_cause(world):
    causes(world, 1)

    for day in (TODAY, D(2017, 10, 21), D(2017, 10, 22)):
        scan(day)

    keys = list(Reminder.objects.exclude(rule=Rule.SESSION_TOMORROW)
                .values_list("rule", "recipient_id", "object_id"))
    assert len(keys) == len(set(keys))


def test_two_workers_storing_the_same_scan_make_each_reminder_once(world):
    # Both computed the scan before either stored it: the unique key keeps the second copy out.
    causes(world, 2)
    rules = programme_rules_load()
    found = {rule: scan_rule(today=TODAY, rules=rules) for rule, scan_rule in SCANS.items()}

    for rule_found in found.values():
        reminders_store(found=rule_found)
        reminders_store(found=rule_found)

    assert Reminder.objects.count() == sum(len(rule_found) for rule_found in found.values())


def test_a_dismissed_reminder_is_not_made_again(world):
    world.trajectory(entered_on=D(2017, 1, 10))
    scan(D(2017, 1, 31), Rule.NO_CONTACT)
    (reminder,) = reminders(Rule.NO_CONTACT)

    reminder_dismiss(reminder=reminder, by=world.coach)
    scan(D(2017, 2, 1), Rule.NO_CONTACT)

    (reminder,) = reminders(Rule.NO_CONTACT)
    assert (reminder.status, reminder.closed_by) == (Reminder.Status.DISMISSED, world.coach)


def _queries(rule: str) -> list[str]:
    """The statements of one rule's scan and close pass, rolled back afterwards."""
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        outcome = scan(TODAY, rule)
        transaction.set_rollback(True)
    assert outcome[rule][0] > 0, f"{rule}: the world has nothing due, the count proves nothing"
    # Without the transactions' own statements (savepoints; on PostgreSQL, SET LOCAL jit = off).
    bookkeeping = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "SET LOCAL")
    return [query["sql"] for query in captured.captured_queries
            if not query["sql"].startswith(bookkeeping)]


def test_every_scan_runs_the_same_queries_for_10_and_for_50_causes(world):
    causes(world, 10)
    small = {rule: _queries(rule) for rule in Rule.values}
    causes(world, 40)

    large = {rule: _queries(rule) for rule in Rule.values}

    counts = {rule: (len(small[rule]), len(large[rule])) for rule in Rule.values}
    assert all(at_10 == at_50 for at_10, at_50 in counts.values()), counts
    # The settings, the close pass, the scan and the insert; on PostgreSQL the scan lock (shared) and an
    # insert of three statements around the COPY that streams the rows (which Django does not count): make
    # the staging table, move its rows, drop it.
    budget = 7 if connection.vendor == "postgresql" else 4
    assert all(at_10 <= budget for at_10, _ in counts.values()), counts


def test_phase_stale_scan_is_one_query_whatever_the_phases(world):
    for phase in Phase.values:
        world.trajectory(entered_on=D(2017, 1, 10), phase=phase)
    rules = programme_rules_load()

    with CaptureQueriesContext(connection) as captured:
        found = SCANS[Rule.PHASE_STALE](today=TODAY, rules=rules)

    assert len(found) == 4
    assert len(captured.captured_queries) == 1
