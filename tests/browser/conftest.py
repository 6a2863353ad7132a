"""Browser tests: a real Chromium (Debian's, driven by Playwright) against the app on pytest-django's
live_server, with helpers to sign in (second factor included) and to take README screenshots.

Every test here is marked `browser`, runs on a transactional database (the server thread must see what
the test writes) and gets the database back as migrations left it (`serialized_rollback`), so the
geography and role groups made by migrations are there in every test, not only in the first.
"""

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    expect,
    sync_playwright,
)

from casemgmt.audit import save_as
from casemgmt.models import User
from casemgmt.twofactor import two_factor_required
from partners.models import Organisation, StaffMember
from tests.conftest import service_missing
from trajectories.demo import DEMO_PASSWORD, DEMO_USERS

CHROMIUM = Path("/usr/bin/chromium")
# Playwright already passes --headless, --no-sandbox (no chromium_sandbox), --no-first-run,
# --disable-background-networking, --disable-component-update, --disable-sync and a fresh
# --user-data-dir; these are the rest of what this machine's Chromium needs (no GPU, no QUIC on a
# closed network).
CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic"]
TIMEOUT_MS = 10_000
# The users' working language: Accept-Language nl-BE, which Django answers in Dutch.
LOCALE = "nl-BE"
LANGUAGE = "nl"
VIEWPORT = {"width": 1280, "height": 900}

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = ROOT / "tests" / "artifacts"
# The README's screenshots are refreshed with `SCREENSHOTS=update make test`; an ordinary run writes
# them under tests/artifacts/ so that running the tests never changes tracked files.
SCREENSHOTS_DIR = (
    ROOT / "docs" / "screenshots" if os.environ.get("SCREENSHOTS") == "update"
    else ROOT / "tests" / "artifacts" / "screenshots"
)

BROWSER_TESTS_DIR = Path(__file__).resolve().parent
# Sub-resources that a page needs to look and work right; a failed one is a broken page.
ASSET_TYPES = frozenset({"stylesheet", "script", "image", "font"})
CSP_MARKERS = ("Content Security Policy", "Refused to")

_reports = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # This hook sees every collected test, not only those in this folder.
    for item in items:
        if BROWSER_TESTS_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[pytest.TestReport]:
    # Keep each phase's report on the test, so fixtures know at teardown whether the test failed.
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


def nl(msgid: str) -> str:
    """The text the page shows for `msgid`: tests find labels and buttons by what the user reads,
    in the language the browser asks for, without repeating the translations."""
    with translation.override(LANGUAGE):
        return translation.gettext(msgid)


# The browser


