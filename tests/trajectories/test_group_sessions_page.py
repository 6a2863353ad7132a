"""The group-session pages: planning an info or theme session, recording attendance for many people at
once (phase 1 moves into phase 2 on the session's date), who may see them, and their query budgets."""

import datetime
import html

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners.models import Organisation, StaffMember
from tests.conftest import otp_login
from tests.factories import ParticipantFactory, ProgrammeFactory, StaffMemberFactory, UserFactory
from tests.trajectories.factories import row_counts
from trajectories.models import Attendance, Session, Trajectory
from trajectories.services import (
    session_log_individual,
    session_plan_group,
    session_record_attendance,
    trajectory_open,
)

D = datetime.date
REACHED_ON = D(2017, 1, 10)
HELD_ON = D(2017, 2, 1)


def staff(username: str, organisation: Organisation, role: str):
    return StaffMemberFactory(user=UserFactory(username=username), organisation=organisation, role=role).user


def web(user=None, *, second_factor: bool = False) -> Client:
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        if second_factor:
            otp_login(client, user)
        else:
            client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def enrol(programme, coach, *, last_name: str, phase: int = 1, on: datetime.date = REACHED_ON) -> Trajectory:
    participant = ParticipantFactory(first_name="Person", last_name=last_name)
    return trajectory_open(participant=participant, programme=programme, by=coach, coach=coach,
                           entered_on=on, phase=phase)


def phases(trajectory: Trajectory) -> list[tuple[int, datetime.date]]:
    return list(trajectory.phase_entries.order_by("phase").values_list("phase", "entered_on"))


def detail_url(session: Session) -> str:
    return reverse("trajectories:group_session_detail", args=[session.pk])


@pytest.fixture
def info_session(ovv, stebo_coach) -> Session:
    return session_plan_group(programme=ovv, by=stebo_coach, kind="info", held_on=HELD_ON, duration_minutes=120,
                              title="Infosessie Antwerpen", location="Antwerpen")


# Planning


def test_coach_plans_an_info_session_in_a_programme_their_organisation_coaches(ovv, stebo_coach):
    client = web(stebo_coach)
    form = text(client.get(reverse("trajectories:group_session_new")))
    assert f'<option value="{ovv.pk}">' in form

    response = client.post(reverse("trajectories:group_session_new"), {
        "programme": ovv.pk, "kind": "info", "held_on": "2017-02-01", "duration_minutes": 120,
        "title": "Infosessie Antwerpen", "location": "Antwerpen"})

    session = Session.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(session)
    assert (session.programme, session.kind, session.held_on, session.title, session.location, session.coach) == (
        ovv, "info", HELD_ON, "Infosessie Antwerpen", "Antwerpen", stebo_coach)


def test_planning_outside_the_programme_is_refused_with_the_rule(ovv, stebo_coach):
    response = web(stebo_coach).post(reverse("trajectories:group_session_new"), {
        "programme": ovv.pk, "kind": "theme", "held_on": "2019-03-01", "duration_minutes": 90, "title": "Boekhouding"})

    assert response.status_code == 400
    assert "A session of OVV lies within the programme (2016-11-01 to 2018-10-31)." in text(response)
    assert not Session.objects.exists()


def test_a_coach_cannot_plan_in_a_programme_their_organisation_does_not_coach_in(ovv, stebo_coach):
    other = ProgrammeFactory(code="LBA")

    response = web(stebo_coach).post(reverse("trajectories:group_session_new"), {
        "programme": other.pk, "kind": "info", "held_on": "2017-02-01", "duration_minutes": 90, "title": "Info"})

    assert response.status_code == 400
    assert f'<option value="{other.pk}"' not in text(response)
    assert not Session.objects.exists()


# The list


def test_the_list_shows_the_group_sessions_the_coach_may_see_newest_first_with_how_many_came(
    ovv, stebo_coach, unizo_coach, info_session
):
    later = session_plan_group(programme=ovv, by=stebo_coach, kind="theme", held_on=D(2017, 3, 1),
                               duration_minutes=90, title="Boekhouding")
    theirs = session_plan_group(programme=ovv, by=unizo_coach, kind="info", held_on=D(2017, 3, 2),
                                duration_minutes=90, title="Infosessie Gent")
    people = [enrol(ovv, stebo_coach, last_name=f"Name{n}") for n in range(2)]
    session_record_attendance(session=info_session, by=stebo_coach, attended=[t.pk for t in people])
    session_log_individual(trajectory=people[0], by=stebo_coach, held_on=D(2017, 2, 2), duration_minutes=30,
                           title="Intake")

    response = web(stebo_coach).get(reverse("trajectories:group_sessions"))

    body = text(response)
    assert response.status_code == 200
    assert body.index("Boekhouding") < body.index("Infosessie Antwerpen")
    assert [s.pk for s in response.context["page"].object_list] == [later.pk, info_session.pk]
    assert [s.attending for s in response.context["page"].object_list] == [0, 2]
    assert theirs.title not in body and "Intake" not in body


