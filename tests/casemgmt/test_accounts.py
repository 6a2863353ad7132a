"""Accounts: sign-in throttling, password rules, two-factor sign-in, idle sessions, security headers,
and production settings that pass `check --deploy` and refuse to start without their secrets."""

import base64
import datetime
import os
import re
import subprocess
import sys
import time
from io import StringIO

import pytest
from axes.models import AccessAttempt
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from casemgmt.models import User
from casemgmt.sessions import TOUCHED
from casemgmt.twofactor import two_factor_required
from partners.models import StaffMember
from tests.factories import StaffMemberFactory, UserFactory
from trajectories.demo.accounts import (
    DEMO_PASSWORD,
    DEMO_TOTP_KEY,
    DEMO_TOTP_KEY_BASE32,
    DEMO_USERS_WITH_SECOND_FACTOR,
)

PASSWORD = "correct-horse-battery-staple"  # the factories' password
ATTACKER, OFFICE = "203.0.113.66", "198.51.100.7"
LOGIN, ADMIN_INDEX = "/admin/login/", "/admin/"
SIGN_IN = "/account/login/"  # the workspace's sign-in page (settings.LOGIN_URL)
TWO_FACTOR = "/account/two-factor/"
BASE_DIR = django_settings.BASE_DIR

_Role = StaffMember.Role


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _staff(role: str) -> User:
    return StaffMemberFactory(role=role, user__is_staff=True).user


def _superuser() -> User:
    return UserFactory(is_staff=True, is_superuser=True)


def _sign_in(client: Client, username: str, password: str, address: str):
    return client.post(LOGIN, {"username": username, "password": password, "next": ADMIN_INDEX},
                       REMOTE_ADDR=address)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _code(device: TOTPDevice, steps_off: int = 0) -> str:
    token = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_off)
    return f"{token:0{device.digits}d}"


def _wrong_code(device: TOTPDevice) -> str:
    # Not the code of this time step nor of the ones before and after it, which the device accepts.
    near = {_code(device, steps_off) for steps_off in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


# Sign-in throttling ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_five_wrong_passwords_lock_that_username_out_at_that_address_even_with_the_right_one():
    coach = _staff(_Role.COACH)
    client = Client()

    for _ in range(4):
        response = _sign_in(client, coach.username, "not-the-password", ATTACKER)
        assert response.status_code == 200  # the sign-in page again, with its error
    fifth = _sign_in(client, coach.username, "not-the-password", ATTACKER)
    right_password = _sign_in(client, coach.username, PASSWORD, ATTACKER)

    assert fifth.status_code == 429
    assert right_password.status_code == 429
    assert "too many login attempts" in right_password.content.decode()
    assert not _signed_in(client)


@pytest.mark.django_db
def test_attacker_cannot_lock_the_real_user_out_from_elsewhere():
    # given: an attacker has locked the coordinator's username at their own address
    coordinator = _staff(_Role.COORDINATOR)
    for _ in range(6):
        _sign_in(Client(), coordinator.username, "guess", ATTACKER)
    assert _sign_in(Client(), coordinator.username, PASSWORD, ATTACKER).status_code == 429

    # when: the coordinator signs in from the office
    office = Client()
    response = _sign_in(office, coordinator.username, PASSWORD, OFFICE)

    # then
    assert response.status_code == 302
    assert _signed_in(office)


@pytest.mark.django_db
def test_lockout_of_one_username_leaves_other_users_at_the_same_address_free():
    coach, colleague = _staff(_Role.COACH), _staff(_Role.COACH)
    for _ in range(5):
        _sign_in(Client(), coach.username, "guess", OFFICE)

    client = Client()
    response = _sign_in(client, colleague.username, PASSWORD, OFFICE)

    assert response.status_code == 302
    assert _signed_in(client)


@pytest.mark.django_db
def test_a_successful_sign_in_forgets_the_earlier_wrong_passwords():
    coach = _staff(_Role.COACH)
    for _ in range(4):
        _sign_in(Client(), coach.username, "typo", OFFICE)
    assert _sign_in(Client(), coach.username, PASSWORD, OFFICE).status_code == 302

    for _ in range(4):
        assert _sign_in(Client(), coach.username, "typo", OFFICE).status_code == 200
    client = Client()

    assert _sign_in(client, coach.username, PASSWORD, OFFICE).status_code == 302
    assert _signed_in(client)


@pytest.mark.django_db
def test_lockout_ends_after_the_cool_off_time():
    coach = _staff(_Role.COACH)
    for _ in range(5):
        _sign_in(Client(), coach.username, "guess", ATTACKER)
    assert _sign_in(Client(), coach.username, PASSWORD, ATTACKER).status_code == 429

    cooled_off = timezone.now() - django_settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=cooled_off)

    assert _sign_in(Client(), coach.username, PASSWORD, ATTACKER).status_code == 302


