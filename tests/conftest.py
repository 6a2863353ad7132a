"""Shared fixtures, and the rule that tests needing a real service run in CI and never skip there."""

import os

import pytest
from django.db import connection

from casemgmt.models import Programme
from partners.services import programme_seed_file, programme_seed_load
from tests.factories import UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def service_missing(reason: str) -> None:
    """Skip with a printed reason outside CI; in CI a missing service is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI must run this test)")
    pytest.skip(reason)


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    return connection


@pytest.fixture
def ovv(db) -> Programme:
    """The seed programme, loaded exactly as the source states it."""
    return programme_seed_load(data=programme_seed_file("ovv"))


@pytest.fixture
def coach(db):
    return UserFactory(username="coach")
