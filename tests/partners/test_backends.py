"""Signing in reads the user with their staff membership: one query a signed-in page fewer."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners.backends import StaffModelBackend
from partners.models import StaffMember, staff_membership
from tests.factories import StaffMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's


def _reads_of(captured, table: str) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if f'FROM "{table}"' in query["sql"]]


def test_a_signed_in_page_reads_the_membership_with_the_user_not_apart():
    coach = StaffMemberFactory(role=StaffMember.Role.COACH).user
    client = Client()
    assert client.post(reverse("login"), {"username": coach.username, "password": PASSWORD}).status_code == 302

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("trajectories:caseload"))

    assert response.status_code == 200 and response.context["user"] == coach
    (user_read,) = _reads_of(captured, "casemgmt_user")
    assert '"partners_staffmember"' in user_read and '"partners_organisation"' in user_read
    assert _reads_of(captured, "partners_staffmember") == [], "no second read of the membership"


def test_the_backend_gives_the_membership_or_none_without_a_query():
    coach = StaffMemberFactory(role=StaffMember.Role.COACH)
    without = UserFactory()
    backend = StaffModelBackend()

    found, alone = backend.get_user(coach.user.pk), backend.get_user(without.pk)

    with CaptureQueriesContext(connection) as captured:
        assert staff_membership(found) == coach and staff_membership(found).organisation == coach.organisation
        assert staff_membership(alone) is None
    assert captured.captured_queries == []


def test_an_inactive_or_deleted_user_is_signed_out():
    user = StaffMemberFactory().user
    client = Client()
    client.force_login(user)
    assert client.session[SESSION_KEY] == str(user.pk)

    user.is_active = False
    user.save()

    assert StaffModelBackend().get_user(user.pk) is None
    assert StaffModelBackend().get_user(user.pk + 1000) is None
    assert client.get(reverse("trajectories:caseload")).status_code == 302