@pytest.fixture(scope="package")
def _async_unsafe_allowed() -> Iterator[None]:
    """Playwright's sync API keeps an asyncio loop running in the main thread for as long as it is
    started, and Django refuses ORM calls from a thread with a running loop. The tests here use the
    ORM from that thread only between browser calls, never concurrently, so the check is off, for
    exactly as long as Playwright runs."""
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="package")
def _migration_data_left_behind(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Each browser test ends with the database emptied (a transactional test's flush) and the next
    one loads what migrations made (serialized rollback). Load it once more after the last one, so
    a transactional test elsewhere that runs later finds the database as migrations left it."""
    yield
    with django_db_blocker.unblock():
        for connection in connections.all(initialized_only=True):
            if hasattr(connection, "_test_serialized_contents"):
                connection.creation.deserialize_db_from_string(connection._test_serialized_contents)


# Package scope, not session: the loop Playwright leaves running in the main thread would break
# any later test that uses the ORM or asyncio; it stops when the last browser test is done.
@pytest.fixture(scope="package")
def browser(_migration_data_left_behind, _async_unsafe_allowed) -> Iterator[Browser]:
    """Debian's Chromium (Playwright's own browser download does not work on these machines)."""
    if not CHROMIUM.exists():
        service_missing(f"needs Debian's chromium at {CHROMIUM} (apt-get install -y chromium)")
    before = {alias: connections[alias] for alias in connections}
    playwright = sync_playwright().start()
    # Django keeps its connections in an asgiref Local, which holds a separate set per asyncio
    # context while a loop runs in the thread: without this, the tests would talk to the database
    # through new connections, which lack the serialized rollback data and, on in-memory SQLite,
    # are not the connection the live server shares.
    for alias, connection in before.items():
        connections[alias] = connection
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    expect.set_options(timeout=TIMEOUT_MS)
    yield browser
    browser.close()
    playwright.stop()


@dataclass
class PageLog:
    """What the browser reported while the test ran."""

    console: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)
    missing_assets: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [line for line in self.console if any(marker in line for marker in CSP_MARKERS)]

    def assert_clean(self) -> None:
        """No Content-Security-Policy violation, no uncaught script error, every style, script,
        image and font loaded."""
        assert not self.csp_violations(), f"the browser refused something under the CSP: {self.csp_violations()}"
        assert not self.script_errors, f"uncaught script errors: {self.script_errors}"
        assert not self.missing_assets, f"styles, scripts, images or fonts that did not load: {self.missing_assets}"

    def _on_console(self, message: ConsoleMessage) -> None:
        self.console.append(f"{message.type}: {message.text}")

    def _on_response(self, response: Response) -> None:
        if response.request.resource_type in ASSET_TYPES and not response.ok:
            self.missing_assets.append(f"{response.status} {response.url}")

    def _on_request_failed(self, request: Request) -> None:
        if request.resource_type in ASSET_TYPES:
            self.missing_assets.append(f"{request.failure} {request.url}")


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def page(
    request: pytest.FixtureRequest, browser: Browser, live_server, django_db_serialized_rollback, page_log: PageLog
) -> Iterator[Page]:
    """A tab in a fresh context (no cookies), in Dutch, laptop-sized, on the live server.

    On failure, a screenshot and the page's HTML go to tests/artifacts/. A test that passes but made
    the browser report a CSP violation or a script error fails at teardown.
    """
    context: BrowserContext = browser.new_context(
        locale=LOCALE, viewport=VIEWPORT, base_url=live_server.url
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.on("console", page_log._on_console)
    tab.on("pageerror", lambda error: page_log.script_errors.append(str(error)))
    tab.on("response", page_log._on_response)
    tab.on("requestfailed", page_log._on_request_failed)
    try:
        yield tab
        reports = request.node.stash.get(_reports, {})
        call = reports.get("call")
        if call is not None and call.failed:
            _save_artifacts(tab, request.node.nodeid)
        elif call is not None and call.passed and (page_log.csp_violations() or page_log.script_errors):
            _save_artifacts(tab, request.node.nodeid)
            pytest.fail(
                f"the browser reported CSP violations {page_log.csp_violations()} "
                f"or script errors {page_log.script_errors}"
            )
    finally:
        context.close()


def _save_artifacts(tab: Page, nodeid: str) -> None:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")
    try:
        tab.screenshot(path=ARTIFACTS_DIR / f"{stem}.png", full_page=True)
        (ARTIFACTS_DIR / f"{stem}.html").write_text(tab.content(), encoding="utf-8")
    except Exception as error:  # A crashed tab has nothing to show; the test's own error says more.
        print(f"no screenshot of {nodeid}: {error}")


@pytest.fixture
def screenshot(page: Page) -> Callable[..., Path]:
    """`screenshot("caseload")` saves what the tab shows now as caseload.png in SCREENSHOTS_DIR."""

    def take(name: str, *, full_page: bool = False) -> Path:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
            raise ValueError(f"screenshot name {name!r}: use lower-case letters, digits, - and _")
        SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS_DIR / f"{name}.png"
        page.screenshot(path=path, full_page=full_page, animations="disabled", caret="hide")
        return path

    return take


# People


def demo_staff_create(username: str) -> User:
    """The demo account `username` (trajectories.demo.DEMO_USERS: name, organisation, role), with the
    demo password; its organisation must exist (load the seed first, e.g. the `ovv` fixture)."""
    demo = next((demo for demo in DEMO_USERS if demo.username == username), None)
    if demo is None:
        raise ValueError(f"no demo user {username!r}; one of {[d.username for d in DEMO_USERS]}")
    user = User.objects.create_user(
        demo.username, f"{demo.username}@example.org", DEMO_PASSWORD,
        first_name=demo.first_name, last_name=demo.last_name, is_staff=True,
    )
    save_as(StaffMember(user=user, organisation=Organisation.objects.get(code=demo.organisation), role=demo.role),
            None)
    return user


@pytest.fixture
def stebo_coach(ovv) -> User:
    """Sofie Claes, coach at Stebo in the seed programme OVV; password DEMO_PASSWORD."""
    return demo_staff_create("coach.stebo")


@pytest.fixture
def stebo_coordinator(ovv) -> User:
    """Katrien Vermeulen, coordinator at Stebo (needs the second factor); password DEMO_PASSWORD."""
    return demo_staff_create("coordinator.stebo")


# Signing in and out


def sign_in_form_submit(page: Page, live_server, username: str, password: str) -> None:
    """Fill in the sign-in page as a user would and press its button; wait for the answer."""
    page.goto(live_server.url + reverse("login"))
    page.get_by_label(nl("Username"), exact=True).fill(username)
    page.get_by_label(nl("Password"), exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name=nl("Sign in"), exact=True).click()


def totp_device_confirmed(user: User) -> TOTPDevice:
    """The user's confirmed authenticator, made if there is none (as if enrolled before)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="test authenticator", confirmed=True
    )


def totp_code(device: TOTPDevice) -> str:
    """The code the authenticator app shows now, or the next one if now's was used already: a code
    works once, and the site accepts one step ahead (django-otp's tolerance)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if totp.t() <= device.last_t:
        totp.time = (device.last_t + 1 - device.drift) * device.step + device.t0
    return f"{totp.token():0{device.digits}d}"


def two_factor_pass(page: Page, user: User) -> None:
    """On the two-factor page: type the code of the user's authenticator (made if needed) and press
    the button ("Verify", or "Confirm and continue" where the page offered to enrol an app)."""
    code_field = page.get_by_label(nl("Code from your authenticator app"))
    expect(code_field).to_be_visible()
    code_field.fill(totp_code(totp_device_confirmed(user)))
    button = re.compile(f"^({re.escape(nl('Verify'))}|{re.escape(nl('Confirm and continue'))})$")
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def sign_in(page: Page, live_server, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the sign-in page, and through the two-factor page when the user's role needs it."""
    user = User.objects.get(username=username)
    if two_factor_required(user):
        totp_device_confirmed(user)  # Enrolled before: the site asks for a code, not for enrolment.
    sign_in_form_submit(page, live_server, username, password)
    if two_factor_required(user):
        expect(page).to_have_url(re.compile(re.escape(reverse("two_factor"))))
        two_factor_pass(page, user)
    expect(page).not_to_have_url(re.compile(f"{re.escape(reverse('login'))}|{re.escape(reverse('two_factor'))}"))


def sign_out(page: Page) -> None:
    """Press "Sign out" in the page header."""
    with page.expect_navigation():
        page.get_by_role("banner").get_by_role("button", name=nl("Sign out"), exact=True).click()

