"""The caseload page: whose trajectories it lists, its search, filters, sorting and pages, and that it
runs the same number of queries whatever the number of rows."""

import datetime
import html

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casemgmt.audit import save_as
from casemgmt.models import Programme
from partners.models import Organisation, ProgrammeRole, StaffMember
from tests.conftest import otp_login
from tests.factories import ProgrammeFactory, UserFactory
from trajectories.models import Trajectory
from trajectories.services import (
    participant_register,
    session_log_individual,
    trajectory_advance,
    trajectory_end,
    trajectory_open,
)

D = datetime.date
REACHED_ON = D(2017, 1, 10)
CASELOAD = reverse("trajectories:caseload")
pytestmark = pytest.mark.django_db


def _staff(username: str, organisation: Organisation, role: str):
    user = UserFactory(username=username)
    save_as(StaffMember(user=user, organisation=organisation, role=role), None)
    return user


@pytest.fixture
def stebo_coach(orgs):
    return _staff("coach.stebo", orgs["stebo"], StaffMember.Role.COACH)


@pytest.fixture
def unizo_coach(orgs):
    return _staff("coach.unizo", orgs["unizo"], StaffMember.Role.COACH)


@pytest.fixture
def coordinator(orgs):
    return _staff("coordinator.stebo", orgs["stebo"], StaffMember.Role.COORDINATOR)


@pytest.fixture
def referrer(orgs):
    return _staff("referrer.idrops", orgs["idrops"], StaffMember.Role.REFERRER)


def enrol(programme: Programme, coach, *, first_name: str = "Amal", last_name: str = "Haddad",
          postcode: int | None = 2000, phase: int = 1, referred_by: Organisation | None = None,
          entered_on: datetime.date = REACHED_ON) -> Trajectory:
    """A person registered and enrolled through the services, as the registration page does."""
    participant = participant_register(by=coach, first_name=first_name, last_name=last_name,
                                       postcode=postcode, birth_year=1990)
    return trajectory_open(participant=participant, programme=programme, by=coach, coach=coach,
                           referred_by=referred_by, entered_on=entered_on, phase=phase)


def signed_in(user, *, two_factor: bool = False) -> Client:
    client = Client(headers={"Accept-Language": "en"})  # the assertions read the English texts
    if two_factor:
        otp_login(client, user)
    else:
        client.force_login(user)
    return client


def names(response) -> list[str]:
    return [str(row.participant) for row in response.context["rows"]]


def test_a_coach_sees_their_own_open_trajectories_and_no_one_elses(ovv, stebo_coach, unizo_coach):
    # given
    mine = enrol(ovv, stebo_coach, first_name="Amal", last_name="Haddad")
    ended = enrol(ovv, stebo_coach, first_name="Omar", last_name="Saleh")
    trajectory_end(trajectory=ended, by=stebo_coach, ended_on=D(2017, 2, 1))
    enrol(ovv, unizo_coach, first_name="Yonas", last_name="Tesfaye")

    # when
    response = signed_in(stebo_coach).get(CASELOAD)

    # then
    assert response.status_code == 200
    assert names(response) == ["Amal Haddad"]
    body = response.content.decode()
    assert "Tesfaye" not in body and "Saleh" not in body
    assert reverse("trajectories:participant_detail", args=[mine.participant_id]) in body


def test_a_signed_out_visitor_is_sent_to_sign_in():
    response = Client().get(CASELOAD)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_coach_of_an_organisation_that_shares_its_caseload_sees_colleagues_people_read_only(
        ovv, orgs, unizo_coach):
    unizo = orgs["unizo"]
    unizo.coaches_share_caseload = True
    save_as(unizo, None)
    colleague = _staff("coach.unizo.2", orgs["unizo"], StaffMember.Role.COACH)
    enrol(ovv, unizo_coach, first_name="Yonas", last_name="Tesfaye")
    enrol(ovv, colleague, first_name="Hiwet", last_name="Berhe")

    response = signed_in(unizo_coach).get(CASELOAD)

    assert sorted(names(response)) == ["Hiwet Berhe", "Yonas Tesfaye"]
    assert response.content.decode().count('<span class="badge">read only</span>') == 1  # the colleague's
    assert response.context["with_coaches"]


