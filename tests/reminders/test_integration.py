"""End to end on the real services: a real Redis, real Celery worker processes and PostgreSQL.

The worker is a subprocess (`celery -A casemgmt worker`) running the settings of
tests/reminders/workers.py against the same test database (data is committed: transactional tests)
and a dedicated Redis database. Each test has its own queue: the test sends to it, its workers
consume it (it is also their default queue, so the mail tasks a scan sends stay on it), and it is
purged at teardown, so nothing left over reaches another test. Mail goes to files the test reads.
Every wait is bounded; every worker is stopped at teardown (SIGTERM, then SIGKILL).
"""

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from django.db import connection, transaction
from kombu import Connection, Exchange, Queue

from casemgmt.celery import app
from reminders.models import Reminder, ReminderSettings, Rule
from reminders.services import reminder_settings_save
from reminders.tasks import scan_all
from tests.conftest import service_missing, wait_for
from tests.reminders.world import D
from trajectories.services import session_log_individual

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    # serialized_rollback: the rows migrations made (the beat schedule) are back for the tests after.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2017-03-07"
TIMEOUT = 30.0
# A dedicated Redis database on the server of REDIS_URL: the tests' queues never mix with the app's.
REDIS_URL = urlunsplit(urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")._replace(path="/15"))
DEAD_BROKER_URL = "redis://127.0.0.1:6390/15"  # nothing listens there



def database_url() -> str:
    """The test database (not the one DATABASE_URL names: pytest-django's test_ copy of it)."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@dataclass
class Cluster:
    """The workers of one test, its queue and its mail folder."""

    queue: str
    tmp: Path
    redis: redis.Redis
    workers: list[subprocess.Popen] = field(default_factory=list)

    @property
    def mail_dir(self) -> Path:
        return self.tmp / "mail"

    def start_worker(self) -> subprocess.Popen:
        n = len(self.workers) + 1
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.reminders.workers",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_VISIBILITY_TIMEOUT": "5",
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "EMAIL_FILE_PATH": str(self.mail_dir),
        }
        env.pop("REDIS_URL", None)  # the base settings prefer it to CELERY_BROKER_URL
        log = (self.tmp / f"worker{n}.log").open("wb")
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "casemgmt", "worker", "-l", "info", "--pool", "solo",
             "-Q", self.queue, "-n", f"w{n}-{self.queue}@%h", "--without-gossip", "--without-mingle",
             "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        self.workers.append(worker)
        return worker

    def send_scan(self) -> None:
        with Connection(REDIS_URL) as conn:
            Queue(self.queue, Exchange(self.queue), routing_key=self.queue)(conn.default_channel).declare()
            scan_all.apply_async(kwargs={"today": TODAY}, queue=self.queue, connection=conn)

    def _keys(self) -> list[str]:
        return list(self.redis.scan_iter(match=f"{self.queue}*"))

    def _unacked(self) -> dict[str, str]:
        """Messages of this queue handed to a worker and not yet acknowledged: {tag: payload}."""
        return {tag: payload for tag, payload in self.redis.hgetall("unacked").items()
                if json.loads(payload)[2] == self.queue}

    def idle(self) -> bool:
        waiting = sum(self.redis.llen(k) for k in self._keys() if self.redis.type(k) == "list")
        return waiting == 0 and not self._unacked()

    def settle(self, condition, what: str) -> None:
        """Wait until `condition` holds and no task of the queue is waiting or running (twice in a row)."""
        wait_for(lambda: condition() and self.idle(), what)
        time.sleep(0.5)
        wait_for(lambda: condition() and self.idle(), what)

    def mails(self) -> Counter:
        """How many messages each address got, from the files the workers wrote."""
        if not self.mail_dir.exists():
            return Counter()
        return Counter(to for path in self.mail_dir.iterdir()
                       for to in re.findall(r"^To: (.+)$", path.read_text(), re.M))

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.tmp.glob("worker*.log")))

    def stop(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(timeout=5)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=5)

    def purge(self) -> None:
        for key in self._keys():
            self.redis.delete(key)
        self.redis.delete(f"_kombu.binding.{self.queue}", f"_kombu.binding_permanent.{self.queue}")
        for tag in self._unacked():
            self.redis.hdel("unacked", tag)
            self.redis.zrem("unacked_index", tag)


@pytest.fixture
def cluster(postgres, tmp_path, request):
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError:
        service_missing(f"needs Redis at {REDIS_URL}")
    cluster = Cluster(queue=f"it-{request.node.name[:40]}-{uuid.uuid4().hex[:8]}", tmp=tmp_path, redis=client)
    try:
        yield cluster
    finally:
        cluster.stop()
        cluster.purge()
        client.close()


@pytest.fixture
def due(world):
    """At TODAY: two trajectories without contact (the coach) and an unanswered referral (the partner)."""
    world.trajectory(entered_on=D(2017, 1, 10))
    guided = world.guided(entered_on=D(2017, 1, 10), guidance_on=D(2017, 3, 1))
    world.referral(guided, sent_on=D(2017, 3, 2))
    return world


def expected(world) -> Counter:
    return Counter({(Rule.NO_CONTACT, world.coach.pk): 2, (Rule.REFERRAL_UNANSWERED, world.partner.pk): 1})


def found() -> Counter:
    return Counter(Reminder.objects.values_list("rule", "recipient_id"))


def all_mailed(count: int):
    return lambda: (Reminder.objects.count() >= count
                    and not Reminder.objects.filter(emailed_at__isnull=True).exists())


def test_a_worker_scans_and_mails_end_to_end(due, cluster):
    cluster.start_worker()
    cluster.send_scan()

    cluster.settle(all_mailed(3), "the reminders stored and mailed")

    assert found() == expected(due), cluster.logs()
    assert cluster.mails() == {"coach.stebo@example.org": 1, "partner.microstart@example.org": 1}
    assert Reminder.objects.filter(status=Reminder.Status.OPEN).count() == 3


def test_two_scans_on_two_workers_make_no_duplicate(due, cluster):
    cluster.start_worker()
    cluster.start_worker()
    for _ in range(4):
        cluster.send_scan()

    cluster.settle(all_mailed(3), "the reminders stored and mailed")

    assert found() == expected(due), cluster.logs()
    assert cluster.mails() == {"coach.stebo@example.org": 1, "partner.microstart@example.org": 1}


def test_a_worker_killed_mid_scan_leaves_no_duplicate_and_no_loss(due, cluster):
    """The test holds a lock on the reminder table, so the worker's scan stops at its insert, inside
    its transaction: a kill there is a kill mid-scan, every time. The message was not acknowledged
    (acks_late): after the visibility timeout (5 s here) Redis hands it to the next worker."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {Reminder._meta.db_table} IN EXCLUSIVE MODE")
        first = cluster.start_worker()
        cluster.send_scan()

        def scan_blocked() -> bool:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # the view is a snapshot per transaction
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
            return cursor.fetchone()[0] > 0

        wait_for(scan_blocked, "the worker's scan to wait on the lock")
        first.kill()
        first.wait(timeout=5)
    assert Reminder.objects.count() == 0  # the killed scan's transaction never committed

    cluster.start_worker()
    cluster.settle(all_mailed(3), "the scan delivered again and finished")

    assert found() == expected(due), cluster.logs()
    assert cluster.mails() == {"coach.stebo@example.org": 1, "partner.microstart@example.org": 1}


