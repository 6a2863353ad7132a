"""The trajectories API: who lists and reads which trajectories, with which fields; the actions of the
participant page as POSTs calling the same services (allowed, refused by scope with 404, refused by a rule
with 400 and its code, changing nothing); token authentication and the list's query budget."""

import datetime

import pytest

from casemgmt.models import AccessLog
from tests.conftest import api_error as error
from tests.trajectories.api_clients import api, auditor_at, queries, staff, token_client
from tests.trajectories.factories import row_counts
from trajectories.models import Screening, Trajectory
from trajectories.services import participant_register, trajectory_end, trajectory_open

pytestmark = pytest.mark.django_db

D = datetime.date
URL = "/api/v1/trajectories/"
REACHED_ON = D(2017, 1, 10)

FULL_FIELDS = {
    "id", "audience", "participant", "programme", "phase", "phases", "coach", "referred_by", "outcome",
    "enterprise_number", "self_employed_since", "occupation", "outcome_recorded_on", "ended_on", "may_change",
}
STATUS_FIELDS = {"id", "audience", "participant", "programme", "phase", "phases"}


def detail(trajectory: Trajectory, action: str = "") -> str:
    return f"{URL}{trajectory.pk}/" + (f"{action}/" if action else "")


def opened(programme, *, by, coach=None, referred_by=None, phase: int = 1, last_name: str = "Haddad",
           first_name: str = "Amal", **fields) -> Trajectory:
    participant = participant_register(by=by, first_name=first_name, last_name=last_name, **fields)
    return trajectory_open(participant=participant, programme=programme, by=by, coach=coach,
                           referred_by=referred_by, entered_on=REACHED_ON, phase=phase)


@pytest.fixture
def amal(ovv, orgs, referrer, stebo_coach) -> Trajectory:
    """Referred in by iDrops, coached by Stebo, in phase 3 (detection)."""
    return opened(ovv, by=referrer, coach=stebo_coach, referred_by=orgs["idrops"], phase=3, postcode=9000)


@pytest.fixture
def bilal(ovv, unizo_coach) -> Trajectory:
    return opened(ovv, by=unizo_coach, coach=unizo_coach, first_name="Bilal", last_name="Öztürk", postcode=2000)


