"""The participant list builds its rows without DRF's per-field machinery (RowsListSerializer): each
audience's rows must be, byte for byte, what the declared fields give for one record, for every kind of
person the list can hold. The page's total, read with its rows (casemgmt.api.pagination.Pages), and the filters, skipped
when none is asked for (UnlessAskedFilterBackend), must answer as the usual paginator and backend do,
404s and 400s included."""

import datetime

import pytest
from django.http import QueryDict
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from casemgmt.api.pagination import PageSizes
from partners.models import StaffMember
from tests.conftest import api_error as error
from tests.trajectories.api_clients import api, auditor_at, queries, staff
from tests.trajectories.test_api_participants import URL, person, refer_to_microstart
from trajectories.api.audiences import FULL, PARTNER, STATUS, participant_audience
from trajectories.api.filters import ParticipantFilter
from trajectories.api.participants import ParticipantViewSet, participants_for_api, with_page_details
from trajectories.api.serializers import PARTICIPANT_SERIALIZERS
from trajectories.api.serializers.participants import RowsListSerializer
from trajectories.models import Participant, PhaseEntry
from trajectories.services import participant_erase, trajectory_advance, trajectory_end, trajectory_open

pytestmark = pytest.mark.django_db

D = datetime.date


def bis_number(day_month_year: str = "300785", serial: str = "033") -> str:
    """A valid BIS number (the month plus 20) of someone born in the 1900s."""
    day, month, year = day_month_year[:2], int(day_month_year[2:4]) + 20, day_month_year[4:]
    base = f"{year}{month:02d}{day}{serial}"
    return f"{base}{97 - int(base) % 97:02d}"


@pytest.fixture
def people(ovv, orgs, stebo_coach, referrer) -> list[Participant]:
    """Everyone the list may hold, each referred in by iDrops and coached by Stebo: a full file with the
    national register number and two trajectories (one ended), the bare minimum (nulls, empty strings, no
    postcode), a BIS number, a postcode in no province, an erased person, and a trajectory with no
    phase entry; those in guidance referred to microStart, so that the partner sees them too."""
    common = {"by": referrer, "coach": stebo_coach, "referred_by": orgs["idrops"]}
    full = person(
        ovv, **common, first_name="Amal", last_name="Haddad", birth_year=1985, birth_month=7, birth_day=30,
        national_number="85.07.30-033.28", email="amal@example.org", phone="0470 12 34 56",
        business_idea="Een naaiatelier\nmet \"quotes\" en é", postcode=9000, languages=["ar", "fr"],
        nationality="SY", gender=Participant.Gender.FEMALE, disability=False, homeless=True,
        residence_status=Participant.ResidenceStatus.choices[0][0],
        dutch_level=Participant.DutchLevel.choices[-1][0], education=Participant.Education.choices[0][0],
        labour_market_status=Participant.LabourMarketStatus.choices[0][0], phase=4,
    )
    refer_to_microstart(full, by=stebo_coach)
    trajectory_end(trajectory=full.trajectories.get(), by=stebo_coach, ended_on=D(2017, 6, 1))
    trajectory_open(participant=full, programme=ovv, by=stebo_coach, coach=stebo_coach,
                    entered_on=D(2017, 7, 1), phase=1)
    reopened = full.trajectories.get(ended_on__isnull=True)
    trajectory_advance(trajectory=reopened, phase=3, on=D(2017, 8, 1), by=stebo_coach)
    bare = person(ovv, **common, first_name="B", last_name="Bare")
    bis = person(ovv, **common, first_name="Chloé", last_name="Ça", national_number=bis_number(),
                 postcode=2000, phase=4)
    nowhere = person(ovv, **common, first_name="Dirk", last_name="Duyck", postcode=9999, phase=2)
    erased = person(ovv, **common, first_name="Eva", last_name="Erased", birth_year=1990, birth_month=1,
                    national_number="85.07.30-033.28", postcode=3500, email="eva@example.org", phase=4)
    no_phase = person(ovv, **common, first_name="Fien", last_name="Fase", languages=[])
    PhaseEntry.objects.filter(trajectory__participant=no_phase).delete()
    for referred in (bis, erased):
        refer_to_microstart(referred, by=stebo_coach)
    participant_erase(participant=erased, by=stebo_coach)
    return [full, bare, bis, nowhere, erased, no_phase]


def as_json(data) -> bytes:
    return JSONRenderer().render(data)


def exactly(data):
    """`data` with each dict's keys in order and each value's type: two representations that differ in
    either (say a date where the fields give its ISO string) differ here, even when their JSON agrees."""
    if isinstance(data, dict):
        return [(key, exactly(value)) for key, value in data.items()]
    if isinstance(data, list):
        return [exactly(item) for item in data]
    return type(data), data


def users(orgs, request) -> dict[str, object]:
    return {
        "coach": request.getfixturevalue("stebo_coach"), "coordinator": request.getfixturevalue("coordinator"),
        "auditor": auditor_at(orgs["stebo"]), "partner": request.getfixturevalue("microstart"),
        "referrer": request.getfixturevalue("referrer"),
    }


