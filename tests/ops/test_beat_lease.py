"""One beat sends tasks in the whole installation: the beat lease in a real Redis (casemgmt.beat).

The lease itself, between two holders; then two real `celery beat` processes on the test database: the
second waits as a standby, takes over once the first is killed (its lease expired), and the first,
had it survived, would stop rather than send tasks beside it.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django_celery_beat.schedulers import DatabaseScheduler

from casemgmt.beat import BeatLease, LeasedScheduler, lease_for
from casemgmt.celery import app
from tests.conftest import service_missing, wait_for
from tests.reminders.test_integration import database_url

# Every test here uses Redis (the lease lives there): `make test` runs them with the other Redis tests, one
# after another.
pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[2]
# A Redis database of its own on the server of REDIS_URL, as the worker tests use.
REDIS_URL = urlunsplit(urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")._replace(path="/15"))


@pytest.fixture
def client() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        service_missing(f"needs Redis at {REDIS_URL}")
    return client


@pytest.fixture
def key(client) -> str:
    name = f"test:beat-lease:{uuid.uuid4().hex}"
    yield name
    client.delete(name)


def test_one_holder_at_a_time_and_a_released_lease_is_free_at_once(client, key):
    first, second = (BeatLease(client, seconds=30, key=key) for _ in range(2))

    assert first.acquire()
    assert not second.acquire()
    assert first.renew() and not second.renew()
    assert not second.release() and first.holder() == first.token  # a standby never frees another's lease

    assert first.release()
    assert second.acquire() and second.holder() == second.token
    assert not first.renew()


def test_a_lease_not_renewed_expires_and_another_takes_it(client, key):
    first, second = BeatLease(client, seconds=0.5, key=key), BeatLease(client, seconds=30, key=key)
    assert first.acquire()

    time.sleep(0.7)

    assert second.acquire()
    assert not first.renew() and second.holder() == second.token


def scheduler_on(url: str) -> LeasedScheduler:
    """A LeasedScheduler with its lease on `url` and nothing else (no database schedule)."""
    scheduler = LeasedScheduler.__new__(LeasedScheduler)
    scheduler.lease, scheduler.holding, scheduler._said_standby = lease_for(url), False, False
    scheduler._initial_read, scheduler._heap, scheduler._dirty = False, [], {"stale"}
    scheduler.max_interval = 5
    return scheduler


def test_a_beat_whose_lease_another_holds_stops_instead_of_sending(client, key, settings):
    settings.BEAT_LEASE_KEY, settings.BEAT_LEASE_SECONDS = key, 30
    scheduler = scheduler_on(REDIS_URL)
    assert scheduler._hold_lease()  # free: taken
    client.pexpire(key, 10_000)
    assert scheduler._hold_lease()  # held: renewed
    assert client.pttl(key) > 29_000

    client.set(key, "another-host:1:beat", px=30_000)  # taken over while this beat was cut off

    with pytest.raises(SystemExit):
        scheduler._hold_lease()
    assert client.get(key) == b"another-host:1:beat"


def test_a_lease_that_ran_out_unclaimed_is_taken_again_from_the_schedule_as_it_is(client, key, settings):
    settings.BEAT_LEASE_KEY, settings.BEAT_LEASE_SECONDS = key, 30
    scheduler = scheduler_on(REDIS_URL)
    assert scheduler._hold_lease()
    scheduler._initial_read, scheduler._dirty = False, {"sent meanwhile"}
    client.delete(key)  # e.g. Redis restarted empty

    assert scheduler._hold_lease()

    assert client.get(key).decode() == scheduler.lease.token
    # read again, not overwritten with what this beat last knew
    assert scheduler._initial_read and not scheduler._dirty and scheduler._heap is None


def test_with_redis_out_of_reach_a_beat_sends_only_while_its_lease_surely_lasts(client, key, settings):
    settings.BEAT_LEASE_KEY, settings.BEAT_LEASE_SECONDS = key, 30
    scheduler = scheduler_on(REDIS_URL)
    assert scheduler._hold_lease()
    scheduler.lease.client = redis.Redis.from_url("redis://127.0.0.1:6390/15", socket_connect_timeout=0.2)

    assert scheduler._hold_lease()  # confirmed less than 30 s ago: still its own
    scheduler.lease.valid_until = time.monotonic() - 1  # 30 s on
    assert not scheduler._hold_lease() and not scheduler.holding

    with mock.patch.object(DatabaseScheduler, "apply_entry") as sent:
        scheduler.apply_entry(mock.Mock(name="reminders: scan"))
    assert not sent.called


def test_a_task_goes_out_only_within_the_lease(client, key, settings):
    settings.BEAT_LEASE_KEY, settings.BEAT_LEASE_SECONDS = key, 30
    scheduler = scheduler_on(REDIS_URL)
    assert scheduler._hold_lease()
    entry = mock.Mock(name="reminders: scan")

    with mock.patch.object(DatabaseScheduler, "apply_entry") as sent:
        scheduler.apply_entry(entry)
        scheduler.lease.valid_until = time.monotonic() - 1  # a tick held up beyond the lease
        scheduler.apply_entry(entry)

    assert sent.call_count == 1


def test_a_standby_sends_nothing_until_the_lease_is_free(client, key, settings):
    settings.BEAT_LEASE_KEY, settings.BEAT_LEASE_SECONDS = key, 30
    client.set(key, "another-host:1:beat", px=30_000)
    scheduler = scheduler_on(REDIS_URL)

    assert not scheduler._hold_lease()
    assert scheduler.tick() == 5  # waits, and sends nothing (the schedule is not even read)
    assert client.get(key) == b"another-host:1:beat"

    client.delete(key)  # released
    assert scheduler._hold_lease() and scheduler.holding and scheduler._initial_read


def test_no_lease_without_redis():
    assert lease_for("filesystem://") is None
    assert lease_for(None) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_standby_beat_takes_over_when_the_first_one_dies(postgres, client, key, tmp_path):
    # given two real beats on the test database, with a lease of 3 s
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "casemgmt.settings.test", "DATABASE_URL": database_url(),
           "CELERY_BROKER_URL": REDIS_URL, "BEAT_LEASE_KEY": key, "BEAT_LEASE_SECONDS": "3"}
    env.pop("REDIS_URL", None)  # the base settings prefer it to CELERY_BROKER_URL
    beats: list[subprocess.Popen] = []

    def start(name: str) -> Path:
        log = tmp_path / f"{name}.log"
        with log.open("wb") as output:
            beats.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "casemgmt", "beat", "-l", "info",
                 "--schedule", str(tmp_path / f"{name}.schedule")],
                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT))
        return log

    try:
        first_log = start("first")
        wait_for(lambda: "holds the beat lease" in first_log.read_text(), "the first beat to take the lease")
        second_log = start("second")
        wait_for(lambda: "waits as a standby" in second_log.read_text(), "the second beat to wait")
        first_holder = client.get(key).decode()
        assert first_holder.split(":")[1] == str(beats[0].pid)

        # when the first one's host dies (no release: its lease must run out)
        beats[0].send_signal(signal.SIGKILL)
        beats[0].wait(timeout=10)
        killed_at = time.monotonic()

        # then the standby takes over, within the lease and a tick
        wait_for(lambda: "holds the beat lease" in second_log.read_text(), "the standby to take over",
                 timeout=15)
        assert time.monotonic() - killed_at < 3 + 5
        assert client.get(key).decode().split(":")[1] == str(beats[1].pid)
        # having sent nothing while it waited, nor after: the first beat wrote down the scan it sent
        assert "Sending due task reminders: scan" in first_log.read_text()
        time.sleep(2)
        assert "Sending due task" not in second_log.read_text()

        # and a beat stopped cleanly gives the lease up at once
        beats[1].send_signal(signal.SIGTERM)
        beats[1].wait(timeout=15)
        assert client.get(key) is None
    finally:
        for beat in beats:
            if beat.poll() is None:
                beat.kill()
                beat.wait(timeout=10)


def test_the_app_runs_the_leased_scheduler():
    assert app.conf.beat_scheduler == "casemgmt.beat:LeasedScheduler"
