"""The funnel through the API: the JSON contract, exact counts for a coordinator and suppressed ones for
anyone else who may read it, 404 outside the user's reach, clear 400s, and every call logged."""

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from casemgmt.models import AccessLog
from tests.conftest import otp_login, rolled_back
from tests.reports.conftest import seeded_ovv
from tests.reports.small_world import AS_OF, World, build_world, known_funnel

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _world_of_module(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        world = build_world(seeded_ovv())
        known_funnel(world)
        yield world, len(world.trajectories)



def client_for(world: World, role: str | None) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    if role in ("coordinator", "other_coordinator", "auditor", "admin"):
        otp_login(client, world.users[role])  # a session signed in with the second factor
    elif role is not None:
        client.force_login(world.users[role])
    return client


def funnel_url(code: str = "OVV") -> str:
    return reverse("api_programme_funnel", kwargs={"code": code})


def row_of(data: dict, province: str) -> dict:
    return next(row for row in data["rows"] if row["province"] == province)


def report_calls() -> int:
    return AccessLog.objects.filter(action=AccessLog.Action.REPORT, object_type="reports.funnel").count()


def test_a_coordinator_gets_the_exact_funnel_in_the_contract_shape(world):
    response = client_for(world, "coordinator").get(funnel_url(), {"as_of": AS_OF.isoformat()})

    assert response.status_code == 200
    data = response.json()
    assert data["programme"] == "OVV" and data["as_of"] == "2017-10-31"
    limburg = row_of(data, "Limburg")
    assert limburg["nis_code"] == "70000"
    assert limburg["phases"]["1"]["count"] == 3
    assert limburg["phases"]["1"]["target"] == 184
    assert "suppressed" not in limburg["phases"]["1"]
    assert row_of(data, "Antwerpen")["phases"]["2"]["count"] == 7
    assert data["total"]["phases"]["1"]["count"] == 10
    assert data["total"]["phases"]["3"]["target"] == 600
    assert any("601" in warning for warning in data["warnings"])
    assert data["suppressed_below"] is None


def test_a_coach_of_a_partner_organisation_gets_the_same_shape_with_small_counts_hidden(world):
    response = client_for(world, "coach").get(funnel_url(), {"as_of": AS_OF.isoformat()})

    assert response.status_code == 200
    data = response.json()
    limburg = row_of(data, "Limburg")["phases"]["1"]
    assert limburg["count"] is None and limburg["suppressed"] is True
    assert limburg["target"] == 184
    # The second cell: Antwerpen's 7 would reveal Limburg's 3 through the total.
    antwerpen = row_of(data, "Antwerpen")["phases"]
    assert antwerpen["1"]["count"] is None and antwerpen["1"]["suppressed"] is True
    assert antwerpen["2"]["count"] == 7
    assert data["total"]["phases"]["1"]["count"] == 10
    assert data["suppressed_below"] == 5
    exact = client_for(world, "coordinator").get(funnel_url(), {"as_of": AS_OF.isoformat()}).json()
    assert data.keys() == exact.keys()
    assert [row["province"] for row in data["rows"]] == [row["province"] for row in exact["rows"]]


@pytest.mark.parametrize("role", ["auditor", "admin", "partner", "referrer"])
def test_everyone_else_who_may_read_it_gets_suppressed_counts(world, role):
    data = client_for(world, role).get(funnel_url(), {"as_of": AS_OF.isoformat()}).json()

    assert row_of(data, "Limburg")["phases"]["1"] == {
        "count": None, "target": 184, "percent_of_target": None, "conversion": None, "suppressed": True}


def test_an_unknown_programme_is_a_404(world):
    response = client_for(world, "coordinator").get(funnel_url("NOPE"), {"as_of": AS_OF.isoformat()})

    assert response.status_code == 404
    assert AccessLog.objects.filter(action=AccessLog.Action.DENIED, object_id="NOPE").count() == 1


def test_a_coordinator_of_another_programme_gets_a_404(world):
    client = client_for(world, "other_coordinator")

    assert client.get(funnel_url(), {"as_of": AS_OF.isoformat()}).status_code == 404
    assert client.get(funnel_url("LBA"), {"as_of": AS_OF.isoformat()}).status_code == 200


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"as_of": "2017-13-01"}, "as_of", "Give the date as YYYY-MM-DD, e.g. 2017-10-31."),
    ({"as_of": "31-10-2017"}, "as_of", "Give the date as YYYY-MM-DD, e.g. 2017-10-31."),
    ({"period": 9}, "period", "OVV has no reporting period 9."),
    ({"as_of": "2017-10-31", "period": 1}, "non_field_errors", "Give either as_of or period, not both."),
])
def test_bad_input_is_a_400_with_the_message(world, query, field, message):
    response = client_for(world, "coordinator").get(funnel_url(), query)

    assert response.status_code == 400
    body = response.json()
    # Per field, whether in the API's one error shape ({"error": {"fields": ...}}) or DRF's own.
    fields = body["error"]["fields"] if "error" in body else body
    assert fields[field] == [message]
    assert report_calls() == 0


def test_a_reporting_period_works(world):
    response = client_for(world, "coordinator").get(funnel_url(), {"period": 1})

    assert response.status_code == 200
    data = response.json()
    assert (data["period"], data["since"], data["as_of"]) == (1, "2016-11-01", "2017-10-31")
    assert data["total"]["phases"]["1"]["count"] == 10


def test_a_signed_out_caller_is_refused(world):
    response = client_for(world, None).get(funnel_url(), {"as_of": AS_OF.isoformat()})

    assert response.status_code in (401, 403)
    assert "rows" not in response.content.decode()


def test_every_call_is_logged_once(world):
    client = client_for(world, "coordinator")

    client.get(funnel_url(), {"as_of": AS_OF.isoformat()})
    client.get(funnel_url(), {"period": 1})

    logs = AccessLog.objects.filter(action=AccessLog.Action.REPORT, object_type="reports.funnel")
    assert logs.count() == 2
    assert {log.user for log in logs} == {world.users["coordinator"]}
    assert {log.object_id for log in logs} == {str(world.ovv.pk)}


def test_the_api_gives_a_coordinator_the_same_json_as_the_command_with_exact_counts(world):
    client = Client(headers={"Accept-Language": "nl"})
    otp_login(client, world.users["coordinator"])
    out = io.StringIO()

    api = client.get(funnel_url(), {"as_of": AS_OF.isoformat()}).json()
    call_command("report", "funnel", "--programme", "OVV", "--as-of", "2017-10-31", "--format", "json",
                 "--exact", "--language", "nl", stdout=out)

    assert api == json.loads(out.getvalue())
