"""On PostgreSQL, outside a transaction, the rules run side by side on connections of their own: the same
reminders as one after the other, and no connection left behind."""

import threading
import time

import pytest
from django.db import connection

from reminders import services
from reminders.models import Reminder, Rule
from tests.conftest import service_missing
from tests.reminders.test_scans import TODAY, causes
from tests.reminders.world import scan

# Outside any transaction (the threads' connections must see the world), given back as migrations left it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

KEY = ("rule", "recipient_id", "object_type", "object_id", "counted_from", "due_on", "message", "status")


def _connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND backend_type = 'client backend'")
        return cursor.fetchone()[0]


def _connections_back_to(count: int) -> int:
    """The client connections to the test database, once they are back to `count` (a closed connection's
    backend takes a moment to leave), or after 5 s."""
    deadline = time.monotonic() + 5
    while (now := _connections()) != count and time.monotonic() < deadline:
        time.sleep(0.05)
    return now


def test_side_by_side_makes_what_one_after_the_other_makes(world, settings, monkeypatch):
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    causes(world, 3)
    threads = set()
    for rule, run in services.SCANS.items():
        def recorded(run=run, **arguments):
            threads.add(threading.current_thread().name)
            return run(**arguments)
        monkeypatch.setitem(services.SCANS, rule, recorded)
    before = _connections()

    settings.REMINDER_SCAN_CONNECTIONS = 2
    side_by_side = scan(TODAY)
    made = sorted(Reminder.objects.values_list(*KEY))
    after = _connections_back_to(before)
    Reminder.objects.all().delete()
    settings.REMINDER_SCAN_CONNECTIONS = 1
    one_by_one = scan(TODAY)

    assert side_by_side == one_by_one and all(side_by_side[rule][0] > 0 for rule in Rule.values), side_by_side
    assert made == sorted(Reminder.objects.values_list(*KEY))
    assert {name.startswith("reminder-scan") for name in threads} == {True, False}
    assert after == before
