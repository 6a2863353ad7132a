"""The reports through the API beside the funnel: financing, money, ESF and double funding. Exact counts for
a coordinator of the programme and small counts hidden for everyone else who may read them; the double-
funding report for coordinators, auditors and admins only; 404 outside the user's reach; every call logged;
the export throttle; and the same queries at two sizes.

The world (tests/reports/small_world) is built once for the module with a population whose figures the
tests state (see `_world_of_module`)."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from casemgmt.models import AccessLog
from tests.conftest import api_error as error
from tests.conftest import otp_login, rolled_back
from tests.reports.conftest import seeded_ovv
from tests.reports.small_world import D, World, build_world, enrol, fill, known_funnel
from trajectories.services import trajectory_end

pytestmark = pytest.mark.django_db

KINDS = ("funnel", "financing", "money", "esf", "double_funding")
SUPPRESSED = ("coach", "partner", "referrer", "auditor", "admin")  # who reads the counts suppressed
AS_OF = {"as_of": "2018-10-31"}


@pytest.fixture(scope="module")
def _world_of_module(django_db_setup, django_db_blocker):
    """10 people in phases 1-2 (known_funnel); 8 more with everything the reports look at (fill: 2 of them
    finished guidance in period 1 and started as self-employed, half the records incomplete, all also
    in LBA); 6 more who finished guidance in period 2 without a start. All entered on 2017-01-10."""
    with rolled_back(django_db_blocker):
        world = build_world(seeded_ovv())
        known_funnel(world)
        fill(world, 8)
        for number in range(6):
            trajectory = enrol(world.ovv, world.coach, last_name=f"Period2_{number}", postcode=9000, phase=4)
            trajectory_end(trajectory=trajectory, by=world.coach, ended_on=D(2018, 1, 15))
        yield world, len(world.trajectories)



@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def client_for(world: World, role: str | None) -> APIClient:
    client = APIClient(headers={"Accept-Language": "en"})
    if role in ("coordinator", "other_coordinator", "auditor", "admin"):
        otp_login(client, world.users[role])
    elif role is not None:
        client.force_login(world.users[role])
    return client


def url(kind: str, code: str = "OVV") -> str:
    return reverse(f"api_programme_{kind}", kwargs={"code": code})



def logged(kind: str, action=AccessLog.Action.REPORT) -> int:
    return AccessLog.objects.filter(action=action, object_type=f"reports.{kind}").count()


# Output financing


def test_a_coordinator_gets_the_exact_financing(world):
    response = client_for(world, "coordinator").get(url("financing"), AS_OF)

    assert response.status_code == 200
    data = response.json()
    first, second, third = data["periods"]
    assert (first["finished"], first["started"], first["rate"]) == (2, 2, "100.00")
    assert (second["finished"], second["started"], second["rate"]) == (6, 0, "0.00")
    assert (third["finished"], third["started"], third["rate"]) == (0, 0, None)
    total = data["programme_total"]
    assert (total["finished"], total["started"], total["rate"]) == (8, 2, "25.00")
    assert total["amount"] == "1499998.00"  # 25% outflow is above the 20% target: the whole output part
    assert data["suppressed_below"] is None
    assert not any("suppressed" in line for line in [*data["periods"], total])


@pytest.mark.parametrize("role", SUPPRESSED)
def test_everyone_else_gets_the_financing_with_small_counts_and_what_reveals_them_hidden(world, role):
    response = client_for(world, role).get(url("financing"), AS_OF)

    assert response.status_code == 200
    data = response.json()
    first, second, third = data["periods"]
    total = data["programme_total"]
    assert data["suppressed_below"] == settings.REPORT_SUPPRESSION_THRESHOLD
    # Period 1: 2 finished, 2 started: hidden, and the rate and the money computed from it.
    assert first["finished"] is first["started"] is first["rate"] is first["factor"] is None
    assert first["output_part"] is first["amount"] is None
    assert first["input_part"] is not None and first["budget"] is not None
    # Period 2's 6 finished would give period 1's 2 away through the total of 8: hidden too.
    assert second["finished"] is None and second["rate"] is None
    assert second["started"] == 0
    assert third["finished"] == 0 and "suppressed" not in third
    # The programme: 8 finished shown; 2 started hidden, and so the rate (8 × 25% = 2).
    assert total["finished"] == 8
    assert total["started"] is total["rate"] is total["amount"] is None
    assert set(first["suppressed"]) >= {"finished", "started", "rate", "factor", "output_part", "amount"}
    # The same shape as the coordinator's.
    exact = client_for(world, "coordinator").get(url("financing"), AS_OF).json()
    assert set(exact) == set(data)
    assert set(exact["programme_total"]) == set(total) - {"suppressed"}


# Money


@pytest.mark.parametrize("role", ["coordinator", *SUPPRESSED])
def test_money_counts_no_people_and_reads_the_same_for_everyone_who_may(world, role):
    response = client_for(world, role).get(url("money"), {"as_of": "2017-01-01"})

    assert response.status_code == 200
    data = response.json()
    assert data["total_eligible_cost"] == "1499998.00"
    assert data["amount_total"] == "1499998.00"
    assert data["payments"]["received"] == "314999.75"
    stebo = next(partner for partner in data["partners"] if partner["organisation"] == "stebo")
    assert stebo["stated_share"] == "22.04"


# ESF indicators


def test_a_coordinator_gets_the_exact_esf_indicators_and_the_records_to_complete(world):
    response = client_for(world, "coordinator").get(url("esf"), {"period": 1})

    assert response.status_code == 200
    data = response.json()
    assert (data["period"], data["starts_on"], data["ends_on"]) == (1, "2016-11-01", "2017-10-31")
    assert (data["entered"], data["complete"], data["incomplete"]) == (24, 20, 4)
    assert len(data["incomplete_records"]) == 4
    assert all(record["missing"] for record in data["incomplete_records"])
    assert data["incomplete_records_truncated"] is False
    assert data["suppressed_below"] is None


@pytest.mark.parametrize("role", SUPPRESSED)
def test_everyone_else_gets_the_esf_indicators_suppressed_and_no_records(world, role):
    data = client_for(world, role).get(url("esf"), {"period": 1}).json()

    assert data["incomplete"] is None and data["entered"] is None
    assert data["incomplete_records"] == []
    assert data["suppressed_below"] == settings.REPORT_SUPPRESSION_THRESHOLD


def test_the_esf_span_is_a_period_or_from_and_to_and_by_default_the_period_running(world):
    client = client_for(world, "coordinator")

    span = client.get(url("esf"), {"from": "2017-01-01", "to": "2017-01-31"}).json()
    later = client.get(url("esf"), {"from": "2017-02-01", "to": "2017-12-31"}).json()
    default = client.get(url("esf")).json()

    assert (span["period"], span["starts_on"], span["entered"]) == (None, "2017-01-01", 24)
    assert later["entered"] == 0
    # Today is after the programme: the last period begun.
    assert (default["period"], default["starts_on"]) == (3, "2018-05-01")


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"from": "2017-01-01"}, "non_field_errors", "Give both from and to (YYYY-MM-DD)."),
    ({"from": "2017-02-01", "to": "2017-01-01"}, "to",
     "The span ends before it starts: give a date on or after from."),
    ({"period": 1, "from": "2017-01-01", "to": "2017-02-01"}, "non_field_errors",
     "Give either period, or from and to, not both."),
    ({"period": 7}, "period", "OVV has no reporting period 7."),
    ({"from": "1-1-2017", "to": "2017-02-01"}, "from", "Give the date as YYYY-MM-DD, e.g. 2017-10-31."),
])
def test_a_bad_esf_span_is_a_400_with_the_message_and_nothing_logged(world, query, field, message):
    response = client_for(world, "coordinator").get(url("esf"), query)

    assert response.status_code == 400
    assert error(response)["code"] == "invalid"
    assert error(response)["fields"][field] == [message]
    assert logged("esf") == 0


@pytest.mark.parametrize("kind", ["financing", "money"])
def test_a_bad_report_date_is_a_400(world, kind):
    response = client_for(world, "coordinator").get(url(kind), {"as_of": "31-10-2018"})

    assert response.status_code == 400
    assert error(response)["fields"]["as_of"] == ["Give the date as YYYY-MM-DD, e.g. 2017-10-31."]


# Double funding


@pytest.mark.parametrize("role", ["coordinator", "auditor", "admin"])
def test_the_double_funding_report_points_at_records_for_coordinators_auditors_and_admins(world, role):
    response = client_for(world, role).get(url("double_funding"))

    assert response.status_code == 200
    data = response.json()
    assert data["counts"] == {name: len(data[name]) for name in (
        "overlapping_enrolments", "cross_programme_attendances", "same_day_sessions", "overcommitted_staff")}
    assert data["counts"]["overlapping_enrolments"] == 8
    assert data["counts"]["cross_programme_attendances"] == 8
    people = {row["participant_id"] for row in data["overlapping_enrolments"]}
    assert people == {trajectory.participant_id for trajectory in world.trajectories}
    assert data["truncated"] == []


@pytest.mark.parametrize("role", ["coach", "partner", "referrer", "other_coordinator"])
def test_no_one_else_gets_the_double_funding_report(world, role):
    response = client_for(world, role).get(url("double_funding"))

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"
    assert logged("double_funding", AccessLog.Action.DENIED) == 1
    assert logged("double_funding") == 0


# Reach, logging, throttling


@pytest.mark.parametrize("kind", KINDS)
def test_a_programme_outside_reach_is_a_404_and_logged_as_denied(world, kind):
    client = client_for(world, "other_coordinator")

    unknown = client_for(world, "coordinator").get(url(kind, "NOPE"))
    not_theirs = client.get(url(kind))

    for response in (unknown, not_theirs):
        assert response.status_code == 404 and error(response)["code"] == "not_found"
    assert logged(kind, AccessLog.Action.DENIED) == 2
    assert client.get(url(kind, "LBA")).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_a_code_that_is_no_programme_code_is_a_404_in_the_error_shape(world, kind):
    # A NUL byte would reach PostgreSQL (which refuses such text) if the address took any string.
    response = client_for(world, "coordinator").get(url(kind).replace("/OVV/", "/O%00V/"))

    assert response.status_code == 404 and error(response)["code"] == "not_found"


@pytest.mark.parametrize("kind", KINDS)
def test_every_report_given_is_logged_once_with_who_and_which_programme(world, kind):
    client_for(world, "coordinator").get(url(kind))
    client_for(world, "auditor").get(url(kind, "ovv"))

    logs = AccessLog.objects.filter(action=AccessLog.Action.REPORT, object_type=f"reports.{kind}")
    assert sorted(log.username for log in logs) == ["auditor", "coordinator.stebo"]
    assert {log.object_id for log in logs} == {str(world.ovv.pk)}


@pytest.mark.parametrize("kind", KINDS)
def test_signed_out_callers_are_refused(world, kind):
    response = client_for(world, None).get(url(kind))

    assert response.status_code in (401, 403)
    assert error(response)["code"] == "not_authenticated"


def test_reports_are_throttled_per_user_after_the_export_rate(world):
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["export"].split("/")[0])
    client = client_for(world, "coordinator")
    for number in range(rate):
        kind = ("money", "funnel")[number % 2]
        assert client.get(url(kind), AS_OF).status_code == 200

    responses = [client.get(url(kind)) for kind in KINDS]

    for response in responses:
        assert response.status_code == 429
        assert error(response)["code"] == "throttled"
        assert error(response)["retry_after_seconds"] > 0
        assert response["Retry-After"]
    assert logged("money") + logged("funnel") == rate
    assert client_for(world, "auditor").get(url("money")).status_code == 200


# Queries


@pytest.mark.parametrize("kind", KINDS)
def test_each_report_runs_the_same_queries_for_more_people(world, kind):
    client = client_for(world, "coordinator")
    query = {"period": 1} if kind == "esf" else ({} if kind == "double_funding" else AS_OF)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(kind), query).status_code == 200
        return len(captured)

    before = queries()
    fill(world, 8, start=100)
    after = queries()

    assert before == after
    assert after <= 16