@pytest.fixture
def broker_away():
    """The web side's broker is a port where nothing listens."""
    url = app.conf.broker_url
    app.conf.broker_url = DEAD_BROKER_URL
    app._after_fork()  # forget pooled connections
    yield
    app.conf.broker_url = url
    app._after_fork()


def test_with_redis_down_saving_works_and_the_reminder_arrives_once_it_is_back(world, cluster, broker_away,
                                                                               caplog):
    """Redis "down" is the web side's broker pointing at a dead port: stopping the shared Redis
    server would break everything else on the machine (other tests, other suites) and need root;
    to the code that sends a task, a refused connection is the same as a stopped server. "Back" is a
    worker on the real Redis running the next scan, as beat would send it."""
    contacted = world.trajectory(entered_on=D(2017, 1, 10))
    forgotten = world.trajectory(entered_on=D(2017, 1, 10))

    with caplog.at_level(logging.ERROR, logger="reminders.dispatch"):
        session_log_individual(trajectory=contacted, by=world.coach, held_on=D(2017, 3, 1), duration_minutes=30)
        reminder_settings_save(settings_row=ReminderSettings(programme=world.ovv, no_contact_days=14),
                               by=world.coordinator)

    assert ReminderSettings.objects.get(programme=world.ovv).no_contact_days == 14
    assert "Could not send the task reminders.scan_all" in caplog.text
    assert Reminder.objects.count() == 0

    cluster.start_worker()
    cluster.send_scan()
    cluster.settle(all_mailed(1), "the reminder stored and mailed")

    assert list(Reminder.objects.values_list("rule", "trajectory_id")) == [(Rule.NO_CONTACT, forgotten.pk)]
    assert cluster.mails() == {"coach.stebo@example.org": 1}
