"""Tokens for other systems: obtained with username and password (and the authenticator's code for the
roles that need a second factor), sent as `Authorization: Token <token>`, stored hashed, revoked with
DELETE, refused once expired; wrong passwords count towards the sign-in lockout. And the API's one error
shape for the refusals every endpoint shares: 400, 403, 404, 405 and 429."""

import datetime

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from rest_framework.test import APIClient, APIRequestFactory

from casemgmt.api.authentication import ExpiringTokenAuthentication
from casemgmt.audit import save_as
from casemgmt.models import User
from partners.models import StaffMember, staff_membership
from tests.conftest import api_error as error
from tests.factories import StaffMemberFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"  # the factories' password
TOKEN = "/api/v1/auth/token/"
SOMETHING = "/api/v1/programmes/"  # any endpoint that needs a signed-in user
OFFICE, ELSEWHERE = "198.51.100.7", "203.0.113.66"


@pytest.fixture(autouse=True)
def fresh_throttles():
    """The throttles count per address or user in the cache: every test starts with none counted."""
    cache.clear()
    yield
    cache.clear()


def api(address: str = OFFICE) -> APIClient:
    return APIClient(headers={"Accept-Language": "en"}, REMOTE_ADDR=address)


def staff(role: str) -> User:
    return StaffMemberFactory(role=role).user


def authenticator(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)


def code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return str(totp(device.bin_key, device.step, device.t0, device.digits, device.drift)).zfill(device.digits)


def obtain(user: User, password: str = PASSWORD, address: str = OFFICE, **extra):
    return api(address).post(TOKEN, {"username": user.username, "password": password, **extra})


def with_token(token: str) -> APIClient:
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client



# Obtaining a token


def test_a_coach_gets_a_token_that_works_as_the_authorization_header():
    coach = staff(StaffMember.Role.COACH)

    response = obtain(coach)

    assert response.status_code == 201
    token = response.json()["token"]
    expiry = datetime.datetime.fromisoformat(response.json()["expiry"])
    assert expiry > timezone.now() + settings.API_TOKEN_TTL - datetime.timedelta(minutes=1)
    assert with_token(token).get(SOMETHING).status_code == 200
    assert api().get(SOMETHING).status_code == 401
    # Stored hashed: the database does not hold the token itself.
    stored = AuthToken.objects.get(user=coach)
    assert token not in (stored.digest, stored.token_key) and stored.token_key == token[:len(stored.token_key)]


@pytest.mark.parametrize("username", ["exists", "nobody"])
def test_a_wrong_password_or_unknown_user_is_a_401_in_the_error_shape(username):
    coach = staff(StaffMember.Role.COACH)
    name = coach.username if username == "exists" else "nobody"

    response = api().post(TOKEN, {"username": name, "password": "wrong-password"})

    assert response.status_code == 401
    assert error(response)["code"] == "invalid_credentials"
    assert not AuthToken.objects.exists()


def test_missing_fields_are_a_400_on_each_field():
    response = api().post(TOKEN, {})

    assert response.status_code == 400
    assert error(response)["code"] == "invalid"
    assert set(error(response)["fields"]) == {"username", "password"}


def test_an_inactive_account_gets_no_token():
    coach = staff(StaffMember.Role.COACH)
    coach.is_active = False
    save_as(coach, None)

    response = obtain(coach)

    assert response.status_code == 401 and error(response)["code"] == "invalid_credentials"


# The second factor


def second_factor_user(role: str) -> User:
    return StaffMemberFactory(user__is_superuser=True).user if role == "superuser" else staff(role)


@pytest.mark.parametrize("role", [StaffMember.Role.COORDINATOR, StaffMember.Role.AUDITOR, "superuser"])
def test_a_role_that_needs_a_second_factor_gets_a_token_with_the_authenticators_code(role):
    user = second_factor_user(role)
    device = authenticator(user)

    response = obtain(user, otp_token=code(device))

    assert response.status_code == 201
    # The token stands for the second factor given: no session, no two-factor page.
    assert with_token(response.json()["token"]).get(SOMETHING).status_code == 200