# Attendance


def test_recording_attendance_moves_phase_1_into_phase_2_on_the_session_date(ovv, stebo_coach, info_session):
    reached = enrol(ovv, stebo_coach, last_name="Eerste", phase=1)
    informed = enrol(ovv, stebo_coach, last_name="Tweede", phase=2)
    screened = enrol(ovv, stebo_coach, last_name="Derde", phase=3)
    everyone = [reached.pk, informed.pk, screened.pk]
    client = web(stebo_coach)
    form = text(client.get(detail_url(info_session)))
    for trajectory in (reached, informed, screened):
        assert f'id="attended-{trajectory.pk}"' in form and f'<label class="inline" for="attended-{trajectory.pk}">' in form

    response = client.post(detail_url(info_session), {"attended": everyone, "shown": everyone})

    assert response.status_code == 302
    assert phases(reached) == [(1, REACHED_ON), (2, HELD_ON)]
    assert phases(informed) == [(1, REACHED_ON), (2, REACHED_ON)]
    assert phases(screened) == [(1, REACHED_ON), (2, REACHED_ON), (3, REACHED_ON)]
    assert set(Attendance.objects.filter(session=info_session, attended=True).values_list(
        "trajectory_id", flat=True)) == set(everyone)
    page = text(client.get(response["Location"]))
    assert "3 participants recorded as attending; 1 moved to phase 2 (information)." in page
    assert page.count(" checked>") == 3


def test_recording_again_with_one_unchecked_records_them_as_absent(ovv, stebo_coach, info_session):
    people = [enrol(ovv, stebo_coach, last_name=f"Name{n}") for n in range(3)]
    ids = [t.pk for t in people]
    session_record_attendance(session=info_session, by=stebo_coach, attended=ids)

    response = web(stebo_coach).post(detail_url(info_session), {"attended": ids[:2], "shown": ids})

    assert response.status_code == 302
    assert dict(Attendance.objects.filter(session=info_session).values_list("trajectory_id", "attended")) == {
        ids[0]: True, ids[1]: True, ids[2]: False}


def test_a_search_narrows_the_list_and_leaves_the_others_as_they_were(ovv, stebo_coach, info_session):
    amal = enrol(ovv, stebo_coach, last_name="Haddad")
    other = enrol(ovv, stebo_coach, last_name="Karimi")
    session_record_attendance(session=info_session, by=stebo_coach, attended=[other.pk])
    client = web(stebo_coach)

    page = text(client.get(detail_url(info_session), {"q": "hàddad"}))
    response = client.post(f"{detail_url(info_session)}?q=haddad", {"attended": [amal.pk], "shown": [amal.pk]})

    assert f'id="attended-{amal.pk}"' in page and f'id="attended-{other.pk}"' not in page
    assert response.status_code == 302 and response["Location"] == f"{detail_url(info_session)}?q=haddad"
    assert dict(Attendance.objects.filter(session=info_session).values_list("trajectory_id", "attended")) == {
        amal.pk: True, other.pk: True}


def test_attendance_of_someone_reached_after_the_session_is_refused_with_the_rule(
    ovv, stebo_coach, info_session
):
    on_time = enrol(ovv, stebo_coach, last_name="Optijd")
    late = enrol(ovv, stebo_coach, last_name="Later", on=D(2017, 3, 1))
    before = row_counts()

    response = web(stebo_coach).post(detail_url(info_session), {
        "attended": [on_time.pk, late.pk], "shown": [on_time.pk, late.pk]})

    assert response.status_code == 400
    body = text(response)
    assert "Person Later's trajectory runs from 2017-03-01 to today; a session on 2017-02-01 lies outside it." in body
    assert 'role="alert"' in body
    assert row_counts() == before


def test_attendance_of_someone_outside_the_coachs_caseload_is_refused(
    ovv, stebo_coach, unizo_coach, info_session
):
    theirs = enrol(ovv, unizo_coach, last_name="Anders")
    page = text(web(stebo_coach).get(detail_url(info_session)))

    response = web(stebo_coach).post(detail_url(info_session), {"attended": [theirs.pk], "shown": [theirs.pk]})

    assert "Anders" not in page
    assert response.status_code == 400
    assert not Attendance.objects.exists()