def test_search_by_name_ignores_accents_case_and_word_order(ovv, stebo_coach):
    enrol(ovv, stebo_coach, first_name="Zeïnab", last_name="Al-Hàssan")
    enrol(ovv, stebo_coach, first_name="Amal", last_name="Haddad")
    client = signed_in(stebo_coach)

    for query in ("zeinab", "HASSAN", "hassan zeïnab", "al-has"):
        response = client.get(CASELOAD, {"q": query})
        assert names(response) == ["Zeïnab Al-Hàssan"], query
    assert names(client.get(CASELOAD, {"q": "nobody"})) == []


def test_filter_by_phase(ovv, stebo_coach):
    enrol(ovv, stebo_coach, first_name="Amal", last_name="Haddad", phase=1)
    enrol(ovv, stebo_coach, first_name="Omar", last_name="Saleh", phase=3)

    response = signed_in(stebo_coach).get(CASELOAD, {"phase": 3})

    assert names(response) == ["Omar Saleh"]
    assert "3 · detection" in response.content.decode()


def test_filter_by_province_of_the_postcode_today(ovv, stebo_coach):
    enrol(ovv, stebo_coach, first_name="Amal", last_name="Haddad", postcode=2000)
    enrol(ovv, stebo_coach, first_name="Omar", last_name="Saleh", postcode=9000)
    # 2070 moved from Antwerpen to Oost-Vlaanderen on 2025-01-01: the caseload places people as of today.
    enrol(ovv, stebo_coach, first_name="Rania", last_name="Issa", postcode=2070)
    client = signed_in(stebo_coach)

    east = client.get(CASELOAD, {"province": "oost-vlaanderen"})
    antwerp = client.get(CASELOAD, {"province": "antwerpen"})

    assert sorted(names(east)) == ["Omar Saleh", "Rania Issa"]
    assert names(antwerp) == ["Amal Haddad"]
    assert "Oost-Vlaanderen" in east.content.decode()


def test_filter_by_programme_offers_only_programmes_the_user_can_see(ovv, orgs, stebo_coach):
    lba = ProgrammeFactory(code="LBA", name="Lokaal Bestuur Aan de slag")
    save_as(ProgrammeRole(programme=lba, organisation=orgs["stebo"], role=ProgrammeRole.Role.COACHING), None)
    hidden = ProgrammeFactory(code="HIDDEN", name="A programme without any of the coach's people")
    enrol(ovv, stebo_coach, first_name="Amal", last_name="Haddad")
    enrol(lba, stebo_coach, first_name="Omar", last_name="Saleh")
    client = signed_in(stebo_coach)

    response = client.get(CASELOAD, {"programme": lba.pk})
    refused = client.get(CASELOAD, {"programme": hidden.pk})

    assert names(response) == ["Omar Saleh"]
    offered = dict(response.context["form"].fields["programme"].choices)
    assert set(offered) == {"", ovv.pk, lba.pk}
    # A programme the user cannot see is reported on the filter and filters nothing.
    assert refused.context["form"].errors["programme"]
    assert sorted(names(refused)) == ["Amal Haddad", "Omar Saleh"]


def test_status_filter_shows_ended_or_all_trajectories(ovv, stebo_coach):
    enrol(ovv, stebo_coach, first_name="Amal", last_name="Haddad")
    ended = enrol(ovv, stebo_coach, first_name="Omar", last_name="Saleh")
    trajectory_end(trajectory=ended, by=stebo_coach, ended_on=D(2017, 2, 1))
    client = signed_in(stebo_coach)

    assert names(client.get(CASELOAD)) == ["Amal Haddad"]
    assert names(client.get(CASELOAD, {"status": "ended"})) == ["Omar Saleh"]
    assert names(client.get(CASELOAD, {"status": "all", "sort": "name"})) == ["Amal Haddad", "Omar Saleh"]