# Passwords ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("password", "code"), [
    ("Kx9#mq-2", "password_too_short"),
    ("qwerty123456", "password_too_common"),
    ("839201746502", "password_entirely_numeric"),
    ("katrien.vermeulen", "password_too_similar"),
])
def test_weak_passwords_are_refused_with_the_reason(password, code):
    user = User(username="katrien.vermeulen", first_name="Katrien", last_name="Vermeulen")

    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)

    assert code in {error.code for error in refused.value.error_list}


def test_long_uncommon_password_is_accepted():
    user = User(username="katrien.vermeulen", first_name="Katrien", last_name="Vermeulen")
    validate_password(DEMO_PASSWORD, user)  # does not raise


# Two-factor sign-in ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("make_user", [
    _superuser, lambda: _staff(_Role.AUDITOR), lambda: _staff(_Role.COORDINATOR),
], ids=["superuser", "auditor", "coordinator"])
def test_admins_auditors_and_coordinators_without_a_code_are_sent_to_the_two_factor_page(make_user):
    client = Client()
    client.force_login(make_user())

    for page in (ADMIN_INDEX, reverse("admin:casemgmt_programme_changelist")):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"] == f"{TWO_FACTOR}?next={page}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [_Role.COACH, _Role.PARTNER_SPECIALIST, _Role.REFERRER])
def test_coaches_partners_and_referrers_are_not_asked_for_a_code(role):
    user = _staff(role)
    client = Client()
    client.force_login(user)

    response = client.get(ADMIN_INDEX)

    # They are not sent to the two-factor page (the admin itself is not theirs: it sends them to
    # sign in as someone with admin access).
    assert not two_factor_required(user)
    assert "two-factor" not in response.get("Location", "")
    assert response.status_code in (200, 302)


@pytest.mark.django_db
def test_signing_in_at_the_admin_leads_through_the_two_factor_page_back_to_the_page_asked_for():
    # given: a coordinator with an authenticator, signing in with the password
    coordinator = _staff(_Role.COORDINATOR)
    coordinator.user_permissions.add(Permission.objects.get(codename="view_programme"))
    device = TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    client = Client()
    programmes = reverse("admin:casemgmt_programme_changelist")
    client.post(LOGIN, {"username": coordinator.username, "password": PASSWORD, "next": programmes})

    # when: the page asked for sends them to the two-factor page, where they enter the code
    to_two_factor = client.get(programmes)
    page = client.get(to_two_factor["Location"])
    session_before = client.session.session_key
    passed = client.post(to_two_factor["Location"], {"token": _code(device), "next": programmes})

    # then
    assert to_two_factor["Location"] == f"{TWO_FACTOR}?next={programmes}"
    assert page.status_code == 200
    assert "Code from your authenticator app" in page.content.decode()
    assert passed.status_code == 302
    assert passed["Location"] == programmes
    assert client.get(programmes).status_code == 200
    assert client.session.session_key != session_before  # a new session key for the stronger sign-in


@pytest.mark.django_db
def test_wrong_code_is_refused_with_a_clear_error_and_the_pages_stay_closed():
    auditor = _staff(_Role.AUDITOR)
    device = TOTPDevice.objects.create(user=auditor, name="phone", confirmed=True)
    client = Client()
    client.force_login(auditor)

    response = client.post(TWO_FACTOR, {"token": _wrong_code(device), "next": ADMIN_INDEX})

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get(ADMIN_INDEX)["Location"] == f"{TWO_FACTOR}?next={ADMIN_INDEX}"


@pytest.mark.django_db
def test_code_with_other_characters_is_refused_saying_what_is_expected():
    auditor = _staff(_Role.AUDITOR)
    TOTPDevice.objects.create(user=auditor, name="phone", confirmed=True)
    client = Client()
    client.force_login(auditor)

    response = client.post(TWO_FACTOR, {"token": "12.456"})

    assert "digits only, for example 123456" in response.content.decode()


