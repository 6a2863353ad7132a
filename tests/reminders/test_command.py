"""`manage.py run_reminder_scans`: the scans once, for operators and tests."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from reminders.models import Reminder, Rule
from tests.reminders.world import D

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("run_reminder_scans", *args, stdout=out)
    return out.getvalue()


def test_the_command_scans_as_of_a_date_and_says_what_it_did_per_rule(world):
    world.trajectory(entered_on=D(2017, 1, 10))

    first = run("--today", "2017-01-31")
    second = run("--today", "2017-01-31")

    assert Reminder.objects.filter(rule=Rule.NO_CONTACT).count() == 1
    assert "no_contact" in first and "created      1" in first
    assert "created      1" not in second
    assert all(rule in first for rule in Rule.values)
    assert mail.outbox == []


def test_the_command_mails_the_new_reminders_when_asked(world):
    world.trajectory(entered_on=D(2017, 1, 10))

    output = run("--today", "2017-01-31", "--rule", Rule.NO_CONTACT, "--send-mail")

    assert "E-mailed 1 reminders to 1 people." in output
    assert [message.to for message in mail.outbox] == [["coach.stebo@example.org"]]


def test_the_command_refuses_a_date_it_cannot_read(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--today", "31/01/2017")
