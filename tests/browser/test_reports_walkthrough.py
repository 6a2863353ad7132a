"""A coordinator's look at the reports of OVV in a real browser: sign in with the second factor, open
Reports from the navigation, ask the funnel for 31 October 2017 (exact counts in the table, a chart
per province with its targets and a text alternative), switch to reporting period 1 and download the
CSV (the small counts hidden), then read output financing, the split of the total eligible cost and
the double-funding checks; and a coach finds no reports at all.

The walkthrough also takes the README's screenshot of the funnel (docs/screenshots/reports-funnel.png).
"""

import csv
import re
from pathlib import Path

from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Locator, Page, expect

from casemgmt.models import AccessLog, Phase, Programme, Region, ReportingPeriod, User
from reports.forms import period_label
from tests.browser.conftest import LANGUAGE, PageLog, nl, sign_in
from tests.browser.test_coach_walkthrough import path_is, short_day
from tests.reports.small_world import AS_OF, build_world, enrol, known_funnel
from trajectories.demo import DEMO_PASSWORD
from trajectories.models import Participant

PASSWORD = "correct-horse-battery-staple"  # the factories' password (tests/factories.py)
OVV = "OVV"
# known_funnel's figures: 3 people in Limburg who reached phase 1 (target 184), 7 in Antwerpen who
# reached phase 2; the total of phase 1 is 10.
LIMBURG_PHASE_1 = 3
LIMBURG_TARGET_1 = 184
ANTWERPEN_PHASE_2 = 7
TOTAL_PHASE_1 = 10
HIDDEN = "<5"
# The total eligible cost of OVV, and the advance paid for period 1, as a Dutch page writes them.
TSK = "1.499.998,00"
ADVANCE_PERIOD_1 = "314.999,75"


# What the page shows, in the browser's language


def phase_name(phase: int) -> str:
    with translation.override(LANGUAGE):
        return str(Phase(phase).label)


def period_choice(period: ReportingPeriod) -> str:
    """A reporting period as the funnel's choice lists it, e.g. "1 (1-11-2016 tot 31-10-2017)"."""
    with translation.override(LANGUAGE):
        return str(period_label(period))


def chart_title(region: str) -> str:
    return nl("%(region)s: participants per phase against the target") % {"region": region}


# Finding things on the report pages


def funnel_table(page: Page) -> Locator:
    return page.get_by_role("table", name=nl("Participants per region and phase, against the target"))


def funnel_cells(table: Locator, region: str) -> Locator:
    """The cells of a region's row: the NIS code, then count, target, share and conversion per phase."""
    row = table.get_by_role("row").filter(has=table.page.get_by_role("rowheader", name=region, exact=True))
    return row.get_by_role("cell")


def count_cell(cells: Locator, phase: int) -> Locator:
    return cells.nth(1 + 4 * (phase - 1))


def target_cell(cells: Locator, phase: int) -> Locator:
    return cells.nth(2 + 4 * (phase - 1))


def report_nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name=nl("Reports of %(code)s") % {"code": OVV}, exact=True)


def report_open(page: Page, title_msgid: str) -> None:
    """Follow the link to another report of OVV; it opens as the current one."""
    link = report_nav(page).get_by_role("link", name=nl(title_msgid), exact=True)
    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(nl(title_msgid))
    expect(link).to_have_attribute("aria-current", "page")


def date_ask(page: Page, form_name: str, on: str) -> None:
    form = page.get_by_role("form", name=form_name, exact=True)
    form.get_by_label(nl("Report date"), exact=True).fill(on)
    with page.expect_navigation():
        form.get_by_role("button", name=nl("Show"), exact=True).click()


