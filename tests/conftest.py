"""Shared fixtures, and the rule that tests needing a real service run in CI and never skip there."""

import os
import time
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from casemgmt.models import Programme
from tests.factories import UserFactory
from tests.seed_snapshot import seed_programme

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
    """The seed programme, loaded exactly as the source states it (tests/seed_snapshot.py)."""
    return seed_programme("ovv")


@pytest.fixture
def coach(db):
    return UserFactory(username="coach")


def otp_login(client: Client, user) -> TOTPDevice:
    """Sign `client` in as `user` with the second factor given, as admins, auditors and coordinators
    must be before they see any page; returns the (confirmed) authenticator."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="test authenticator", confirmed=True
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def admin_client(db, admin_user) -> Client:
    """pytest-django's admin_client, signed in through the second factor every superuser must give."""
    client = Client()
    otp_login(client, admin_user)
    return client


@contextmanager
def rolled_back(django_db_blocker):
    """Database access for a module-scoped fixture, inside a transaction undone when it ends."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def api_error(response) -> dict:
    """The body of an API refusal, checked for the API's one shape: {"error": {code, message, fields}}."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "fields"} <= set(body["error"]), body
    assert body["error"]["message"].strip(), body
    return body["error"]


def wait_for(condition, what: str, timeout: float = 30.0, poll: float = 0.2):
    """Call `condition` until it returns something true (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
