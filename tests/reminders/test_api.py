"""Reminders through the API: one's own reminders (open ones unless another status is asked for, by rule
and programme), never anyone else's; dismissing one through the service, refused for someone else's
(404) or one no longer open (400); and the same queries for a page of the list at two sizes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from reminders.models import Reminder, Rule
from tests.conftest import api_error as error
from tests.reminders.factories import ReminderFactory
from tests.reminders.world import D, scan
from tests.trajectories.api_clients import api

pytestmark = pytest.mark.django_db
LIST = "/api/v1/reminders/"
DUE_ON = D(2017, 3, 1)



def remind(world, recipient, *, rule=Rule.NO_CONTACT, due_on=DUE_ON, message="Call back",
           programme=None) -> Reminder:
    trajectory = world.trajectory(entered_on=D(2017, 1, 10), programme=programme)
    return ReminderFactory(recipient=recipient, programme=trajectory.programme, trajectory=trajectory,
                           rule=rule, object_id=str(trajectory.pk), due_on=due_on, message=message)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]



def test_the_list_is_my_open_reminders_newest_due_first_and_no_one_elses(world):
    older = remind(world, world.coach, due_on=D(2017, 2, 1))
    newer = remind(world, world.coach, due_on=D(2017, 4, 1))
    remind(world, world.coordinator, message="Not for the coach")
    dismissed = remind(world, world.coach, due_on=D(2017, 5, 1))
    api(world.coach).post(f"{LIST}{dismissed.pk}/dismiss/")

    response = api(world.coach).get(LIST)

    assert ids(response) == [newer.pk, older.pk]
    row = response.json()["results"][0]
    assert row == {
        "id": newer.pk, "rule": "no_contact", "programme": "OVV", "due_on": "2017-04-01",
        "counted_from": "2017-01-10", "message": "Call back", "status": "open", "created_at": row["created_at"],
        "closed_at": None, "closed_reason": "", "trajectory": newer.trajectory_id, "referral": None,
        "session": None, "period": None,
    }


def test_other_statuses_rules_and_programmes_on_request(world, other_programme):
    open_one = remind(world, world.coach, rule=Rule.PHASE_STALE)
    elsewhere = remind(world, world.coach, programme=other_programme)
    dismissed = remind(world, world.coach, due_on=D(2017, 5, 1))
    client = api(world.coach)
    client.post(f"{LIST}{dismissed.pk}/dismiss/")

    assert ids(client.get(LIST, {"status": "dismissed"})) == [dismissed.pk]
    assert set(ids(client.get(LIST, {"status": "all"}))) == {open_one.pk, elsewhere.pk, dismissed.pk}
    assert ids(client.get(LIST, {"rule": "phase_stale"})) == [open_one.pk]
    assert ids(client.get(LIST, {"programme": "lba"})) == [elsewhere.pk]
    assert ids(client.get(LIST, {"ordering": "due_on", "status": "all"}))[0] in {open_one.pk, elsewhere.pk}


@pytest.mark.parametrize("query", [{"status": "forgotten"}, {"rule": "nope"}])
def test_a_bad_filter_is_a_400_in_the_error_shape(world, query):
    response = api(world.coach).get(LIST, query)

    assert response.status_code == 400
    assert error(response)["code"] == "invalid" and set(query) <= set(error(response)["fields"])


def test_a_partners_referral_reminder_from_the_scan_points_at_the_referral_not_the_trajectory(world):
    referral = world.referral(world.guided(entered_on=D(2017, 1, 10), guidance_on=D(2017, 1, 20)),
                              sent_on=D(2017, 2, 1))
    scan(D(2017, 2, 7), Rule.REFERRAL_UNANSWERED)

    rows = api(world.partner).get(LIST).json()["results"]

    assert [(row["rule"], row["referral"], row["trajectory"]) for row in rows] == [
        ("referral_unanswered", referral.pk, None)]


def test_a_coordinator_signed_in_without_the_second_factor_is_refused_in_the_error_shape(world):
    remind(world, world.coordinator)

    refused = api(world.coordinator, second_factor=False).get(LIST)
    allowed = api(world.coordinator).get(LIST)

    assert refused.status_code == 403 and error(refused)["code"] == "second_factor_required"
    assert allowed.status_code == 200 and len(allowed.json()["results"]) == 1


def test_signed_out_is_refused(world):
    response = APIClient().get(LIST)

    assert response.status_code in (401, 403)
    assert error(response)["code"] == "not_authenticated"


# Dismissing


def test_dismissing_puts_my_reminder_aside_through_the_service(world):
    reminder = remind(world, world.coach)

    response = api(world.coach).post(f"{LIST}{reminder.pk}/dismiss/")

    assert response.status_code == 200
    assert response.json()["status"] == "dismissed" and response.json()["closed_at"]
    reminder.refresh_from_db()
    assert (reminder.status, reminder.closed_by) == (Reminder.Status.DISMISSED, world.coach)
    assert ids(api(world.coach).get(LIST)) == []


def test_someone_elses_reminder_is_a_404_and_stays_open(world):
    reminder = remind(world, world.coordinator)

    for client in (api(world.coach), api(world.partner)):
        response = client.post(f"{LIST}{reminder.pk}/dismiss/")
        assert response.status_code == 404 and error(response)["code"] == "not_found"
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.OPEN


def test_a_reminder_no_longer_open_is_refused_with_the_rule(world):
    reminder = remind(world, world.coach)
    client = api(world.coach)
    client.post(f"{LIST}{reminder.pk}/dismiss/")

    response = client.post(f"{LIST}{reminder.pk}/dismiss/")

    assert response.status_code == 400
    assert error(response)["code"] == "reminder_not_open"
    assert "dismissed" in error(response)["message"]


def test_dismiss_takes_a_post_only_and_a_malformed_id_is_a_404(world):
    reminder = remind(world, world.coach)
    client = api(world.coach)

    assert client.get(f"{LIST}{reminder.pk}/dismiss/").status_code == 405
    for malformed in ("x", "1.5", str(2**70)):
        response = client.post(f"{LIST}{malformed}/dismiss/")
        assert response.status_code == 404 and error(response)["code"] == "not_found"
    assert client.get(f"{LIST}{reminder.pk}/").status_code in (404, 405)


# A fixed number of queries


def list_queries(client, query=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST, query or {})
    assert response.status_code == 200
    return len(captured)


def test_the_list_runs_the_same_queries_for_three_times_the_reminders(world, other_programme):
    def add(count):
        start = Reminder.objects.count()
        for number in range(start, start + count):
            remind(world, world.coach, rule=Rule.PHASE_STALE, due_on=D(2017, 3, 1 + number % 28),
                   programme=other_programme if number % 2 else None)
            ReminderFactory(recipient=world.coach, programme=world.ovv, rule=Rule.PERIOD_END, trajectory=None,
                            period=world.ovv.reporting_periods.get(number=1), object_type="casemgmt.reportingperiod",
                            object_id=f"p{number}")

    add(3)
    client = api(world.coach)
    few = list_queries(client), list_queries(client, {"status": "all", "rule": "period_end"})

    add(6)
    many = list_queries(client), list_queries(client, {"status": "all", "rule": "period_end"})

    assert client.get(LIST).json()["count"] == 18
    assert few == many
    assert max(many) <= 8
    periods = {row["period"] for row in client.get(LIST, {"rule": "period_end"}).json()["results"]}
    assert periods == {1}