@pytest.mark.parametrize("role", [StaffMember.Role.COORDINATOR, StaffMember.Role.AUDITOR, "superuser"])
def test_a_role_that_needs_a_second_factor_gets_no_token_without_the_right_code(role):
    user = second_factor_user(role)
    device = authenticator(user)
    right = code(device)
    wrong = str((int(right) + 1) % 10**6).zfill(6)

    missing = obtain(user)
    mistaken = obtain(user, otp_token=wrong)
    malformed = obtain(user, otp_token="12ab56")
    # django-otp makes the authenticator wait after a wrong code: guessing codes takes ever longer.
    right_too_soon = obtain(user, otp_token=right)

    for response in (missing, mistaken, right_too_soon):
        assert response.status_code == 401
        assert error(response)["code"] == "second_factor_required"
        assert "otp_token" in error(response)["fields"]
    assert malformed.status_code == 400 and "otp_token" in error(malformed)["fields"]
    assert not AuthToken.objects.exists()


def test_a_coordinator_without_an_authenticator_gets_no_token():
    coordinator = staff(StaffMember.Role.COORDINATOR)

    response = obtain(coordinator, otp_token="123456")

    assert response.status_code == 401 and error(response)["code"] == "second_factor_required"


def test_a_session_of_a_coordinator_who_has_not_given_the_second_factor_is_refused_in_json():
    coordinator = staff(StaffMember.Role.COORDINATOR)
    client = APIClient(headers={"Accept-Language": "en"})
    client.force_login(coordinator)

    response = client.get(SOMETHING)

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert error(response)["code"] == "second_factor_required"


# Lockout: the same as the sign-in page's


def test_five_wrong_passwords_lock_the_account_out_from_that_address_in_the_error_shape():
    coach = staff(StaffMember.Role.COACH)
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert obtain(coach, "guess").status_code == 401

    last_guess = obtain(coach, "guess")
    right_password = obtain(coach)

    for response in (last_guess, right_password):
        assert response.status_code == 429
        assert response["Content-Type"].startswith("application/json")
        assert error(response)["code"] == "locked_out"
        assert error(response)["retry_after_seconds"] == settings.AXES_COOLOFF_TIME.total_seconds()
    assert not AuthToken.objects.exists()
    # Locked by username *and* address: the real user elsewhere is not locked out.
    assert obtain(coach, address=ELSEWHERE).status_code == 201


def test_wrong_passwords_on_the_sign_in_page_lock_the_api_too_and_the_lock_ends_after_the_cool_off():
    from axes.models import AccessAttempt

    coach = staff(StaffMember.Role.COACH)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/account/login/", {"username": coach.username, "password": "guess"}, REMOTE_ADDR=OFFICE)

    assert obtain(coach).status_code == 429

    cooled_off = timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=cooled_off)
    assert obtain(coach).status_code == 201


# Revoking and expiry


def test_delete_revokes_the_token_it_is_sent_with_and_no_other():
    coach = staff(StaffMember.Role.COACH)
    first, second = (obtain(coach).json()["token"] for _ in range(2))

    response = with_token(first).delete(TOKEN)

    assert response.status_code == 204
    refused = with_token(first).get(SOMETHING)
    assert refused.status_code in (401, 403) and error(refused)["code"] == "authentication_failed"
    assert with_token(second).get(SOMETHING).status_code == 200


def test_delete_without_a_token_says_what_is_missing():
    response = api().delete(TOKEN)

    assert response.status_code == 401 and error(response)["code"] == "not_authenticated"


def test_an_expired_token_is_refused_and_removed():
    coach = staff(StaffMember.Role.COACH)
    token = obtain(coach).json()["token"]
    AuthToken.objects.filter(user=coach).update(expiry=timezone.now() - datetime.timedelta(seconds=1))

    response = with_token(token).get(SOMETHING)

    assert response.status_code in (401, 403)
    assert error(response)["code"] == "authentication_failed"
    assert not AuthToken.objects.filter(user=coach).exists()


