"""The sessions API: who lists which sessions (the coaching notes only for the people who coach), logging an
individual contact, planning a group session and recording who came (the same services as the pages; who
may, and what a refusal answers), the filters and the list's query budget."""

import datetime

import pytest

from casemgmt.models import AccessLog
from tests.conftest import api_error as error
from tests.factories import ProgrammeFactory
from tests.trajectories.api_clients import api, auditor_at, queries, token_client
from tests.trajectories.factories import row_counts, running_programme, today
from trajectories.models import Session, Trajectory
from trajectories.services import (
    participant_register,
    session_log_individual,
    session_plan_group,
    session_record_attendance,
    trajectory_open,
)

pytestmark = pytest.mark.django_db

D = datetime.date
URL = "/api/v1/sessions/"
REACHED_ON = D(2017, 1, 10)
NOTES = "Vertrouwelijk: gezinssituatie"
SESSION_FIELDS = {"id", "programme", "kind", "title", "held_on", "duration_minutes", "location", "coach",
                  "attending", "attendances"}


def opened(programme, *, by, coach=None, last_name: str = "Haddad", entered_on=REACHED_ON) -> Trajectory:
    participant = participant_register(by=by, first_name="Person", last_name=last_name)
    return trajectory_open(participant=participant, programme=programme, by=by, coach=coach,
                           entered_on=entered_on)


@pytest.fixture
def amal(ovv, stebo_coach) -> Trajectory:
    return opened(ovv, by=stebo_coach, coach=stebo_coach)


@pytest.fixture
def bilal(ovv, unizo_coach) -> Trajectory:
    return opened(ovv, by=unizo_coach, coach=unizo_coach, last_name="Öztürk")


@pytest.fixture
def contact(amal, stebo_coach) -> Session:
    return session_log_individual(trajectory=amal, by=stebo_coach, held_on=D(2017, 2, 1), duration_minutes=45,
                                  title="Intake", notes=NOTES)


@pytest.fixture
def info(ovv, stebo_coach) -> Session:
    return session_plan_group(programme=ovv, by=stebo_coach, kind=Session.Kind.INFO, held_on=D(2017, 2, 15),
                              duration_minutes=120, title="Ondernemen in België", location="Gent")