@pytest.mark.parametrize(("who", "audience"), [
    ("coach", FULL), ("coordinator", FULL), ("auditor", FULL), ("partner", PARTNER), ("referrer", STATUS),
])
def test_each_audiences_rows_are_exactly_what_its_declared_fields_give(people, orgs, request, who,
                                                                      audience):
    user = users(orgs, request)[who]
    assert participant_audience(user) == audience
    shown = with_page_details(list(participants_for_api(user, audience)), user, audience)
    serializer_class = PARTICIPANT_SERIALIZERS[audience]

    listed = serializer_class(shown, many=True)
    one_by_one = [serializer_class(participant).data for participant in shown]

    assert isinstance(listed, RowsListSerializer)
    assert len(shown) == (3 if audience == PARTNER else len(people))  # partner: those referred to them
    assert exactly(listed.data) == exactly(one_by_one)
    assert as_json(listed.data) == as_json(one_by_one)


def test_the_listed_rows_are_what_reading_each_person_answers(people, stebo_coach):
    client = api(stebo_coach)

    rows = client.get(URL).json()["results"]

    assert len(rows) == len(people)
    for row in rows:
        assert as_json(row) == as_json(client.get(f"{URL}{row['id']}/").json())
    by_name = {row["last_name"]: row for row in rows}
    assert by_name["Fase"]["trajectories"][0]["phase"] is None
    assert [trajectory["ended_on"] for trajectory in by_name["Haddad"]["trajectories"]] == [None, "2017-06-01"]
    assert by_name["Ça"]["national_number_kind"] == "bis" and by_name["Ça"]["national_number_masked"]
    assert by_name["Bare"]["province"] is None and by_name["Bare"]["birth_year"] is None
    assert by_name["—"]["erased_on"] is not None


# The page and its total in one query


def coach_with(count: int, ovv, orgs, referrer):
    coach = staff("coach.many", orgs["stebo"], StaffMember.Role.COACH)
    for number in range(count):
        person(ovv, by=referrer, coach=coach, referred_by=orgs["idrops"], last_name=f"Number{number:02d}")
    return coach


PAGES = [
    {}, {"page": "1"}, {"page": "2", "page_size": "2"}, {"page": "3", "page_size": "2"},
    {"page": "4", "page_size": "2"}, {"page": "last", "page_size": "2"}, {"page": "0"}, {"page": "-1"},
    {"page": "abc"}, {"page": "1.5"}, {"page": " 2 ", "page_size": "3"}, {"page": "99999999999999999999"},
    {"page": "2", "page_size": "0"}, {"page_size": "500"}, {"page": "2", "q": "number0"},
    {"page": "1", "q": "nobody"}, {"page": "2", "q": "nobody"}, {"phase": "7"}, {"qx": "1"},
    {"ordering": "-name", "page_size": "2"}, {"province": "antwerpen"},
]


@pytest.mark.parametrize("params", PAGES)
def test_every_page_answers_as_the_usual_paginator_and_filter_backend_do(ovv, orgs, referrer, monkeypatch,
                                                                          params):
    client = api(coach_with(5, ovv, orgs, referrer))

    counted = client.get(URL, params)
    monkeypatch.setattr(ParticipantViewSet, "pagination_class", PageSizes)
    monkeypatch.setattr(ParticipantViewSet, "filter_backends", [DjangoFilterBackend])
    usual = client.get(URL, params)

    assert (counted.status_code, counted.content) == (usual.status_code, usual.content)


def test_the_page_and_its_total_are_read_in_one_query_and_beyond_the_end_is_the_apis_404(
        ovv, orgs, referrer, monkeypatch):
    client = api(coach_with(5, ovv, orgs, referrer))
    page = {"page": "2", "page_size": "2"}
    client.get(URL)  # what the first request alone reads

    counted = queries(client, URL, page)
    body = client.get(URL, page).json()
    beyond = client.get(URL, {"page": "4", "page_size": "2"})
    monkeypatch.setattr(ParticipantViewSet, "pagination_class", PageSizes)

    assert counted == queries(client, URL, page) - 1

    assert body["count"] == 5 and [row["last_name"] for row in body["results"]] == ["Number02", "Number03"]
    assert body["next"].endswith("page=3&page_size=2") and body["previous"].endswith("page_size=2")
    assert beyond.status_code == 404 and error(beyond) == {"code": "not_found", "message": "Invalid page.",
                                                           "fields": {}}


def test_no_one_to_show_is_an_empty_first_page(orgs):
    client = api(staff("coach.new", orgs["stebo"], StaffMember.Role.COACH))

    assert client.get(URL).json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_asked_for_no_filter_the_participant_filterset_changes_nothing(people, coordinator):
    """What UnlessAskedFilterBackend relies on to skip it."""
    queryset = participants_for_api(coordinator, FULL)
    request = Request(APIRequestFactory().get(URL, {"page": "2", "page_size": "3"}))
    request.user = coordinator

    filterset = ParticipantFilter(data=QueryDict("page=2&page_size=3"), queryset=queryset, request=request)

    assert filterset.is_valid()
    assert str(filterset.qs.query) == str(queryset.query)