def test_a_request_reads_only_the_token_it_presents_however_many_the_user_has():
    coach = staff(StaffMember.Role.COACH)
    token = obtain(coach).json()["token"]
    with CaptureQueriesContext(connection) as one:
        assert with_token(token).get(SOMETHING).status_code == 200
    for _ in range(5):
        obtain(coach)
    AuthToken.objects.create(user=coach, expiry=datetime.timedelta(seconds=-1))  # expired, left alone here

    with CaptureQueriesContext(connection) as seven:
        assert with_token(token).get(SOMETHING).status_code == 200

    assert len(seven) == len(one)
    assert AuthToken.objects.filter(user=coach).count() == 7


def test_handing_out_a_token_deletes_everyones_expired_tokens_and_keeps_the_others():
    coach, other = staff(StaffMember.Role.COACH), staff(StaffMember.Role.COACH)
    kept = obtain(other).json()["token"]
    for user in (coach, other):
        AuthToken.objects.create(user=user, expiry=datetime.timedelta(seconds=-1))

    assert obtain(coach).status_code == 201

    assert not AuthToken.objects.filter(expiry__lt=timezone.now()).exists()
    assert AuthToken.objects.filter(user=coach).count() == 1
    assert with_token(kept).get(SOMETHING).status_code == 200


def test_the_token_of_a_deactivated_account_is_refused():
    coach = staff(StaffMember.Role.COACH)
    token = obtain(coach).json()["token"]
    coach.is_active = False
    save_as(coach, None)

    response = with_token(token).get(SOMETHING)

    assert response.status_code in (401, 403) and error(response)["code"] == "authentication_failed"


def test_basic_authentication_is_not_accepted():
    coach = staff(StaffMember.Role.COACH)
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Basic " + __import__("base64").b64encode(
        f"{coach.username}:{PASSWORD}".encode()).decode())

    response = client.get(SOMETHING)

    assert response.status_code == 401 and error(response)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


# The one error shape


def test_the_token_endpoint_is_throttled_per_address_with_the_wait_in_the_error():
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"].split("/")[0])
    for _request in range(rate):
        assert api().post(TOKEN, {}).status_code == 400

    response = api().post(TOKEN, {})

    assert response.status_code == 429
    assert error(response)["code"] == "throttled"
    assert 0 < error(response)["retry_after_seconds"] <= 60
    assert int(response["Retry-After"]) == error(response)["retry_after_seconds"]
    assert api(ELSEWHERE).post(TOKEN, {}).status_code == 400


def test_404_405_and_400_have_the_error_shape():
    token = obtain(staff(StaffMember.Role.COACH)).json()["token"]
    client = with_token(token)

    not_found = client.get("/api/v1/programmes/NOPE/")
    not_allowed = client.put("/api/v1/referrals/", {})
    bad = client.get("/api/v1/referrals/", {"status": "lost"})

    assert (not_found.status_code, error(not_found)["code"]) == (404, "not_found")
    assert (not_allowed.status_code, error(not_allowed)["code"]) == (405, "method_not_allowed")
    assert (bad.status_code, error(bad)["code"]) == (400, "invalid")
    assert error(bad)["fields"]["status"]


@pytest.mark.parametrize("role", [StaffMember.Role.COACH, None])
def test_the_token_is_read_with_the_users_role_and_organisation_in_one_query(role):
    """partners.models.staff_membership finds them on the user: no query of its own (None: no membership)."""
    user = staff(role) if role else User.objects.create_user("no.role", password=PASSWORD)
    token = AuthToken.objects.create(user=user)[1]
    request = APIRequestFactory().get(SOMETHING, HTTP_AUTHORIZATION=f"Token {token}")

    with CaptureQueriesContext(connection) as read:
        found, _token = ExpiringTokenAuthentication().authenticate(request)
        membership = staff_membership(found)

    assert len(read) == 1
    assert found == user
    if role:
        assert (membership.role, membership.organisation) == (role, user.staff.organisation)
    else:
        assert membership is None


@pytest.mark.parametrize("token", ["not-a-token", "x" * 64, "%%%"])
def test_a_token_that_matches_none_is_refused_as_invalid(token):
    response = with_token(token).get(SOMETHING)

    assert response.status_code == 401
    assert error(response)["message"] == "Invalid token."
