"""Delivery: one e-mail per person with all their new reminders, never twice; the in-app list and
count; dismissing."""

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings

from casemgmt.errors import RuleViolation
from reminders.models import Reminder, Rule
from reminders.selectors import (
    recipients_awaiting_mail,
    reminder_count_for,
    reminders_open_for,
    reminders_visible_to,
)
from reminders.services import reminder_dismiss, reminders_mail
from tests.reminders.world import D, reminders, scan
from trajectories.services import session_log_individual

pytestmark = pytest.mark.django_db


class BrokenMailServer(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is away")


@pytest.fixture
def due(world):
    """Two reminders for the coach (no contact), one for the partner (unanswered referral)."""
    world.trajectory(entered_on=D(2017, 1, 10), last_name="Haddad")
    guided = world.guided(entered_on=D(2017, 1, 10), guidance_on=D(2017, 3, 1), last_name="Saleh")
    world.referral(guided, sent_on=D(2017, 3, 2))
    scan(D(2017, 3, 7), Rule.NO_CONTACT, Rule.REFERRAL_UNANSWERED)
    return world


def test_each_person_gets_one_mail_with_all_their_new_reminders(due):
    for recipient_id in recipients_awaiting_mail():
        reminders_mail(recipient_id=recipient_id)

    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == ["coach.stebo@example.org", "partner.microstart@example.org"]
    assert by_address["coach.stebo@example.org"].subject == "2 nieuwe herinneringen"
    assert "- 2 × geen contact geregistreerd" in by_address["coach.stebo@example.org"].body
    assert by_address["partner.microstart@example.org"].subject == "1 nieuwe herinnering"
    assert "- 1 × doorverwijzing niet beantwoord" in by_address["partner.microstart@example.org"].body
    assert not Reminder.objects.filter(emailed_at__isnull=True).exists()


@override_settings(SITE_URL="https://casemgmt.example.org/")
def test_a_mail_names_no_participant_and_links_to_the_reminders(due):
    """A mail leaves the application: it says what kind of reminders are new and where, never who they
    are about, though the reminders it counts name them."""
    reminders_mail(recipient_id=due.coach.pk)

    (message,) = mail.outbox
    messages = list(Reminder.objects.filter(recipient=due.coach).values_list("message", flat=True))
    assert len(messages) == 2 and all("Haddad" in text or "Saleh" in text for text in messages)
    assert "Haddad" not in message.body and "Saleh" not in message.body and "Haddad" not in message.subject
    assert "https://casemgmt.example.org/reminders/" in message.body


@override_settings(SITE_URL="")
def test_without_a_site_address_the_mail_says_where_to_look(due):
    reminders_mail(recipient_id=due.coach.pk)

    assert "http" not in mail.outbox[0].body
    assert "Herinneringen" in mail.outbox[0].body


def test_a_reminder_of_a_rule_this_version_no_longer_has_is_counted_by_its_value(due):
    Reminder.objects.filter(recipient=due.coach).update(rule="retired_rule")

    assert reminders_mail(recipient_id=due.coach.pk) == 2

    assert mail.outbox[0].subject == "2 nieuwe herinneringen"
    assert "- 2 × retired_rule" in mail.outbox[0].body


def test_mailing_twice_sends_nothing_the_second_time(due):
    assert reminders_mail(recipient_id=due.coach.pk) == 2

    assert reminders_mail(recipient_id=due.coach.pk) == 0
    assert len(mail.outbox) == 1
    assert due.coach.pk not in recipients_awaiting_mail()


def test_only_new_reminders_are_mailed_later(due):
    reminders_mail(recipient_id=due.coach.pk)
    trajectory = due.trajectory(entered_on=D(2017, 2, 1), last_name="Nieuw")
    session_log_individual(trajectory=trajectory, by=due.coach, held_on=D(2017, 2, 1), duration_minutes=30)
    scan(D(2017, 2, 22), Rule.NO_CONTACT)

    assert reminders_mail(recipient_id=due.coach.pk) == 1

    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "1 nieuwe herinnering"
    assert "- 1 × geen contact geregistreerd" in mail.outbox[1].body


@override_settings(EMAIL_BACKEND="tests.reminders.test_delivery.BrokenMailServer")
def test_a_failing_mail_server_leaves_the_reminders_to_mail_again(due):
    with pytest.raises(ConnectionRefusedError):
        reminders_mail(recipient_id=due.coach.pk)

    assert due.coach.pk in recipients_awaiting_mail()
    assert not Reminder.objects.filter(emailed_at__isnull=False).exists()


def test_people_without_an_address_keep_their_reminders_in_the_app_only(due):
    due.coach.email = ""
    due.coach.save()

    assert due.coach.pk not in recipients_awaiting_mail()
    assert reminders_mail(recipient_id=due.coach.pk) == 0
    assert reminder_count_for(due.coach) == 2


def test_closed_and_dismissed_reminders_are_not_mailed(due):
    first, second = reminders(Rule.NO_CONTACT)
    reminder_dismiss(reminder=first, by=due.coach)
    session_log_individual(trajectory=second.trajectory, by=due.coach, held_on=D(2017, 3, 8), duration_minutes=30)
    scan(D(2017, 3, 8), Rule.NO_CONTACT)

    assert reminders_mail(recipient_id=due.coach.pk) == 0


def test_the_list_and_the_count_show_a_person_only_their_open_reminders(due):
    first, _ = reminders(Rule.NO_CONTACT)
    reminder_dismiss(reminder=first, by=due.coach)

    assert list(reminders_open_for(due.coach)) == reminders(Rule.NO_CONTACT, status=Reminder.Status.OPEN)
    assert reminder_count_for(due.coach) == 1
    assert [r.rule for r in reminders_open_for(due.partner)] == [Rule.REFERRAL_UNANSWERED]
    assert reminder_count_for(due.coordinator) == 0


def test_the_list_runs_one_query_whatever_its_length(due, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = [(r.programme.code, r.trajectory.participant.last_name) for r in reminders_open_for(due.coach)]

    assert len(rows) == 2


def test_only_the_recipient_dismisses_a_reminder(due):
    reminder = reminders(Rule.REFERRAL_UNANSWERED)[0]

    with pytest.raises(RuleViolation) as refused:
        reminder_dismiss(reminder=reminder, by=due.coach)

    assert refused.value.code == "reminder_not_yours"
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.OPEN


def test_a_closed_reminder_cannot_be_dismissed(due):
    reminder = reminders(Rule.NO_CONTACT)[0]
    reminder_dismiss(reminder=reminder, by=due.coach)

    with pytest.raises(RuleViolation) as refused:
        reminder_dismiss(reminder=reminder, by=due.coach)

    assert refused.value.code == "reminder_not_open"


def test_coordinators_see_the_reminders_of_their_programmes_others_their_own(due, other_programme):
    lba = due.trajectory(entered_on=D(2017, 1, 10), programme=other_programme)
    scan(D(2017, 3, 7), Rule.NO_CONTACT)

    assert lba.pk not in {r.trajectory_id for r in reminders_visible_to(due.coordinator)}
    assert reminders_visible_to(due.coordinator).count() == 3
    assert set(reminders_visible_to(due.partner)) == set(reminders(Rule.REFERRAL_UNANSWERED))
