"""Clients of the REST API for the trajectory tests: signed in through the session (with the second factor
where the role needs it) or with a token obtained as another system would, and a query counter."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from casemgmt.models import User
from partners.models import Organisation, StaffMember
from tests.conftest import otp_login
from tests.factories import StaffMemberFactory, UserFactory
from trajectories.policies import TWO_FACTOR_ROLES, role_of

PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's
TOKEN_URL = "/api/v1/auth/token/"


def staff(username: str, organisation: Organisation, role: str) -> User:
    return StaffMemberFactory(user=UserFactory(username=username), organisation=organisation, role=role).user


def api(user: User | None = None, *, second_factor: bool | None = None) -> APIClient:
    """A client in English, signed in as `user` through the session, with the second factor given when
    the role needs one (`second_factor` says otherwise: False signs in with the password alone)."""
    client = APIClient(headers={"accept-language": "en"})
    if user is not None:
        if role_of(user) in TWO_FACTOR_ROLES if second_factor is None else second_factor:
            otp_login(client, user)
        else:
            client.force_login(user)
    return client


def current_code(user: User) -> str:
    """The code the user's authenticator app shows now (an authenticator is made when there is none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="test authenticator", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def token_client(user: User, **body) -> APIClient:
    """A client that signs its requests with a token got from POST /api/v1/auth/token/."""
    response = APIClient().post(TOKEN_URL, {"username": user.username, "password": PASSWORD, **body})
    assert response.status_code == 201, response.json()
    client = APIClient(headers={"accept-language": "en"})
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def queries(client: APIClient, url: str, params: dict | None = None) -> int:
    """How many queries a GET runs (it must succeed)."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(context.captured_queries)



def auditor_at(organisation: Organisation) -> User:
    return staff("auditor", organisation, StaffMember.Role.AUDITOR)