def test_coordinator_records_attendance_across_the_programme(ovv, coordinator, stebo_coach, unizo_coach,
                                                             info_session):
    mine, theirs = enrol(ovv, stebo_coach, last_name="Een"), enrol(ovv, unizo_coach, last_name="Twee")

    response = web(coordinator, second_factor=True).post(detail_url(info_session), {
        "attended": [mine.pk, theirs.pk], "shown": [mine.pk, theirs.pk]})

    assert response.status_code == 302
    assert Attendance.objects.filter(session=info_session, attended=True).count() == 2


# Who may open these pages


@pytest.mark.parametrize(("username", "organisation", "role"), [
    ("partner.microstart", "microstart", StaffMember.Role.PARTNER_SPECIALIST),
    ("referrer.idrops", "idrops", StaffMember.Role.REFERRER),
])
def test_only_coaches_and_coordinators_open_the_group_session_pages(orgs, info_session, username, organisation,
                                                                    role):
    client = web(staff(username, orgs[organisation], role))

    for url in (reverse("trajectories:group_sessions"), reverse("trajectories:group_session_new"),
                detail_url(info_session)):
        assert client.get(url).status_code == 404, url
    assert client.post(detail_url(info_session), {"attended": [], "shown": []}).status_code == 404


def test_another_coach_gets_404_on_a_session_they_cannot_see(unizo_coach, info_session):
    assert web(unizo_coach).get(detail_url(info_session)).status_code == 404


def test_an_individual_contact_has_no_group_session_page(ovv, stebo_coach):
    trajectory = enrol(ovv, stebo_coach, last_name="Alleen")
    contact = session_log_individual(trajectory=trajectory, by=stebo_coach, held_on=HELD_ON, duration_minutes=30)

    assert web(stebo_coach).get(detail_url(contact)).status_code == 404


# Queries


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_list_runs_the_same_number_of_queries_for_5_or_30_sessions(ovv, stebo_coach):
    client = web(stebo_coach)
    people = [enrol(ovv, stebo_coach, last_name=f"Name{n}") for n in range(3)]
    client.get(reverse("trajectories:group_sessions"))

    def plan(count: int) -> None:
        for number in range(count):
            session = session_plan_group(programme=ovv, by=stebo_coach, kind="info",
                                         held_on=HELD_ON + datetime.timedelta(days=number % 200),
                                         duration_minutes=60, title=f"Info {number}")
            session_record_attendance(session=session, by=stebo_coach, attended=[t.pk for t in people])

    plan(5)
    small = _count(client, reverse("trajectories:group_sessions"))
    plan(25)
    large = _count(client, reverse("trajectories:group_sessions"))

    assert small == large, f"{small} queries for 5 sessions, {large} for 30"
    assert large <= 10


@pytest.mark.parametrize("role", ["coach", "coordinator"])
def test_the_attendance_page_runs_the_same_number_of_queries_for_5_or_30_participants(
    ovv, stebo_coach, coordinator, info_session, role
):
    client = web(stebo_coach) if role == "coach" else web(coordinator, second_factor=True)
    client.get(detail_url(info_session))

    def enrol_many(count: int, start: int) -> None:
        people = [enrol(ovv, stebo_coach, last_name=f"Name{start + n}", phase=1 + n % 3) for n in range(count)]
        session_record_attendance(session=info_session, by=stebo_coach, attended=[t.pk for t in people[::2]])

    enrol_many(5, 0)
    small = _count(client, detail_url(info_session))
    enrol_many(25, 5)
    large = _count(client, detail_url(info_session))

    assert small == large, f"{role}: {small} queries for 5 participants, {large} for 30"
    assert large <= 10
    assert text(client.get(detail_url(info_session))).count('name="attended"') == 30


def test_the_planning_page_runs_the_same_number_of_queries_for_1_or_4_programmes(ovv, orgs, stebo_coach):
    from casemgmt.audit import save_as
    from partners.models import ProgrammeRole

    client = web(stebo_coach)
    url = reverse("trajectories:group_session_new")
    client.get(url)
    small = _count(client, url)
    for code in ("P2", "P3", "P4"):
        programme = ProgrammeFactory(code=code)
        save_as(ProgrammeRole(programme=programme, organisation=orgs["stebo"], role="coaching"), None)
    large = _count(client, url)

    assert small == large, f"{small} queries with 1 programme, {large} with 4"
    assert all(code in client.get(url).content.decode() for code in ("P2", "P3", "P4"))