def test_days_since_last_contact_counts_from_the_latest_session_attended(ovv, stebo_coach):
    seen = enrol(ovv, stebo_coach, first_name="Amal", last_name="Haddad")
    enrol(ovv, stebo_coach, first_name="Omar", last_name="Saleh")
    session_log_individual(trajectory=seen, by=stebo_coach, held_on=D(2017, 2, 1), duration_minutes=30)
    session_log_individual(trajectory=seen, by=stebo_coach, held_on=D(2017, 3, 1), duration_minutes=30)

    response = signed_in(stebo_coach).get(CASELOAD)

    rows = {str(row.participant): row for row in response.context["rows"]}
    assert rows["Amal Haddad"].days_since_contact == (timezone.localdate() - D(2017, 3, 1)).days
    assert rows["Omar Saleh"].days_since_contact is None
    assert "never" in response.content.decode()


def test_sort_by_each_column_both_ways(ovv, stebo_coach):
    a = enrol(ovv, stebo_coach, first_name="Amal", last_name="Haddad", phase=2, postcode=9000)
    b = enrol(ovv, stebo_coach, first_name="Omar", last_name="Saleh", phase=4, postcode=None)
    c = enrol(ovv, stebo_coach, first_name="Rania", last_name="Issa", phase=1, postcode=2000)
    session_log_individual(trajectory=a, by=stebo_coach, held_on=D(2017, 3, 1), duration_minutes=30)
    session_log_individual(trajectory=c, by=stebo_coach, held_on=D(2017, 5, 1), duration_minutes=30)
    del b
    client = signed_in(stebo_coach)

    def order(sort: str) -> list[str]:
        return [name.split()[1] for name in names(client.get(CASELOAD, {"sort": sort}))]

    assert order("name") == ["Haddad", "Issa", "Saleh"]
    assert order("-name") == ["Saleh", "Issa", "Haddad"]
    assert order("phase") == ["Issa", "Haddad", "Saleh"]
    assert order("-phase") == ["Saleh", "Haddad", "Issa"]
    # The most recent contact first; never contacted is the longest ago.
    assert order("contact") == ["Issa", "Haddad", "Saleh"]
    assert order("-contact") == ["Saleh", "Haddad", "Issa"]
    # Without a postcode the province is unknown and sorts last either way.
    assert order("province") == ["Issa", "Haddad", "Saleh"]
    assert order("-province") == ["Haddad", "Issa", "Saleh"]


def test_the_sorted_column_header_says_so_and_its_link_reverses_the_order(ovv, stebo_coach):
    enrol(ovv, stebo_coach)

    body = signed_in(stebo_coach).get(CASELOAD, {"sort": "phase", "q": "amal"}).content.decode()

    assert 'aria-sort="ascending"' in body
    assert html.escape("?sort=-phase&q=amal") in body or html.escape("?q=amal&sort=-phase") in body


def test_pages_of_25(ovv, stebo_coach):
    for number in range(27):
        enrol(ovv, stebo_coach, first_name="Person", last_name=f"Number{number:02d}")
    client = signed_in(stebo_coach)

    first = client.get(CASELOAD)
    second = client.get(CASELOAD, {"page": 2})

    assert len(first.context["rows"]) == 25
    assert names(second) == ["Person Number25", "Person Number26"]
    assert "Next page" in first.content.decode() and "Previous page" in second.content.decode()


def test_an_invalid_filter_value_is_reported_and_ignored(ovv, stebo_coach):
    enrol(ovv, stebo_coach)

    response = signed_in(stebo_coach).get(CASELOAD, {"phase": "9", "sort": "password"})

    assert response.status_code == 200
    assert response.context["form"].errors["phase"]
    assert names(response) == ["Amal Haddad"]


