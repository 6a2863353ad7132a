"""Batch transactions: PostgreSQL runs the scans' queries without JIT, and only inside them. Batch inserts:
rows as tuples, defaults filled in, a row the unique key refuses skipped (COPY on PostgreSQL, bulk_create
elsewhere: the suite on each database runs its own path)."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from casemgmt.batches import atomic_without_jit, insert_rows
from casemgmt.models import User
from reminders.models import Reminder
from tests.conftest import service_missing
from tests.factories import ReportingPeriodFactory, UserFactory


def _jit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        return cursor.fetchone()[0]


# Transactional (the scans run outside any transaction), and given back as migrations left it: a plain
# flush would run post_migrate, which makes the role groups anew under other ids, and a later test that
# restores the migrations' rows would then find their names taken.
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@transactional
def test_jit_is_off_inside_and_as_it_was_after():
    # Outside any transaction: a test's own would keep SET LOCAL until it ends.
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    with connection.cursor() as cursor:
        cursor.execute("SET jit = on")  # so that "off" inside is the block's doing
    try:
        with atomic_without_jit():
            inside = _jit()
        after = _jit()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")  # the next tests get the server's setting back

    assert (inside, after) == ("off", "on")


@transactional
def test_what_the_block_writes_is_rolled_back_whole_on_an_error():
    assert not connection.in_atomic_block

    with pytest.raises(RuntimeError), atomic_without_jit():
        assert connection.in_atomic_block
        User.objects.create_user(username="rolled.back", password="not-kept-anyway-1")
        raise RuntimeError("after the write")

    assert not User.objects.filter(username="rolled.back").exists()


FIELDS = ("rule", "recipient_id", "programme_id", "object_type", "object_id", "period_id", "counted_from",
          "due_on", "message")


def _row(period, recipient, message: str, due_on=datetime.date(2018, 10, 21)) -> tuple:
    return ("period_end", recipient.pk, period.programme_id, "casemgmt.reportingperiod", str(period.pk),
            period.pk, datetime.date(2018, 10, 31), due_on, message)


@pytest.mark.django_db
def test_inserted_rows_get_their_values_and_the_defaults_and_a_refused_one_is_skipped():
    period = ReportingPeriodFactory()
    coordinator, other = UserFactory(), UserFactory()
    # What COPY must escape, and what it must not touch.
    awkward = 'Tab\there, a line\nbreak, a backslash \\ and “quotes”, \'apostrophes\' and ; | , \\N'
    began = timezone.now()
    insert_rows(Reminder, FIELDS, [_row(period, coordinator, awkward), _row(period, other, "second")])

    # The same two again (a second worker's copy) and one new: only the new one goes in, no error.
    insert_rows(Reminder, FIELDS, [_row(period, coordinator, "copy"), _row(period, other, "copy"),
                                   _row(period, coordinator, "third", due_on=datetime.date(2018, 10, 22))])

    rows = list(Reminder.objects.order_by("recipient_id", "due_on").values_list(
        "recipient_id", "due_on", "message", "status", "closed_reason", "closed_at", "emailed_at",
        "trajectory_id", "created_at"))
    assert [row[:8] for row in rows] == [
        (coordinator.pk, datetime.date(2018, 10, 21), awkward, "open", "", None, None, None),
        (coordinator.pk, datetime.date(2018, 10, 22), "third", "open", "", None, None, None),
        (other.pk, datetime.date(2018, 10, 21), "second", "open", "", None, None, None),
    ]
    assert all(began <= row[8] <= timezone.now() for row in rows)
    assert Reminder.objects.get(message="third").period == period


@pytest.mark.django_db
def test_no_rows_is_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        insert_rows(Reminder, FIELDS, [])
