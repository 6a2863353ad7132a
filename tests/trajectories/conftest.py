"""Fixtures shared by the trajectory tests: the seed programme's organisations and staff of each role."""

import pytest

from partners.models import Organisation, StaffMember
from tests.factories import StaffMemberFactory, UserFactory


def staff(username: str, organisation: Organisation, role: str):
    return StaffMemberFactory(user=UserFactory(username=username), organisation=organisation, role=role).user


@pytest.fixture
def orgs(ovv) -> dict[str, Organisation]:
    return {organisation.code: organisation for organisation in Organisation.objects.all()}


@pytest.fixture
def stebo_coach(orgs):
    return staff("coach.stebo", orgs["stebo"], StaffMember.Role.COACH)


@pytest.fixture
def coordinator(orgs):
    return staff("coordinator.stebo", orgs["stebo"], StaffMember.Role.COORDINATOR)


@pytest.fixture
def referrer(orgs):
    return staff("referrer.idrops", orgs["idrops"], StaffMember.Role.REFERRER)


@pytest.fixture
def unizo_coach(orgs):
    return staff("coach.unizo", orgs["unizo"], StaffMember.Role.COACH)


@pytest.fixture
def microstart(orgs):
    return staff("partner.microstart", orgs["microstart"], StaffMember.Role.PARTNER_SPECIALIST)


@pytest.fixture
def zenitor(orgs):
    return staff("partner.zenitor", orgs["zenitor"], StaffMember.Role.PARTNER_SPECIALIST)