def test_an_htmx_request_gets_the_table_alone(ovv, stebo_coach):
    enrol(ovv, stebo_coach)

    client = signed_in(stebo_coach)

    response = client.get(CASELOAD, {"q": "amal", "sort": "-phase"}, headers={"HX-Request": "true"})
    page = client.get(CASELOAD, {"q": "amal", "sort": "-phase"})

    body = response.content.decode()
    assert "Amal Haddad" in body
    assert "<html" not in body and "<form" not in body
    assert "HX-Request" in response["Vary"]
    # The filter form stays on the page: the table brings its sort field along, so the next filter
    # keeps the order the user chose.
    assert '<input type="hidden" name="sort" value="-phase" id="id_sort" hx-swap-oob="true">' in body
    assert page.content.decode().count('id="id_sort"') == 1


def test_a_referrer_sees_the_status_of_the_people_their_organisation_referred_in(
        ovv, orgs, stebo_coach, referrer):
    referred = enrol(ovv, stebo_coach, first_name="Amal", last_name="Haddad", referred_by=orgs["idrops"])
    enrol(ovv, stebo_coach, first_name="Omar", last_name="Saleh", referred_by=orgs["vluchtelingenwerk"])

    response = signed_in(referrer).get(CASELOAD)

    body = response.content.decode()
    assert names(response) == ["Amal Haddad"]
    assert "Days since last contact" not in body
    # No link to the person's file, which a referrer may not open.
    assert reverse("trajectories:participant_detail", args=[referred.participant_id]) not in body


def test_a_coordinator_sees_every_trajectory_of_their_programmes_with_its_coach(
        ovv, orgs, stebo_coach, unizo_coach, coordinator):
    enrol(ovv, stebo_coach, first_name="Amal", last_name="Haddad")
    enrol(ovv, unizo_coach, first_name="Yonas", last_name="Tesfaye")
    lba = ProgrammeFactory(code="LBA")
    save_as(ProgrammeRole(programme=lba, organisation=orgs["unizo"], role=ProgrammeRole.Role.COACHING), None)
    enrol(lba, unizo_coach, first_name="Omar", last_name="Saleh")

    response = signed_in(coordinator, two_factor=True).get(CASELOAD)

    assert names(response) == ["Amal Haddad", "Yonas Tesfaye"]
    body = response.content.decode()
    assert html.escape(str(unizo_coach)) in body and html.escape(str(stebo_coach)) in body


def test_a_coordinator_filters_by_coach_or_finds_trajectories_without_one(
        ovv, orgs, stebo_coach, unizo_coach, coordinator):
    enrol(ovv, stebo_coach, first_name="Amal", last_name="Haddad")
    enrol(ovv, unizo_coach, first_name="Yonas", last_name="Tesfaye")
    participant = participant_register(by=coordinator, first_name="Rania", last_name="Issa")
    trajectory_open(participant=participant, programme=ovv, by=coordinator, entered_on=REACHED_ON)
    client = signed_in(coordinator, two_factor=True)

    assert names(client.get(CASELOAD, {"coach": unizo_coach.pk})) == ["Yonas Tesfaye"]
    assert names(client.get(CASELOAD, {"coach": "none"})) == ["Rania Issa"]


def test_a_partner_specialist_has_no_caseload_and_is_sent_to_the_referral_inbox(ovv, orgs, stebo_coach):
    enrol(ovv, stebo_coach)
    partner = _staff("partner.microstart", orgs["microstart"], StaffMember.Role.PARTNER_SPECIALIST)

    response = signed_in(partner).get(CASELOAD, follow=True)

    assert response.redirect_chain == [(reverse("trajectories:referral_inbox"), 302)]
    assert response.status_code == 200
    assert "Amal" not in response.content.decode()


# Query counts: the same page at two sizes runs the same queries.


def _fill(programme: Programme, coach, count: int, *, start: int = 0) -> None:
    """`count` trajectories with phases, individual contacts and postcodes in the coach's caseload
    (without a coach: opened by a coordinator, no contact yet)."""
    by = coach or StaffMember.objects.filter(role=StaffMember.Role.COORDINATOR).first().user
    for number in range(start, start + count):
        participant = participant_register(by=by, first_name="Person", last_name=f"Number{number:03d}",
                                           postcode=(2000, 9000, 3500, None)[number % 4])
        trajectory = trajectory_open(participant=participant, programme=programme, by=by, coach=coach,
                                     entered_on=REACHED_ON, phase=1 + number % 4)
        if coach is not None:
            session_log_individual(trajectory=trajectory, by=coach, held_on=D(2017, 6, 1),
                                   duration_minutes=30)