def listed(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {row["participant"]["last_name"]: row for row in response.json()["results"]}


def phases(trajectory: Trajectory) -> list[tuple[int, datetime.date]]:
    return list(trajectory.phase_entries.order_by("phase").values_list("phase", "entered_on"))


# Who sees which trajectories, and what


def test_a_coach_lists_their_own_trajectories_in_full(amal, bilal, stebo_coach, orgs):
    rows = listed(api(stebo_coach).get(URL))

    assert list(rows) == ["Haddad"]
    row = rows["Haddad"]
    assert set(row) == FULL_FIELDS and row["audience"] == "full"
    assert row["participant"] == {"id": amal.participant_id, "first_name": "Amal", "last_name": "Haddad"}
    assert (row["programme"], row["phase"], row["may_change"]) == ("OVV", 3, True)
    assert row["phases"] == [{"phase": phase, "entered_on": "2017-01-10"} for phase in (1, 2, 3)]
    assert row["coach"]["id"] == stebo_coach.pk
    assert row["referred_by"] == {"code": "idrops", "name": orgs["idrops"].name}


def test_a_coordinator_lists_every_trajectory_of_their_programme(amal, bilal, coordinator):
    rows = listed(api(coordinator).get(URL))

    assert list(rows) == ["Haddad", "Öztürk"] and all(row["may_change"] for row in rows.values())


def test_a_referrer_sees_only_the_status_of_the_trajectories_their_organisation_referred_in(
        amal, bilal, referrer):
    rows = listed(api(referrer).get(URL))

    assert list(rows) == ["Haddad"]
    assert set(rows["Haddad"]) == STATUS_FIELDS and rows["Haddad"]["audience"] == "status"


def test_a_partner_sees_no_trajectory(amal, microstart):
    client = api(microstart)

    assert listed(client.get(URL)) == {}
    assert client.get(detail(amal)).status_code == 404


def test_an_auditor_reads_every_trajectory_and_may_change_none(amal, bilal, orgs):
    rows = listed(api(auditor_at(orgs["stebo"])).get(URL))

    assert list(rows) == ["Haddad", "Öztürk"] and not any(row["may_change"] for row in rows.values())


def test_reading_a_trajectory_is_logged_and_one_outside_the_scope_answers_404(amal, bilal, stebo_coach):
    client = api(stebo_coach)

    assert client.get(detail(amal)).json()["phase"] == 3
    assert AccessLog.objects.filter(action=AccessLog.Action.VIEW, participant_id=amal.participant_id).exists()
    outside = client.get(detail(bilal))
    assert outside.status_code == 404 and error(outside)["code"] == "not_found"


# Filters


def test_filters_by_status_phase_programme_coach_and_name(ovv, amal, bilal, coordinator, stebo_coach):
    ended = opened(ovv, by=coordinator, first_name="Carla", last_name="Diaz")
    trajectory_end(trajectory=ended, by=coordinator, ended_on=D(2017, 2, 1))
    client = api(coordinator)

    assert list(listed(client.get(URL, {"status": "ended"}))) == ["Diaz"]
    assert list(listed(client.get(URL, {"status": "open", "phase": 1}))) == ["Öztürk"]
    assert list(listed(client.get(URL, {"programme": "OVV", "coach": stebo_coach.pk}))) == ["Haddad"]
    assert list(listed(client.get(URL, {"coach": "none"}))) == ["Diaz"]
    assert list(listed(client.get(URL, {"q": "OZTURK"}))) == ["Öztürk"]
    assert list(listed(client.get(URL, {"province": "antwerpen"}))) == ["Öztürk"]
    assert list(listed(client.get(URL, {"participant": amal.participant_id}))) == ["Haddad"]
    assert list(listed(client.get(URL, {"ordering": "-phase"}))) == ["Haddad", "Öztürk", "Diaz"]


@pytest.mark.parametrize(("params", "field"), [
    ({"status": "closed"}, "status"), ({"phase": "0"}, "phase"), ({"coach": "someone"}, "coach"),
    ({"participant": "x"}, "participant"), ({"participant": "99999999999"}, "participant"),
    ({"ordering": "coach"}, "ordering"),
])
def test_a_wrong_filter_answers_400_naming_the_field(amal, coordinator, params, field):
    response = api(coordinator).get(URL, params)

    assert response.status_code == 400 and field in error(response)["fields"]


def test_a_referrer_cannot_filter_by_the_coach_they_do_not_see(amal, referrer, stebo_coach):
    response = api(referrer).get(URL, {"coach": stebo_coach.pk})

    assert response.status_code == 400 and "coach" in error(response)["fields"]


# The actions


def test_the_coach_advances_their_trajectory(amal, stebo_coach):
    response = api(stebo_coach).post(detail(amal, "advance"), {"phase": 4, "on": "2017-03-01"})

    assert response.status_code == 200, response.content
    assert response.json()["phase"] == 4
    assert phases(amal)[-1] == (4, D(2017, 3, 1))
    assert amal.phase_entries.get(phase=4).recorded_by == stebo_coach


def test_a_refused_advance_answers_400_with_the_rule_and_changes_nothing(amal, stebo_coach):
    before = row_counts()

    response = api(stebo_coach).post(detail(amal, "advance"), {"phase": 2, "on": "2017-03-01"})

    assert response.status_code == 400 and error(response)["code"] == "phase_not_forward"
    assert row_counts() == before


@pytest.mark.parametrize(("body", "field"), [
    ({"phase": 7, "on": "2017-03-01"}, "phase"), ({"phase": 4, "on": "1 March"}, "on"), ({}, "phase"),
])
def test_bad_input_to_an_action_answers_400_on_its_field(amal, stebo_coach, body, field):
    response = api(stebo_coach).post(detail(amal, "advance"), body)

    assert response.status_code == 400 and field in error(response)["fields"]
    assert phases(amal)[-1][0] == 3


@pytest.mark.parametrize("who", ["unizo_coach", "referrer", "microstart", "auditor"])
def test_no_one_else_acts_on_a_trajectory_it_answers_404(amal, orgs, request, who):
    user = auditor_at(orgs["stebo"]) if who == "auditor" else request.getfixturevalue(who)
    client = api(user)
    before = row_counts()

    for action, body in (("advance", {"phase": 4, "on": "2017-03-01"}), ("end", {"ended_on": "2017-03-01"}),
                         ("outcome", {"outcome": "employed", "recorded_on": "2017-03-01"})):
        response = client.post(detail(amal, action), body)
        assert response.status_code == 404, (action, response.content)
    assert row_counts() == before


def test_a_colleague_who_shares_the_caseload_reads_but_does_not_act(ovv, amal, orgs, stebo_coach):
    organisation = orgs["stebo"]
    organisation.coaches_share_caseload = True
    organisation.save()
    colleague = staff("coach.stebo.2", organisation, "coach")
    client = api(colleague)

    assert listed(client.get(URL))["Haddad"]["may_change"] is False
    assert client.post(detail(amal, "advance"), {"phase": 4, "on": "2017-03-01"}).status_code == 404


def test_the_coach_records_a_screening_with_its_notes(amal, stebo_coach):
    response = api(stebo_coach).post(detail(amal, "screening"), {
        "screened_on": "2017-02-01", "residence_permit_ok": True, "language_sufficient": True,
        "financially_feasible": True, "potential": "high", "decision": "guidance", "notes": "Sterk plan",
    })

    assert response.status_code == 201, response.content
    screening = Screening.objects.get(trajectory=amal)
    assert (screening.decision, screening.notes, screening.screened_by) == ("guidance", "Sterk plan", stebo_coach)
    assert response.json()["notes"] == "Sterk plan" and response.json()["screened_by"]["id"] == stebo_coach.pk


def test_a_screening_the_rules_refuse_answers_400_with_its_code(amal, stebo_coach):
    response = api(stebo_coach).post(detail(amal, "screening"), {
        "screened_on": "2017-02-01", "potential": "high", "decision": "guidance",
    })

    assert response.status_code == 400 and error(response)["code"] == "screening_preconditions_unmet"
    assert not Screening.objects.exists()


def test_the_coach_records_the_outcome_and_self_employment_needs_an_enterprise_number(amal, stebo_coach):
    client = api(stebo_coach)

    refused = client.post(detail(amal, "outcome"), {"outcome": "self_employed", "recorded_on": "2017-09-01"})
    done = client.post(detail(amal, "outcome"), {
        "outcome": "self_employed", "enterprise_number": "0403.019.261", "self_employed_since": "2017-08-01",
        "occupation": "main", "recorded_on": "2017-09-01",
    })

    assert refused.status_code == 400 and error(refused)["code"] == "self_employed_needs_enterprise_number"
    assert done.status_code == 200, done.content
    assert (done.json()["outcome"], done.json()["enterprise_number"]) == ("self_employed", "0403019261")


def test_the_coach_ends_the_trajectory_once(amal, stebo_coach):
    client = api(stebo_coach)

    first = client.post(detail(amal, "end"), {"ended_on": "2017-04-01"})
    second = client.post(detail(amal, "end"), {"ended_on": "2017-04-02"})

    assert first.status_code == 200 and first.json()["ended_on"] == "2017-04-01"
    assert second.status_code == 400 and error(second)["code"] == "trajectory_ended"
    amal.refresh_from_db()
    assert amal.ended_on == D(2017, 4, 1)


def test_a_coordinator_gives_the_trajectory_to_another_coach_of_the_programme(amal, coordinator, unizo_coach):
    client = api(coordinator)

    wrong = client.post(detail(amal, "assign-coach"), {"coach": coordinator.pk})
    done = client.post(detail(amal, "assign-coach"), {"coach": unizo_coach.pk})

    assert wrong.status_code == 400 and "coach" in error(wrong)["fields"]
    assert done.status_code == 200 and done.json()["coach"]["id"] == unizo_coach.pk
    amal.refresh_from_db()
    assert amal.coach == unizo_coach


def test_only_a_coordinator_assigns_a_coach_to_anyone_else_the_action_does_not_exist(
        amal, stebo_coach, unizo_coach):
    response = api(stebo_coach).post(detail(amal, "assign-coach"), {"coach": unizo_coach.pk})

    assert response.status_code == 404
    amal.refresh_from_db()
    assert amal.coach == stebo_coach


def test_an_action_with_a_token(amal, stebo_coach):
    response = token_client(stebo_coach).post(detail(amal, "advance"), {"phase": 4, "on": "2017-03-01"},
                                              format="json")

    assert response.status_code == 200 and response.json()["phase"] == 4


# Query budget: the same queries at two sizes


def _fill(programme, *, coach, referrer, orgs, count: int, start: int) -> None:
    for number in range(start, start + count):
        opened(programme, by=referrer, coach=coach if number % 3 else None, referred_by=orgs["idrops"],
               last_name=f"Number{number:03d}", phase=1 + number % 4, postcode=(2000, 9000, None)[number % 3])


@pytest.mark.parametrize("who", ["stebo_coach", "coordinator", "referrer", "auditor"])
@pytest.mark.parametrize("params", [{}, {"status": "open", "phase": 2, "ordering": "-phase,name"}])
def test_the_list_runs_the_same_queries_at_two_sizes(ovv, orgs, stebo_coach, referrer, request, who, params):
    user = auditor_at(orgs["stebo"]) if who == "auditor" else request.getfixturevalue(who)
    client = api(user)
    _fill(ovv, coach=stebo_coach, referrer=referrer, orgs=orgs, count=6, start=0)
    small = queries(client, URL, params)

    _fill(ovv, coach=stebo_coach, referrer=referrer, orgs=orgs, count=18, start=6)
    large = queries(client, URL, params)

    assert small == large
    assert large <= 10