@pytest.mark.django_db
def test_code_typed_with_spaces_as_the_app_groups_it_is_accepted():
    auditor = _staff(_Role.AUDITOR)
    device = TOTPDevice.objects.create(user=auditor, name="phone", confirmed=True)
    client = Client()
    client.force_login(auditor)
    code = _code(device)

    response = client.post(TWO_FACTOR, {"token": f" {code[:3]} {code[3:]} ", "next": ADMIN_INDEX})

    assert response["Location"] == ADMIN_INDEX


@pytest.mark.django_db
def test_backup_code_given_by_an_admin_lets_a_user_who_lost_their_phone_through_once():
    coordinator = _staff(_Role.COORDINATOR)
    TOTPDevice.objects.create(user=coordinator, name="lost phone", confirmed=True)
    backup = StaticDevice.objects.create(user=coordinator, name="backup codes", confirmed=True)
    backup.token_set.create(token="k7q2m9xa")
    first, second = Client(), Client()
    first.force_login(coordinator)
    second.force_login(coordinator)

    assert first.post(TWO_FACTOR, {"token": "k7q2m9xa", "next": ADMIN_INDEX})["Location"] == ADMIN_INDEX
    assert second.post(TWO_FACTOR, {"token": "k7q2m9xa"}).status_code == 200  # used up


@pytest.mark.django_db
def test_after_a_wrong_code_the_next_try_must_wait_and_the_page_says_how_long(settings):
    # django-otp makes the wait 1 s, 2 s, 4 s, ... times this factor; a minute keeps the test steady.
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    auditor = _staff(_Role.AUDITOR)
    device = TOTPDevice.objects.create(user=auditor, name="phone", confirmed=True)
    client = Client()
    client.force_login(auditor)
    client.post(TWO_FACTOR, {"token": _wrong_code(device)})

    response = client.post(TWO_FACTOR, {"token": _code(device)})

    assert re.search(r"Too many wrong codes in a row\. Wait (59|60) seconds", response.content.decode())
    assert client.get(ADMIN_INDEX).status_code == 302


@pytest.mark.django_db
def test_a_code_signs_in_only_once():
    coordinator = _staff(_Role.COORDINATOR)
    device = TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    first, second = Client(), Client()
    first.force_login(coordinator)
    second.force_login(coordinator)
    code = _code(device)

    assert first.post(TWO_FACTOR, {"token": code}).status_code == 302
    assert second.post(TWO_FACTOR, {"token": code}).status_code == 200


@pytest.mark.django_db
def test_first_sign_in_enrols_an_authenticator_and_confirms_it_with_a_code():
    # given: a superuser without an authenticator
    admin = _superuser()
    client = Client()
    client.force_login(admin)

    # when: they open the page twice (the key must not change between scanning and typing)
    first = client.get(TWO_FACTOR, {"next": ADMIN_INDEX}).content.decode()
    again = client.get(TWO_FACTOR, {"next": ADMIN_INDEX}).content.decode()
    device = TOTPDevice.objects.get(user=admin)
    key = re.search(r'<code id="totp-key">([A-Z2-7 ]+)</code>', first).group(1)
    passed = client.post(TWO_FACTOR, {"token": _code(device), "next": ADMIN_INDEX})

    # then
    assert 'src="data:image/svg+xml;base64,' in first
    assert '<label for="id_token">' in first
    assert key in again
    assert key.replace(" ", "") == base64.b32encode(device.bin_key).decode()
    assert passed["Location"] == ADMIN_INDEX
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(ADMIN_INDEX).status_code == 200


@pytest.mark.django_db
def test_enrolment_with_a_wrong_code_confirms_nothing():
    coordinator = _staff(_Role.COORDINATOR)
    client = Client()
    client.force_login(coordinator)
    client.get(TWO_FACTOR)
    device = TOTPDevice.objects.get(user=coordinator)

    response = client.post(TWO_FACTOR, {"token": _wrong_code(device)})

    assert "That code does not match the key" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(ADMIN_INDEX).status_code == 302


@pytest.mark.django_db
def test_two_factor_page_never_sends_on_to_another_site():
    coordinator = _staff(_Role.COORDINATOR)
    device = TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    client = Client()
    client.force_login(coordinator)

    response = client.post(TWO_FACTOR, {"token": _code(device), "next": "https://evil.example/"})

    assert response["Location"] == ADMIN_INDEX