def _queries(client: Client, params: dict) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(CASELOAD, params)
    assert response.status_code == 200
    return len(context.captured_queries)


# Sizes chosen so that the larger one shows more rows on the page asked for (at most 25 a page): a
# query per row would make the counts differ. The page-2 case shows 1 row of 26 against 25 of 78.
@pytest.mark.parametrize(("params", "n"), [
    ({}, 8),
    ({"sort": "-contact", "page": 2}, 26),
    ({"q": "person", "phase": 2, "province": "oost-vlaanderen", "status": "all"}, 8),
])
def test_the_caseload_of_a_coach_runs_the_same_queries_at_two_sizes(ovv, stebo_coach, params, n):
    client = signed_in(stebo_coach)
    _fill(ovv, stebo_coach, n)
    small = _queries(client, params)

    _fill(ovv, stebo_coach, 2 * n, start=n)
    large = _queries(client, params)

    assert small == large
    # Session, user, role and organisation, programmes, regions, the rows with their count; the
    # reminders' count in the navigation and the reminders panel.
    assert large <= 9


@pytest.mark.parametrize("params", [{}, {"coach": "none", "sort": "province"}])
def test_the_caseload_of_a_coordinator_runs_the_same_queries_at_two_sizes(
        ovv, stebo_coach, unizo_coach, coordinator, params):
    client = signed_in(coordinator, two_factor=True)
    _fill(ovv, stebo_coach, 4)
    _fill(ovv, unizo_coach, 3, start=4)
    _fill(ovv, None, 1, start=7)
    small = _queries(client, params)

    _fill(ovv, stebo_coach, 8, start=8)
    extra = _staff("coach.stebo.2", Organisation.objects.get(code="stebo"), StaffMember.Role.COACH)
    _fill(ovv, extra, 6, start=16)
    _fill(ovv, None, 2, start=22)
    large = _queries(client, params)

    assert small == large
    # As for a coach, and the second factor's device and the coaches of the coach filter.
    assert large <= 16


@pytest.mark.parametrize(("language", "texts"), [
    ("nl", ["sinds 1-2-2017", "afgesloten 1-4-2017", "dagen", "(1-3-2017)", "nooit"]),
    ("en", ["since 02/01/2017", "ended 04/01/2017", "days", "(03/01/2017)", "never"]),
])
def test_a_row_says_its_dates_and_days_in_the_users_language(ovv, stebo_coach, language, texts):
    seen = enrol(ovv, stebo_coach, first_name="Amal", last_name="Haddad")
    trajectory_advance(trajectory=seen, phase=2, on=D(2017, 2, 1), by=stebo_coach)
    session_log_individual(trajectory=seen, by=stebo_coach, held_on=D(2017, 3, 1), duration_minutes=30)
    trajectory_end(trajectory=seen, by=stebo_coach, ended_on=D(2017, 4, 1))
    enrol(ovv, stebo_coach, first_name="Omar", last_name="Saleh")

    body = html.unescape(signed_in(stebo_coach).get(CASELOAD, {"status": "all"},
                                                    HTTP_ACCEPT_LANGUAGE=language).content.decode())

    days = (timezone.localdate() - D(2017, 3, 1)).days
    assert f"{days} {texts[2]}" in body
    for text in texts[:2] + texts[3:]:
        assert text in body


def test_trajectory_advance_shows_the_date_of_the_highest_phase(ovv, stebo_coach):
    trajectory = enrol(ovv, stebo_coach)
    trajectory_advance(trajectory=trajectory, phase=3, on=D(2017, 4, 3), by=stebo_coach)

    row = signed_in(stebo_coach).get(CASELOAD).context["rows"][0]

    assert (row.phase, row.phase_entered_on) == (3, D(2017, 4, 3))
