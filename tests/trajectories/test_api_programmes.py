"""The programmes through the API: those the user's organisation has a role in (all for auditors and
admins), with their reporting periods; any other answers 404; the same queries at two sizes."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners.models import ProgrammeRole, StaffMember
from tests.factories import (
    OrganisationFactory,
    ProgrammeFactory,
    ProgrammeRoleFactory,
    ReportingPeriodFactory,
    StaffMemberFactory,
    UserFactory,
)
from tests.trajectories.api_clients import api

pytestmark = pytest.mark.django_db
LIST = "/api/v1/programmes/"
Role = StaffMember.Role


@pytest.fixture
def lba(ovv):
    """A second programme, coordinated by another organisation, with one reporting period."""
    lba = ProgrammeFactory(code="LBA", name="Loopbaanateliers", starts_on=datetime.date(2016, 11, 1),
                           ends_on=datetime.date(2018, 10, 31))
    ateliers = OrganisationFactory(code="ateliers", name="Ateliers vzw")
    ProgrammeRoleFactory(programme=lba, organisation=ateliers, role=ProgrammeRole.Role.COORDINATION)
    ReportingPeriodFactory(programme=lba, number=1, starts_on=lba.starts_on, ends_on=lba.ends_on)
    return lba



def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


@pytest.mark.parametrize(("organisation", "role", "expected"), [
    ("stebo", Role.COACH, ["OVV"]),
    ("stebo", Role.COORDINATOR, ["OVV"]),
    ("microstart", Role.PARTNER_SPECIALIST, ["OVV"]),
    ("idrops", Role.REFERRER, ["OVV"]),
    ("ateliers", Role.COORDINATOR, ["LBA"]),
    ("stebo", Role.AUDITOR, ["LBA", "OVV"]),
])
def test_a_user_lists_the_programmes_their_organisation_works_in(lba, orgs, organisation, role, expected):
    organisation = orgs.get(organisation) or lba.organisation_roles.get().organisation
    user = StaffMemberFactory(organisation=organisation, role=role).user

    client = api(user)

    assert codes(client.get(LIST)) == expected


def test_an_admin_sees_every_programme_and_someone_without_an_organisation_none(lba):
    admin = UserFactory(is_superuser=True, is_staff=True)
    nobody = UserFactory()

    assert codes(api(admin).get(LIST)) == ["LBA", "OVV"]
    assert codes(api(nobody).get(LIST)) == []


def test_a_programme_shows_its_dates_periods_and_what_the_organisation_does_in_it(lba, orgs):
    coordinator = StaffMemberFactory(organisation=orgs["stebo"], role=Role.COORDINATOR).user

    response = api(coordinator).get(f"{LIST}ovv/")

    assert response.status_code == 200
    assert response.json() == {
        "code": "OVV", "name": response.json()["name"], "starts_on": "2016-11-01", "ends_on": "2018-10-31",
        "reporting_periods": [
            {"number": 1, "starts_on": "2016-11-01", "ends_on": "2017-10-31"},
            {"number": 2, "starts_on": "2017-11-01", "ends_on": "2018-04-30"},
            {"number": 3, "starts_on": "2018-05-01", "ends_on": "2018-10-31"},
        ],
        "organisation_roles": sorted(
            ProgrammeRole.objects.filter(programme__code="OVV", organisation=orgs["stebo"])
            .values_list("role", flat=True)),
    }
    assert "coordination" in response.json()["organisation_roles"]


def test_a_programme_outside_the_users_reach_is_a_404_like_one_that_does_not_exist(lba, orgs):
    coach = StaffMemberFactory(organisation=orgs["stebo"], role=Role.COACH).user
    client = api(coach)

    for code in ("LBA", "NOPE"):
        response = client.get(f"{LIST}{code}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_the_list_runs_the_same_queries_for_more_programmes_and_periods(lba, orgs):
    coach = StaffMemberFactory(organisation=orgs["stebo"], role=Role.COACH).user
    client = api(coach)

    def add(count: int, start: int) -> None:
        for number in range(start, start + count):
            programme = ProgrammeFactory(code=f"X{number}", starts_on=datetime.date(2016, 1, 1),
                                         ends_on=datetime.date(2019, 1, 1))
            for role in (ProgrammeRole.Role.COACHING, ProgrammeRole.Role.REFERRER):
                ProgrammeRoleFactory(programme=programme, organisation=orgs["stebo"], role=role)
            for period in (1, 2):
                ReportingPeriodFactory(programme=programme, number=period, starts_on=datetime.date(2016 + period, 1, 1),
                                       ends_on=datetime.date(2016 + period, 12, 31))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    add(2, 0)
    few = queries()
    add(6, 2)
    many = queries()

    assert len(codes(client.get(LIST))) == 9
    assert few == many <= 10