def listed(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {row["title"]: row for row in response.json()["results"]}


def detail(session: Session, action: str = "") -> str:
    return f"{URL}{session.pk}/" + (f"{action}/" if action else "")


# Who sees which sessions, and the notes


def test_a_coach_lists_their_sessions_with_the_notes(contact, info, bilal, unizo_coach, stebo_coach):
    session_log_individual(trajectory=bilal, by=unizo_coach, held_on=D(2017, 2, 1), duration_minutes=30,
                           title="UNIZO intake", notes="Not for Stebo")

    rows = listed(api(stebo_coach).get(URL))

    assert list(rows) == ["Ondernemen in België", "Intake"]
    assert set(rows["Intake"]) == SESSION_FIELDS | {"notes"} and rows["Intake"]["notes"] == NOTES
    assert rows["Intake"]["attendances"] == [{
        "trajectory": contact.attendances.get().trajectory_id, "attended": True,
        "participant": {"id": contact.attendances.get().trajectory.participant_id, "first_name": "Person",
                        "last_name": "Haddad"},
    }]
    assert (rows["Intake"]["attending"], rows["Intake"]["programme"], rows["Intake"]["kind"]) == (1, "OVV",
                                                                                               "individual")


def test_a_coordinator_reads_the_notes_of_every_session_of_their_programme(contact, info, coordinator):
    rows = listed(api(coordinator).get(URL))

    assert set(rows) == {"Intake", "Ondernemen in België"} and rows["Intake"]["notes"] == NOTES


def test_an_auditor_reads_the_sessions_without_the_notes(contact, orgs):
    response = api(auditor_at(orgs["stebo"])).get(URL)

    assert set(listed(response)["Intake"]) == SESSION_FIELDS
    assert NOTES not in response.content.decode()


@pytest.mark.parametrize("who", ["referrer", "microstart"])
def test_referrers_and_partners_see_no_session(contact, info, request, who):
    client = api(request.getfixturevalue(who))

    assert listed(client.get(URL)) == {}
    assert client.get(detail(contact)).status_code == 404


def test_reading_an_individual_contact_is_logged_as_reading_the_persons_record(contact, amal, stebo_coach):
    response = api(stebo_coach).get(detail(contact))

    assert response.status_code == 200 and response.json()["notes"] == NOTES
    assert AccessLog.objects.filter(action=AccessLog.Action.VIEW, participant_id=amal.participant_id,
                                    object_type="trajectories.Session").count() == 1


def test_filters_by_kind_date_programme_and_trajectory(contact, info, amal, coordinator):
    client = api(coordinator)

    assert list(listed(client.get(URL, {"kind": "info"}))) == ["Ondernemen in België"]
    assert list(listed(client.get(URL, {"held_from": "2017-02-10", "programme": "OVV"}))) == [
        "Ondernemen in België"]
    assert list(listed(client.get(URL, {"trajectory": amal.pk}))) == ["Intake"]
    assert list(listed(client.get(URL, {"ordering": "held_on"}))) == ["Intake", "Ondernemen in België"]


@pytest.mark.parametrize(("params", "field"), [
    ({"kind": "party"}, "kind"), ({"held_from": "yesterday"}, "held_from"), ({"trajectory": "-1"}, "trajectory"),
    ({"ordering": "title"}, "ordering"),
])
def test_a_wrong_filter_answers_400_naming_the_field(contact, coordinator, params, field):
    response = api(coordinator).get(URL, params)

    assert response.status_code == 400 and field in error(response)["fields"]


# Logging an individual contact


def test_the_coach_logs_a_contact_with_their_participant(amal, stebo_coach):
    response = api(stebo_coach).post(f"{URL}individual/", {
        "trajectory": amal.pk, "held_on": "2017-03-01", "duration_minutes": 60, "title": "Businessplan",
        "notes": NOTES,
    })

    assert response.status_code == 201, response.content
    session = Session.objects.get(pk=response.json()["id"])
    assert (session.kind, session.coach, session.notes, session.programme) == (
        "individual", stebo_coach, NOTES, amal.programme)
    assert session.attendances.get().trajectory == amal
    assert response.json()["notes"] == NOTES


def test_a_contact_with_someone_elses_participant_is_refused_as_if_they_did_not_exist(amal, bilal, stebo_coach):
    before = row_counts()

    response = api(stebo_coach).post(f"{URL}individual/", {
        "trajectory": bilal.pk, "held_on": "2017-03-01", "duration_minutes": 60})

    assert response.status_code == 400 and "trajectory" in error(response)["fields"]
    assert row_counts() == before


def test_a_contact_the_rules_refuse_answers_400_with_its_code(amal, stebo_coach):
    before = row_counts()

    response = api(stebo_coach).post(f"{URL}individual/", {
        "trajectory": amal.pk, "held_on": "2016-12-01", "duration_minutes": 60})

    assert response.status_code == 400 and error(response)["code"] == "session_outside_trajectory"
    assert row_counts() == before


@pytest.mark.parametrize("who", ["referrer", "microstart", "auditor"])
def test_only_coaches_and_coordinators_log_and_plan_sessions(ovv, amal, orgs, request, who):
    user = auditor_at(orgs["stebo"]) if who == "auditor" else request.getfixturevalue(who)
    client = api(user)

    individual = client.post(f"{URL}individual/", {"trajectory": amal.pk, "held_on": "2017-03-01",
                                                   "duration_minutes": 60})
    group = client.post(f"{URL}group/", {"programme": "OVV", "kind": "info", "held_on": "2017-03-01",
                                         "duration_minutes": 60, "title": "Info"})

    assert individual.status_code == 403 and error(individual)["code"] == "permission_denied"
    assert group.status_code == 403
    assert not Session.objects.exists()


# Group sessions and their attendance


def test_the_coach_plans_a_group_session_in_a_programme_their_organisation_coaches_in(ovv, stebo_coach):
    response = api(stebo_coach).post(f"{URL}group/", {
        "programme": "OVV", "kind": "theme", "held_on": "2017-04-01", "duration_minutes": 90,
        "title": "Boekhouding", "location": "Antwerpen"})

    assert response.status_code == 201, response.content
    session = Session.objects.get(pk=response.json()["id"])
    assert (session.kind, session.title, session.coach) == ("theme", "Boekhouding", stebo_coach)


@pytest.mark.parametrize(("fields", "field", "code"), [
    ({"kind": "individual"}, "kind", "invalid"),
    ({"programme": "ELSEWHERE"}, "programme", "invalid"),
    ({"duration_minutes": 2}, "duration_minutes", "invalid"),
    ({"held_on": "2030-01-01"}, None, "session_outside_programme"),
])
def test_a_group_session_refused_answers_400(ovv, stebo_coach, fields, field, code):
    ProgrammeFactory(code="ELSEWHERE")

    response = api(stebo_coach).post(f"{URL}group/", {
        "programme": "OVV", "kind": "info", "held_on": "2017-04-01", "duration_minutes": 90, "title": "Info",
        **fields})

    assert response.status_code == 400
    body = error(response)
    assert body["code"] == code and (field is None or field in body["fields"])
    assert not Session.objects.exists()


def test_coming_to_a_group_session_moves_a_phase_1_participant_into_phase_2(info, amal, stebo_coach):
    response = api(stebo_coach).post(detail(info, "attendance"), {"attended": [amal.pk]})

    assert response.status_code == 200, response.content
    assert response.json()["attending"] == 1
    assert list(amal.phase_entries.values_list("phase", "entered_on")) == [
        (1, REACHED_ON), (2, D(2017, 2, 15))]


def test_attendance_is_recorded_only_for_trajectories_the_user_may_change(info, amal, bilal, stebo_coach):
    before = row_counts()

    response = api(stebo_coach).post(detail(info, "attendance"), {"attended": [amal.pk, bilal.pk]})

    assert response.status_code == 400 and "attended" in error(response)["fields"]
    assert str(bilal.pk) in error(response)["fields"]["attended"][0]
    assert row_counts() == before


def test_a_trajectory_is_attended_or_absent_not_both(info, amal, stebo_coach):
    response = api(stebo_coach).post(detail(info, "attendance"), {"attended": [amal.pk], "absent": [amal.pk]})

    assert response.status_code == 400 and "absent" in error(response)["fields"]


def test_attendance_of_a_session_still_to_come_is_refused_by_the_rule(ovv, stebo_coach):
    programme = running_programme(code="NOW")
    programme.organisation_roles.create(organisation=stebo_coach.staff.organisation, role="coaching")
    trajectory = opened(programme, by=stebo_coach, coach=stebo_coach, entered_on=programme.starts_on)
    later = session_plan_group(programme=programme, by=stebo_coach, kind=Session.Kind.INFO,
                               held_on=today() + datetime.timedelta(days=7), duration_minutes=60, title="Later")

    response = api(stebo_coach).post(detail(later, "attendance"), {"attended": [trajectory.pk]})

    assert response.status_code == 400 and error(response)["code"] == "attendance_future"


def test_attendance_is_for_group_sessions_and_the_people_who_run_them(contact, info, amal, referrer, orgs):
    coach = contact.coach

    assert api(coach).post(detail(contact, "attendance"), {"attended": [amal.pk]}).status_code == 404
    assert api(referrer).post(detail(info, "attendance"), {"attended": [amal.pk]}).status_code == 404
    assert api(auditor_at(orgs["stebo"])).post(detail(info, "attendance"),
                                               {"attended": [amal.pk]}).status_code == 404


def test_attendance_with_a_token(info, amal, stebo_coach):
    response = token_client(stebo_coach).post(detail(info, "attendance"), {"attended": [amal.pk]}, format="json")

    assert response.status_code == 200


# Query budget: the same queries at two sizes


def _fill(programme, *, coach, count: int, start: int) -> None:
    """`count` people with a contact each, and a group session every other person that they all came to."""
    trajectories = []
    for number in range(start, start + count):
        trajectory = opened(programme, by=coach, coach=coach, last_name=f"Number{number:03d}")
        session_log_individual(trajectory=trajectory, by=coach, held_on=D(2017, 2, 1), duration_minutes=30,
                               notes=f"Notes {number}")
        trajectories.append(trajectory)
        if number % 2:
            group = session_plan_group(programme=programme, by=coach, kind=Session.Kind.THEME,
                                       held_on=D(2017, 3, 1), duration_minutes=60, title=f"Theme {number}")
            session_record_attendance(session=group, by=coach, attended=[t.pk for t in trajectories])


@pytest.mark.parametrize("who", ["stebo_coach", "coordinator", "auditor"])
@pytest.mark.parametrize("params", [{}, {"kind": "theme", "ordering": "held_on"}])
def test_the_list_runs_the_same_queries_at_two_sizes(ovv, orgs, stebo_coach, request, who, params):
    user = auditor_at(orgs["stebo"]) if who == "auditor" else request.getfixturevalue(who)
    client = api(user)
    _fill(ovv, coach=stebo_coach, count=4, start=0)
    small = queries(client, URL, params)

    _fill(ovv, coach=stebo_coach, count=12, start=4)
    large = queries(client, URL, params)

    assert small == large
    assert large <= 10
