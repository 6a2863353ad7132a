"""The API's documentation page in a real browser: Swagger UI, served from the app itself (no CDN: the
CSP allows 'self' only), reads the schema with the signed-in user's session and lists the endpoints."""

from django.urls import reverse
from playwright.sync_api import Page, expect

from casemgmt.models import User
from tests.browser.conftest import PageLog, sign_in
from trajectories.demo import DEMO_PASSWORD


def test_a_signed_in_coach_reads_the_api_documentation_within_the_csp(page: Page, live_server, stebo_coach: User,
                                                                      page_log: PageLog):
    sign_in(page, live_server, "coach.stebo", DEMO_PASSWORD)

    page.goto(reverse("api_docs"))

    expect(page.get_by_text("casemgmt API").first).to_be_visible()
    for path in ("/api/v1/participants/", "/api/v1/referrals/{id}/accept/", "/api/v1/auth/token/"):
        expect(page.get_by_text(path, exact=True).first).to_be_visible()
    page_log.assert_clean()


def test_signed_out_the_documentation_is_refused(page: Page, live_server):
    response = page.goto(reverse("api_docs"))

    assert response is not None and response.status in (401, 403)
    expect(page.get_by_text("/api/v1/participants/", exact=True)).to_have_count(0)
