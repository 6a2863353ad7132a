"""The Celery side, without a worker: the tasks run in-process (Task.apply), and what they send goes
to the test settings' in-process broker (memory://), read back here. A broker that is away is a
refused port. (A real Redis and a real worker process are the integration tests' business.)"""

import logging

import pytest
from django.core import mail
from django_celery_beat.models import PeriodicTask

from casemgmt.celery import app
from reminders.models import Reminder, ReminderSettings, Rule
from reminders.services import reminder_settings_save
from reminders.tasks import close_resolved, run_rule, scan_all, send_reminder_mail
from tests.reminders.world import D, reminders
from trajectories.services import session_log_individual

pytestmark = pytest.mark.django_db

QUEUE = "celery"


def sent_tasks() -> list[tuple[str, list]]:
    """Take every message off the in-process broker's queue: (task name, args)."""
    found = []
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue(QUEUE)
        while len(queue):
            message = queue.get(timeout=1)
            found.append((message.headers["task"], message.payload[0]))
            message.ack()
        queue.close()
    return found


@pytest.fixture(autouse=True)
def empty_broker():
    assert app.conf.broker_url == "memory://", "unit tests must not send tasks to a shared broker"
    sent_tasks()
    yield
    sent_tasks()


@pytest.fixture
def broker_away():
    """Nothing listens on port 1: every send is refused, as when Redis is down."""
    url = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app._after_fork()  # forget the pooled connections to the broker that was there
    yield
    app.conf.broker_url = url
    app._after_fork()


@pytest.fixture
def due(world):
    world.trajectory(entered_on=D(2017, 1, 10))
    guided = world.guided(entered_on=D(2017, 1, 10), guidance_on=D(2017, 3, 1))
    world.referral(guided, sent_on=D(2017, 3, 2))
    return world


def test_the_scan_task_stores_reminders_and_sends_one_mail_task_per_person(due):
    result = scan_all.apply(kwargs={"today": "2017-03-07"}).get()

    assert result[Rule.NO_CONTACT]["created"] == 2 and result[Rule.REFERRAL_UNANSWERED]["created"] == 1
    tasks = sent_tasks()
    assert sorted(tasks) == sorted([("reminders.send_reminder_mail", [due.coach.pk]),
                                    ("reminders.send_reminder_mail", [due.partner.pk])])
    for _, args in tasks:
        send_reminder_mail.apply(args=args).get()
    assert sorted(message.to[0] for message in mail.outbox) == ["coach.stebo@example.org",
                                                               "partner.microstart@example.org"]


def test_a_second_scan_sends_no_mail_task_for_what_was_mailed(due):
    scan_all.apply(kwargs={"today": "2017-03-07"})
    for _, args in sent_tasks():
        send_reminder_mail.apply(args=args)

    again = scan_all.apply(kwargs={"today": "2017-03-07"}).get()

    assert all(counts == {"created": 0, "reopened": 0, "closed": 0} for counts in again.values())
    assert sent_tasks() == []


def test_the_mail_task_run_twice_sends_one_mail(due):
    scan_all.apply(kwargs={"today": "2017-03-07"})

    first = send_reminder_mail.apply(args=[due.coach.pk]).get()
    second = send_reminder_mail.apply(args=[due.coach.pk]).get()

    assert (first, second) == (2, 0)
    assert len(mail.outbox) == 1


def test_one_rule_can_run_on_its_own(due):
    result = run_rule.apply(args=[Rule.REFERRAL_UNANSWERED, "2017-03-07"]).get()

    assert result == {"created": 1, "reopened": 0, "closed": 0}
    assert set(Reminder.objects.values_list("rule", flat=True)) == {Rule.REFERRAL_UNANSWERED}


def test_the_close_task_closes_what_a_change_resolved(due):
    scan_all.apply(kwargs={"today": "2017-03-07"})
    trajectory = reminders(Rule.NO_CONTACT)[0].trajectory
    session_log_individual(trajectory=trajectory, by=due.coach, held_on=D(2017, 3, 8), duration_minutes=30)

    closed = close_resolved.apply(args=[[trajectory.pk]]).get()

    assert closed == 1
    assert reminders(Rule.NO_CONTACT, trajectory=trajectory)[0].closed_reason == "contact_logged"


def test_with_the_broker_away_the_scan_stores_reminders_and_the_next_scan_mails_them(due, broker_away, caplog):
    with caplog.at_level(logging.ERROR, logger="reminders.dispatch"):
        scan_all.apply(kwargs={"today": "2017-03-07"}).get()

    assert Reminder.objects.filter(emailed_at__isnull=True).count() == 3
    assert "Could not send the task reminders.send_reminder_mail" in caplog.text


def test_the_next_scan_after_an_outage_sends_the_mail_tasks(due, broker_away):
    scan_all.apply(kwargs={"today": "2017-03-07"})
    app.conf.broker_url = "memory://"  # the broker is back
    app._after_fork()

    scan_all.apply(kwargs={"today": "2017-03-07"})

    assert {args[0] for _, args in sent_tasks()} == {due.coach.pk, due.partner.pk}


def test_saving_settings_with_the_broker_away_still_saves(world, broker_away, caplog,
                                                          django_capture_on_commit_callbacks):
    with caplog.at_level(logging.ERROR, logger="reminders.dispatch"), \
            django_capture_on_commit_callbacks(execute=True) as callbacks:
        reminder_settings_save(settings_row=ReminderSettings(programme=world.ovv, no_contact_days=10),
                               by=world.coordinator)

    assert len(callbacks) == 1
    assert ReminderSettings.objects.get(programme=world.ovv).no_contact_days == 10
    assert "reminders.scan_all" in caplog.text


def test_saving_settings_sends_a_scan_after_the_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reminder_settings_save(settings_row=ReminderSettings(programme=world.ovv), by=world.coordinator)
        assert sent_tasks() == []  # nothing leaves before the commit

    for callback in callbacks:
        callback()
    assert sent_tasks() == [("reminders.scan_all", [])]


def test_beat_runs_the_scan_every_15_minutes():
    task = PeriodicTask.objects.get(name="reminders: scan")

    assert (task.task, task.enabled, task.interval.every, task.interval.period) == (
        "reminders.scan_all", True, 15, "minutes")
    assert task.expire_seconds == 15 * 60
    assert task.task in app.tasks