@pytest.mark.django_db
def test_two_factor_page_asks_a_signed_out_visitor_to_sign_in_first():
    response = Client().get(TWO_FACTOR)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{SIGN_IN}?next=")


@pytest.mark.django_db
def test_user_held_at_the_two_factor_page_can_still_sign_out():
    client = Client()
    client.force_login(_staff(_Role.AUDITOR))

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == SIGN_IN
    assert not _signed_in(client)


# Idle sessions --------------------------------------------------------------------------------------


def test_sessions_end_after_thirty_idle_minutes_by_default():
    assert django_settings.SESSION_COOKIE_AGE == 30 * 60
    # A request starts the thirty minutes again when they were last started over a minute ago.
    assert django_settings.SESSION_TOUCH_SECONDS == 60
    assert not django_settings.SESSION_SAVE_EVERY_REQUEST


def _session_expiry(client: Client) -> datetime.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


@pytest.mark.django_db
def test_an_idle_session_is_signed_out_and_sent_to_sign_in(admin_client):
    assert admin_client.get(ADMIN_INDEX).status_code == 200

    # given: no request for longer than the idle time
    Session.objects.filter(session_key=admin_client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )

    # when
    response = admin_client.get(ADMIN_INDEX)

    # then
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={ADMIN_INDEX}"


def _session_touched(client: Client, *, seconds_ago: int, expires_in: datetime.timedelta) -> None:
    """The client's session as if its end was last moved `seconds_ago`, and ends in `expires_in`."""
    session = client.session
    session[TOUCHED] = int(time.time()) - seconds_ago
    session.save()
    Session.objects.filter(session_key=session.session_key).update(expire_date=timezone.now() + expires_in)


@pytest.mark.django_db
def test_a_request_pushes_the_end_of_an_active_session_forward_once_a_minute_has_passed(admin_client):
    _session_touched(admin_client, seconds_ago=61, expires_in=datetime.timedelta(minutes=1))

    response = admin_client.get(ADMIN_INDEX)

    assert response.status_code == 200
    remaining = _session_expiry(admin_client) - timezone.now()
    assert datetime.timedelta(minutes=29) < remaining <= datetime.timedelta(minutes=30)
    assert response.cookies["sessionid"]["max-age"] == 30 * 60


@pytest.mark.django_db
def test_a_request_within_the_minute_leaves_the_session_alone(admin_client):
    _session_touched(admin_client, seconds_ago=30, expires_in=datetime.timedelta(minutes=20))
    before = _session_expiry(admin_client)

    with CaptureQueriesContext(connection) as statements:
        response = admin_client.get(ADMIN_INDEX)

    assert response.status_code == 200
    assert _session_expiry(admin_client) == before
    assert not [query for query in statements.captured_queries if "UPDATE" in query["sql"]]
    assert "sessionid" not in response.cookies


# Security headers -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_page_carries_the_content_security_policy_and_anti_framing_headers(admin_client):
    for response in (Client().get(LOGIN), admin_client.get(ADMIN_INDEX)):
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "img-src 'self' data:" in policy
        assert "form-action 'self'" in policy
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_pages_shown_to_a_signed_in_user_are_never_stored(admin_client):
    held = Client()
    held.force_login(_staff(_Role.COORDINATOR))
    responses = [
        admin_client.get(ADMIN_INDEX),
        admin_client.get(reverse("admin:trajectories_participant_changelist")),
        held.get(ADMIN_INDEX),  # the redirect to the two-factor page
        held.get(TWO_FACTOR),
    ]

    for response in responses:
        assert "no-store" in response["Cache-Control"]
        assert response["Pragma"] == "no-cache"


_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
_INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


@pytest.mark.django_db
def test_admin_and_two_factor_pages_run_no_inline_script_the_policy_would_block(admin_client):
    # The policy allows only the site's own script files; an inline script would silently not run.
    programme_url = reverse("admin:casemgmt_programme_changelist")
    held = Client()
    held.force_login(_staff(_Role.COORDINATOR))
    pages = {
        "sign-in": Client().get(LOGIN),
        "index": admin_client.get(ADMIN_INDEX),
        "changelist": admin_client.get(programme_url),
        "add form": admin_client.get(reverse("admin:casemgmt_programme_add")),
        "two-factor enrolment": held.get(TWO_FACTOR),
    }

    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.content.decode()
        assert not _INLINE_SCRIPT.search(html), name
        assert not _INLINE_HANDLER.search(html), name