def csv_rows(path: Path) -> dict[str, list[str]]:
    """The rows of a downloaded CSV by their first cell (a byte-order mark leads, for spreadsheets)."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        return {row[0]: row for row in csv.reader(file) if row}


# The walkthrough


def test_coordinator_reads_the_funnel_downloads_it_suppressed_and_checks_the_money(
    page: Page, live_server, ovv: Programme, page_log: PageLog, screenshot
):
    # given: OVV as seeded, LBA coordinated by another organisation, the known funnel, and one of
    # Limburg's people enrolled in LBA over the same dates (a case for the double-funding checks)
    world = build_world(ovv)
    known_funnel(world)
    limburg0 = Participant.objects.get(last_name="Limburg0")
    enrol(world.lba, world.coach, last_name="", postcode=None, phase=1, participant=limburg0)
    coordinator: User = world.users["coordinator"]
    period_1 = ReportingPeriod.objects.get(programme=ovv, number=1)

    # (1) the coordinator signs in, second factor included, and opens Reports from the navigation
    sign_in(page, live_server, coordinator.username, PASSWORD)
    nav = page.get_by_role("navigation", name=nl("Main"), exact=True)
    nav.get_by_role("link", name=nl("Reports"), exact=True).click()
    expect(page).to_have_url(path_is(live_server, reverse("reports:index")))
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Reports"))
    expect(nav.get_by_role("link", name=nl("Reports"), exact=True)).to_have_attribute("aria-current", "page")
    # only the programme Stebo coordinates
    expect(page.get_by_role("heading", level=2)).to_have_text(f"{OVV} · {ovv.name}")
    expect(page.get_by_text(world.lba.name)).to_have_count(0)
    page_log.assert_clean()

    # (2) opens the funnel and asks for 31 October 2017
    page.get_by_role("link", name=nl("Funnel"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(nl("Funnel"))
    date_ask(page, nl("The funnel on a date"), AS_OF.isoformat())

    # then: the table with the exact counts, nothing hidden on screen
    expect(page).to_have_url(re.compile(re.escape(
        live_server.url + reverse("reports:funnel", args=[OVV]) + f"?as_of={AS_OF.isoformat()}") + "$"))
    expect(page.get_by_role("status")).to_have_text(
        nl("Who had reached each phase by %(date)s.") % {"date": short_day(AS_OF)})
    table = funnel_table(page)
    limburg = funnel_cells(table, "Limburg")
    expect(count_cell(limburg, 1)).to_have_text(str(LIMBURG_PHASE_1))
    expect(target_cell(limburg, 1)).to_have_text(str(LIMBURG_TARGET_1))
    expect(count_cell(limburg, 2)).to_have_text("0")
    expect(count_cell(funnel_cells(table, "Antwerpen"), 2)).to_have_text(str(ANTWERPEN_PHASE_2))
    expect(count_cell(funnel_cells(table, nl("Total")), 1)).to_have_text(str(TOTAL_PHASE_1))
    expect(table).not_to_contain_text(HIDDEN)

    # and a chart per province and one for the total, each named, with the targets marked
    provinces = list(Region.objects.filter(kind=Region.Kind.PROVINCE).order_by("sort_order")
                     .values_list("name", flat=True))
    charts = page.locator("figure.chart svg")
    expect(charts).to_have_count(len(provinces) + 1)
    for region in [*provinces, nl("Total")]:
        chart = page.get_by_role("img", name=re.compile(f"^{re.escape(chart_title(region))}"))
        expect(chart).to_have_count(1)
        expect(chart.locator("title")).to_have_text(chart_title(region))
        expect(chart.locator("rect.bar")).to_have_count(len(Phase))
        expect(chart.locator("line.target")).to_have_count(len(Phase))  # every phase has a target
    limburg_chart = page.get_by_role("img", name=re.compile(f"^{re.escape(chart_title('Limburg'))}"))
    expect(limburg_chart).to_have_accessible_name(re.compile(re.escape(
        nl("phase %(phase)d %(name)s: %(count)s of a target of %(target)d")
        % {"phase": 1, "name": phase_name(1), "count": LIMBURG_PHASE_1, "target": LIMBURG_TARGET_1})))
    page_log.assert_clean()
    screenshot("reports-funnel", full_page=True)

    # (3) switches to reporting period 1
    period_form = page.get_by_role("form", name=nl("The funnel within a reporting period"), exact=True)
    period_form.get_by_label(nl("Reporting period"), exact=True).select_option(label=period_choice(period_1))
    with page.expect_navigation():
        period_form.get_by_role("button", name=nl("Show"), exact=True).click()
    expect(page.get_by_role("status")).to_have_text(
        nl("Reporting period %(number)s: who reached each phase from %(start)s to %(end)s.")
        % {"number": 1, "start": short_day(period_1.starts_on), "end": short_day(period_1.ends_on)})
    table = funnel_table(page)
    expect(count_cell(funnel_cells(table, "Limburg"), 1)).to_have_text(str(LIMBURG_PHASE_1))
    expect(count_cell(funnel_cells(table, nl("Total")), 1)).to_have_text(str(TOTAL_PHASE_1))

    # (4) downloads the CSV: the download leaves the organisation, so Limburg's 3 is hidden, and so is
    # Antwerpen's phase-1 count, from which the total would give it away
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == f"{OVV}-funnel-period-1.csv"
    rows = csv_rows(download.path())
    assert rows["Limburg"][2] == HIDDEN
    assert rows["Antwerpen"][2] == HIDDEN
    assert rows["Antwerpen"][6] == str(ANTWERPEN_PHASE_2)
    assert rows[nl("Total")][2] == str(TOTAL_PHASE_1)
    assert AccessLog.objects.filter(user=coordinator, action=AccessLog.Action.REPORT,
                                    object_type="reports.funnel").count() == 1
    page_log.assert_clean()

    # (5) output financing: the formula, and a line per reporting period and for the whole programme
    report_open(page, "Output financing")
    expect(page.get_by_role("heading", name=nl("How the amount is computed"), exact=True)).to_be_visible()
    financing = page.get_by_role("table", name=nl("Outflow and output financing per reporting period"))
    periods = ReportingPeriod.objects.filter(programme=ovv).count()
    expect(financing.locator("tbody").get_by_role("row")).to_have_count(periods + 1)
    expect(financing.get_by_role("rowheader", name=nl("Whole programme"), exact=True)).to_be_visible()
    page_log.assert_clean()

    # (6) the money: the total eligible cost split by FTE to the cent, and the advance received
    report_open(page, "Total eligible cost and payments")
    date_ask(page, nl("Report date"), AS_OF.isoformat())
    expect(page.get_by_role("status")).to_have_text(nl("Total eligible cost (TSK): EUR %(total)s.") % {"total": TSK})
    split = page.get_by_role(
        "table", name=nl("FTE per year and the share of the total eligible cost per partner"))
    split_total = split.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=nl("Total"), exact=True))
    expect(split_total.get_by_role("strong")).to_have_text(TSK)
    payments = page.get_by_role("table", name=nl("Payments per reporting period"))
    period_1_dates = f"({short_day(period_1.starts_on)} – {short_day(period_1.ends_on)})"
    expect(payments.get_by_role("row").filter(has_text=period_1_dates)).to_contain_text(ADVANCE_PERIOD_1)
    page_log.assert_clean()

    # (7) double funding: the person in both programmes is named and linked; the other checks are clear
    report_open(page, "Double funding")
    overlap = page.get_by_role("region", name=nl("Participants in another programme over the same dates"))
    person = overlap.get_by_role("link", name="Person Limburg0", exact=True)
    expect(person).to_have_attribute("href", reverse("trajectories:participant_detail", args=[limburg0.pk]))
    expect(overlap).to_contain_text(world.lba.code)
    for clear in (
        "All clear: every attendance belongs to a trajectory of the session's own programme.",
        "All clear: no coaching hour is claimed by two programmes.",
        "All clear: nobody’s time is claimed for more than a whole FTE.",
    ):
        expect(page.get_by_text(nl(clear), exact=True)).to_be_visible()
    # a page that names people: the look is logged
    assert AccessLog.objects.filter(user=coordinator, action=AccessLog.Action.VIEW,
                                    object_type="reports.double_funding").count() == 1
    page_log.assert_clean()


def test_coach_finds_no_reports_link_and_gets_404(
    page: Page, live_server, ovv: Programme, stebo_coach: User, page_log: PageLog
):
    # given
    sign_in(page, live_server, stebo_coach.username, DEMO_PASSWORD)

    # then: the navigation has no Reports, and the pages answer "not found"
    nav = page.get_by_role("navigation", name=nl("Main"), exact=True)
    expect(nav.get_by_role("link", name=nl("Caseload"), exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name=nl("Reports"), exact=True)).to_have_count(0)
    for address in (reverse("reports:index"), reverse("reports:funnel", args=[OVV])):
        response = page.goto(live_server.url + address)
        assert response is not None and response.status == 404, address
        expect(page.get_by_role("table")).to_have_count(0)
    page_log.assert_clean()
