"""Fixtures of the reminder tests (the world itself is in tests/reminders/world.py)."""

import pytest

from casemgmt.models import Programme
from partners.models import Organisation, StaffMember
from tests.factories import ProgrammeFactory
from tests.reminders.world import D, World, staff


@pytest.fixture
def world(ovv) -> World:
    orgs = {org.code: org for org in Organisation.objects.all()}
    return World(
        ovv=ovv,
        coach=staff("coach.stebo", orgs["stebo"], StaffMember.Role.COACH, first_name="Hanne", last_name="Coach"),
        partner=staff("partner.microstart", orgs["microstart"], StaffMember.Role.PARTNER_SPECIALIST),
        coordinator=staff("coordinator.stebo", orgs["stebo"], StaffMember.Role.COORDINATOR),
        orgs=orgs,
    )


@pytest.fixture
def other_programme(db) -> Programme:
    """A second programme with no reminder settings: it runs on the defaults."""
    return ProgrammeFactory(code="LBA", name="Loopbaanateliers", starts_on=D(2016, 11, 1), ends_on=D(2018, 10, 31))
