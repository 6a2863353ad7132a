"""Signing in and out in a real browser: a coach reaches the caseload, a wrong password is told so, a
coordinator passes the second factor, and the pages load their styles and scripts within the CSP."""

import re

from django.contrib.auth.forms import AuthenticationForm
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, Response, expect

from casemgmt.models import User
from tests.browser.conftest import (
    PageLog,
    nl,
    sign_in,
    sign_in_form_submit,
    sign_out,
    totp_device_confirmed,
    two_factor_pass,
)
from trajectories.demo import DEMO_PASSWORD


def _path_is(live_server, path: str) -> re.Pattern[str]:
    return re.compile(re.escape(live_server.url + path) + r"(\?.*)?$")


def test_coach_signs_in_and_lands_on_the_caseload(page: Page, live_server, stebo_coach: User,
                                                  page_log: PageLog):
    # when
    sign_in(page, live_server, "coach.stebo", DEMO_PASSWORD)

    # then
    expect(page).to_have_url(_path_is(live_server, reverse("trajectories:caseload")))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Sofie Claes")
    page_log.assert_clean()


def test_wrong_password_is_told_and_keeps_the_user_out(page: Page, live_server, stebo_coach: User,
                                                        page_log: PageLog):
    # when
    sign_in_form_submit(page, live_server, "coach.stebo", "not-the-password")

    # then
    with translation.override("nl"):
        message = AuthenticationForm.error_messages["invalid_login"] % {
            "username": User._meta.get_field("username").verbose_name
        }
    expect(page.get_by_role("alert")).to_contain_text(message)
    expect(page).to_have_url(_path_is(live_server, reverse("login")))
    expect(page.get_by_role("button", name=nl("Sign out"), exact=True)).to_have_count(0)
    page_log.assert_clean()


def test_coordinator_gives_the_second_factor_then_reaches_the_caseload(
    page: Page, live_server, stebo_coordinator: User, page_log: PageLog
):
    # given: the coordinator enrolled an authenticator app before
    totp_device_confirmed(stebo_coordinator)

    # when
    sign_in_form_submit(page, live_server, "coordinator.stebo", DEMO_PASSWORD)

    # then: the password alone does not open the workspace
    expect(page).to_have_url(_path_is(live_server, reverse("two_factor")))
    expect(page.get_by_label(nl("Code from your authenticator app"))).to_be_visible()

    # when
    two_factor_pass(page, stebo_coordinator)

    # then
    expect(page).to_have_url(_path_is(live_server, reverse("trajectories:caseload")))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Katrien Vermeulen")
    page_log.assert_clean()


def test_sign_out_in_the_header_ends_the_session(page: Page, live_server, stebo_coach: User,
                                                 page_log: PageLog):
    # given
    sign_in(page, live_server, "coach.stebo", DEMO_PASSWORD)

    # when
    sign_out(page)

    # then: back at the sign-in page, and the caseload asks to sign in again
    expect(page).to_have_url(_path_is(live_server, reverse("login")))
    expect(page.get_by_role("button", name=nl("Sign in"), exact=True)).to_be_visible()
    page.goto(live_server.url + reverse("trajectories:caseload"))
    expect(page).to_have_url(_path_is(live_server, reverse("login")))
    expect(page.get_by_role("button", name=nl("Sign out"), exact=True)).to_have_count(0)
    page_log.assert_clean()


def test_sign_in_page_loads_its_stylesheet_and_htmx(page: Page, live_server, page_log: PageLog):
    # given
    static: list[Response] = []
    page.on("response", lambda response: "/static/" in response.url and static.append(response))

    # when
    page.goto(live_server.url + reverse("login"))
    page.wait_for_load_state("load")

    # then: the workspace stylesheet and htmx came from the static files and took effect
    stylesheets = [r.url for r in static if r.request.resource_type == "stylesheet" and r.ok]
    scripts = [r.url for r in static if r.request.resource_type == "script" and r.ok]
    assert any(url.endswith("/css/workspace.css") for url in stylesheets), f"static responses: {static}"
    assert any("htmx" in url for url in scripts), f"static responses: {static}"
    assert page.evaluate("() => typeof window.htmx") == "object"
    rules = page.evaluate(
        "() => [...document.styleSheets].filter(s => s.href && s.href.endsWith('/css/workspace.css'))"
        ".map(s => s.cssRules.length)"
    )
    assert rules and rules[0] > 0, "the workspace stylesheet has no rules in the page"
    page_log.assert_clean()