# Production settings --------------------------------------------------------------------------------


def _production_environment(**changes: str | None) -> dict[str, str]:
    environment = {
        name: value for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "SECURE_", "SESSION_")) and name != "DATABASE_URL"
    }
    environment.update({
        "DJANGO_SETTINGS_MODULE": "casemgmt.settings.production",
        "SECRET_KEY": "p7Zq-" + "x4Rk2Lm9Vt8Wn3Bc6Yh1Jd5Fg0Ps7Ka2" * 2,
        "ALLOWED_HOSTS": "casemgmt.example.org",
        "IDENTIFIER_KEYS": Fernet.generate_key().decode(),
        "IDENTIFIER_HASH_KEY": "h8Gt2Vn5Qw9Lr3Zx7Kc1Bm4Pd6Sf0Yj",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/casemgmt",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    })
    for name, value in changes.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return environment


def _manage(*arguments: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *arguments], cwd=BASE_DIR, env=environment,
        capture_output=True, text=True, timeout=120,
    )


def test_production_settings_pass_check_deploy_without_a_warning():
    done = _manage("check", "--deploy", "--fail-level", "WARNING", environment=_production_environment())

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_production_sends_hsts_and_secure_cookies():
    done = _manage("shell", "--no-imports", "-c", (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.DEBUG)"
    ), environment=_production_environment())

    assert done.returncode == 0, done.stderr
    hsts_seconds, *flags = done.stdout.split()
    assert int(hsts_seconds) >= 365 * 24 * 3600
    assert flags == ["True", "True", "True", "True", "False"]


def test_production_refuses_to_start_without_a_secret_key():
    done = _manage("check", environment=_production_environment(SECRET_KEY=None))

    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr
    assert "required in production" in done.stderr


def test_idle_minutes_come_from_the_environment():
    done = _manage(
        "shell", "--no-imports", "-c", "from django.conf import settings; print(settings.SESSION_COOKIE_AGE)",
        environment=_production_environment(SESSION_IDLE_MINUTES="10"),
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["600"]


# Demo: two-factor stays on, and the demo says how to pass it ----------------------------------------


def test_demo_otp_code_refuses_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_otp_code", "coordinator.stebo")


@pytest.mark.django_db
def test_demo_otp_code_prints_a_code_the_two_factor_page_accepts(settings):
    settings.DEBUG = True
    coordinator = _staff(_Role.COORDINATOR)
    TOTPDevice.objects.create(user=coordinator, name="demo", key=DEMO_TOTP_KEY, confirmed=True)
    out = StringIO()

    call_command("demo_otp_code", coordinator.username, stdout=out, stderr=StringIO())
    client = Client()
    client.force_login(coordinator)
    response = client.post(TWO_FACTOR, {"token": out.getvalue().strip(), "next": ADMIN_INDEX})

    assert re.fullmatch(r"\d{6}", out.getvalue().strip())
    assert response["Location"] == ADMIN_INDEX


@pytest.mark.django_db
def test_demo_otp_code_says_when_a_user_has_no_authenticator(settings):
    settings.DEBUG = True
    coach = _staff(_Role.COACH)

    with pytest.raises(CommandError, match="no confirmed authenticator"):
        call_command("demo_otp_code", coach.username)
    with pytest.raises(CommandError, match="No user"):
        call_command("demo_otp_code", "nobody")


@pytest.mark.django_db
def test_demo_users_who_need_two_factor_get_the_demo_key_and_the_logins_say_how_to_use_it():
    call_command("demo_data", participants=0, seed=1, stdout=StringIO())
    out = StringIO()

    call_command("demo_logins", stdout=out)

    with_devices = set(
        TOTPDevice.objects.filter(confirmed=True, key=DEMO_TOTP_KEY).values_list("user__username", flat=True)
    )
    assert with_devices == set(DEMO_USERS_WITH_SECOND_FACTOR) == {"admin", "auditor", "coordinator.stebo"}
    assert TOTPDevice.objects.count() == len(with_devices)
    text = out.getvalue()
    assert "python manage.py demo_otp_code coordinator.stebo" in text
    assert DEMO_TOTP_KEY_BASE32 in text
    rows = {line.split()[0]: line.split()[-1] for line in text.splitlines() if DEMO_PASSWORD in line}
    assert {username for username, second_factor in rows.items() if second_factor == "code"} == with_devices
