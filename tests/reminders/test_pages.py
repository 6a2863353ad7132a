"""The reminder pages: the list of one's own open reminders, dismissing one (with and without htmx),
the count in the navigation, and the reminders panel on the caseload and the partner's inbox."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reminders.models import Reminder, Rule
from tests.reminders.factories import ReminderFactory
from tests.reminders.world import D

pytestmark = pytest.mark.django_db
REMINDERS = reverse("reminders:list")
DUE_ON = D(2017, 3, 1)


def signed_in(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})  # the assertions read the English texts
    client.force_login(user)
    return client


def remind(world, recipient, *, trajectory=None, referral=None, message="Call back", due_on=DUE_ON):
    trajectory = trajectory or world.trajectory(entered_on=D(2017, 1, 10))
    return ReminderFactory(
        recipient=recipient, programme=trajectory.programme, trajectory=trajectory, referral=referral,
        rule=Rule.REFERRAL_UNANSWERED if referral else Rule.NO_CONTACT,
        object_type="trajectories.referral" if referral else "trajectories.trajectory",
        object_id=str(referral.pk if referral else trajectory.pk), due_on=due_on, message=message,
    )


def test_the_list_shows_my_open_reminders_newest_due_first_with_a_link_and_no_one_elses(world):
    # given
    trajectory = world.trajectory(entered_on=D(2017, 1, 10), first_name="Amal", last_name="Haddad")
    older = remind(world, world.coach, trajectory=trajectory, message="Older one", due_on=D(2017, 2, 1))
    newer = remind(world, world.coach, message="Newer one", due_on=D(2017, 4, 1))
    remind(world, world.coordinator, message="Not for the coach")
    dismissed = remind(world, world.coach, message="Put aside", due_on=D(2017, 5, 1))
    signed_in(world.coach).post(reverse("reminders:dismiss", args=[dismissed.pk]))

    # when
    response = signed_in(world.coach).get(REMINDERS)

    # then
    assert response.status_code == 200
    assert [reminder.pk for reminder in response.context["rows"]] == [newer.pk, older.pk]
    body = response.content.decode()
    assert "Not for the coach" not in body and "Put aside" not in body
    assert reverse("trajectories:participant_detail", args=[trajectory.participant_id]) in body
    assert reverse("reminders:dismiss", args=[older.pk]) in body


def test_a_partners_referral_reminder_links_to_the_referral(world):
    referral = world.referral(world.guided(entered_on=D(2017, 1, 10), guidance_on=D(2017, 1, 20)), sent_on=D(2017, 2, 1))
    remind(world, world.partner, trajectory=referral.trajectory, referral=referral, message="Answer it")

    body = signed_in(world.partner).get(REMINDERS).content.decode()

    assert "Answer it" in body
    assert reverse("trajectories:referral_detail", args=[referral.pk]) in body


def test_dismissing_without_javascript_closes_the_reminder_and_goes_back(world):
    reminder = remind(world, world.coach, message="Call Amal")
    client = signed_in(world.coach)

    response = client.post(reverse("reminders:dismiss", args=[reminder.pk]),
                           {"next": reverse("trajectories:caseload")})

    assert response.status_code == 302 and response["Location"] == reverse("trajectories:caseload")
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.DISMISSED and reminder.closed_by == world.coach
    assert "Call Amal" not in client.get(REMINDERS).content.decode()


def test_dismissing_refuses_a_redirect_to_another_site(world):
    reminder = remind(world, world.coach)

    response = signed_in(world.coach).post(reverse("reminders:dismiss", args=[reminder.pk]),
                                           {"next": "https://evil.example/"})

    assert response["Location"] == REMINDERS


def test_dismissing_with_htmx_removes_the_row_and_updates_the_count(world):
    reminder = remind(world, world.coach)
    remind(world, world.coach, message="Another")

    response = signed_in(world.coach).post(reverse("reminders:dismiss", args=[reminder.pk]),
                                           headers={"HX-Request": "true"})

    assert response.status_code == 200
    body = response.content.decode()
    # Only the out-of-band count: the row it targets is swapped for nothing.
    assert 'id="reminder-count" hx-swap-oob="true">(1)<' in body and "reminder-" + str(reminder.pk) not in body
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.DISMISSED


def test_someone_else_cannot_dismiss_my_reminder(world):
    reminder = remind(world, world.coach)

    response = signed_in(world.partner).post(reverse("reminders:dismiss", args=[reminder.pk]))

    assert response.status_code == 404
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.OPEN


def test_dismissing_is_a_post(world):
    reminder = remind(world, world.coach)

    response = signed_in(world.coach).get(reverse("reminders:dismiss", args=[reminder.pk]))

    assert response.status_code == 405


def test_the_navigation_shows_the_number_of_my_open_reminders(world):
    for number in range(3):
        remind(world, world.coach, message=f"Reminder {number}")
    remind(world, world.coordinator)

    body = signed_in(world.coach).get(reverse("trajectories:caseload")).content.decode()

    assert f'href="{REMINDERS}"' in body
    assert '<span id="reminder-count">(3)</span>' in body


def test_a_signed_in_user_without_a_role_sees_no_reminders_link(django_user_model):
    user = django_user_model.objects.create_user(username="nobody", password="x")

    body = signed_in(user).get(REMINDERS).content.decode()

    assert "reminder-count" not in body


def test_the_caseload_shows_the_reminders_panel_and_the_open_referrals_of_each_row(world):
    # given
    trajectory = world.guided(entered_on=D(2017, 1, 10), guidance_on=D(2017, 1, 20), first_name="Amal",
                              last_name="Haddad")
    world.referral(trajectory, sent_on=D(2017, 2, 1))
    remind(world, world.coach, trajectory=trajectory, message="No contact with Amal")

    # when
    response = signed_in(world.coach).get(reverse("trajectories:caseload"))

    # then
    body = response.content.decode()
    assert 'id="reminders-panel-title"' in body and "No contact with Amal" in body
    assert "Open referrals" in body
    assert {row.participant.last_name: row.open_referrals for row in response.context["rows"]} == {"Haddad": 1}


def test_the_partners_inbox_shows_their_reminders_panel(world):
    referral = world.referral(world.guided(entered_on=D(2017, 1, 10), guidance_on=D(2017, 1, 20)), sent_on=D(2017, 2, 1))
    remind(world, world.partner, trajectory=referral.trajectory, referral=referral, message="Answer the referral")

    body = signed_in(world.partner).get(reverse("trajectories:referral_inbox")).content.decode()

    assert 'id="reminders-panel-title"' in body and "Answer the referral" in body


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("url", [REMINDERS, reverse("trajectories:caseload")])
def test_the_reminder_list_and_the_caseload_run_the_same_queries_at_two_sizes(world, url):
    client = signed_in(world.coach)
    for number in range(3):
        remind(world, world.coach, message=f"Reminder {number}")
    small = _queries(client, url)

    for number in range(3, 15):
        remind(world, world.coach, message=f"Reminder {number}")
    large = _queries(client, url)

    assert small == large
