"""The report pages: who may open them, exact counts on screen and suppressed ones in the downloads,
every download (and every view of a page that names people) logged, bad input refused with a clear
message, and a fixed number of queries whatever the number of participants."""

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from casemgmt.models import AccessLog
from tests.conftest import otp_login, rolled_back
from tests.reports.conftest import seeded_ovv
from tests.reports.small_world import AS_OF, World, build_world, fill, known_funnel

pytestmark = pytest.mark.django_db

PAGES = ("funnel", "financing", "money", "double_funding", "esf")
DOWNLOADS = ("funnel", "financing", "money", "esf")
# The question each page is asked in these tests.
QUERIES = {
    "funnel": {"as_of": AS_OF.isoformat()},
    "financing": {"as_of": AS_OF.isoformat()},
    "money": {"as_of": AS_OF.isoformat()},
    "double_funding": {},
    "esf": {"period": 1},
}


@pytest.fixture(scope="module")
def _world_of_module(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        world = build_world(seeded_ovv())
        yield world, len(world.trajectories)



def client_for(world: World, role: str) -> Client:
    client = Client(headers={"Accept-Language": "en"})  # the assertions read the English texts
    user = world.users[role]
    if role in ("coordinator", "other_coordinator", "auditor", "admin"):
        otp_login(client, user)  # these roles must give the second factor
    else:
        client.force_login(user)
    return client


def url(page: str, code: str = "OVV") -> str:
    return reverse(f"reports:{page}", kwargs={"code": code})


def row_of(report, code: str):
    return next(row for row in report.rows if row.code == code)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def report_logs(kind: str, action: str = AccessLog.Action.REPORT):
    return AccessLog.objects.filter(action=action, object_type=f"reports.{kind}")


# Who may open the pages


@pytest.mark.parametrize("page", PAGES)
def test_a_coordinator_sees_each_report_of_their_programme(world, page):
    fill(world, 3)

    response = client_for(world, "coordinator").get(url(page), QUERIES[page])

    assert response.status_code == 200
    assert response.context["programme"] == world.ovv


def test_the_index_lists_the_programmes_a_coordinator_coordinates_with_their_reports(world):
    response = client_for(world, "coordinator").get(reverse("reports:index"))

    assert response.status_code == 200
    assert list(response.context["programmes"]) == [world.ovv]
    body = response.content.decode()
    for page in PAGES:
        assert url(page) in body
    assert url("funnel", "LBA") not in body


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_auditors_and_admins_see_the_reports_of_every_programme(world, role):
    client = client_for(world, role)

    index = client.get(reverse("reports:index"))
    assert sorted(p.code for p in index.context["programmes"]) == ["LBA", "OVV"]
    for code in ("OVV", "LBA"):
        for page in PAGES:
            # LBA has no reporting periods: its ESF indicators are asked for a span of dates.
            query = {"from": "2016-11-01", "to": "2017-10-31"} if page == "esf" else QUERIES[page]
            assert client.get(url(page, code), query).status_code == 200, (code, page)


@pytest.mark.parametrize("role", ["coach", "partner", "referrer"])
def test_other_roles_find_no_report_pages(world, role):
    client = client_for(world, role)

    assert client.get(reverse("reports:index")).status_code == 404
    for page in PAGES:
        assert client.get(url(page), QUERIES[page]).status_code == 404, page
        assert client.get(url(page), {**QUERIES[page], "format": "csv"}).status_code == 404, page
    assert not AccessLog.objects.filter(action=AccessLog.Action.REPORT).exists()


def test_a_coordinator_of_another_programme_finds_no_report_of_ovv(world):
    client = client_for(world, "other_coordinator")

    for page in PAGES:
        assert client.get(url(page), QUERIES[page]).status_code == 404, page
    assert client.get(url("funnel", "LBA"), QUERIES["funnel"]).status_code == 200
    assert AccessLog.objects.filter(action=AccessLog.Action.DENIED, object_id="OVV").count() == len(PAGES)


def test_an_unknown_programme_is_a_404(world):
    assert client_for(world, "auditor").get(url("funnel", "NOPE")).status_code == 404


def test_a_signed_out_visitor_is_sent_to_sign_in(world):
    for address in (reverse("reports:index"), url("funnel"), url("esf")):
        response = Client().get(address)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_navigation_links_to_the_reports_for_the_roles_that_see_them(world):
    link = f'href="{reverse("reports:index")}"'

    assert link in client_for(world, "coordinator").get(reverse("trajectories:caseload")).content.decode()
    assert link not in client_for(world, "coach").get(reverse("trajectories:caseload")).content.decode()


# Exact on screen, suppressed in downloads


def test_the_funnel_shows_a_coordinator_exact_counts(world):
    known_funnel(world)

    response = client_for(world, "coordinator").get(url("funnel"), {"as_of": AS_OF.isoformat()})

    report = response.context["report"]
    assert report.suppressed_below is None
    assert row_of(report, "limburg").cells[1].count == 3
    assert row_of(report, "antwerpen").cells[2].count == 7
    assert report.total.cells[1].count == 10
    body = response.content.decode()
    assert "&lt;5" not in body
    # The target of Limburg's phase 1 and the warning about the stated phase-3 total
    assert "184" in body and "the regional targets add up to 601, the programme states 600" in body
    # A chart per province (and the total), each with its text alternative
    assert body.count('role="img"') == 6
    assert "Limburg: participants per phase against the target" in body
    assert "phase 1 sensitisation: 3 of a target of 184" in body


def test_the_funnel_of_a_reporting_period_counts_who_reached_a_phase_within_it(world):
    known_funnel(world)

    response = client_for(world, "coordinator").get(url("funnel"), {"period": 2})

    assert response.status_code == 200
    report = response.context["report"]
    assert report.period.number == 2
    assert report.total.cells[1].count == 0  # all of them were reached in period 1


def test_the_funnel_csv_hides_small_counts_and_is_logged(world):
    known_funnel(world)
    client = client_for(world, "coordinator")

    response = client.get(url("funnel"), {"as_of": AS_OF.isoformat(), "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="OVV-funnel-2017-10-31.csv"'
    rows = {row[0]: row for row in csv_rows(response) if row}
    assert rows["Limburg"][2] == "<5"  # 3 on screen
    assert rows["Antwerpen"][2] == "<5"  # the second cell: the total would reveal Limburg's 3
    assert rows["Antwerpen"][6] == "7"
    assert rows["Total"][2] == "10"
    log = report_logs("funnel").get()
    assert (log.user, log.object_id) == (world.users["coordinator"], str(world.ovv.pk))


def test_the_funnel_xlsx_hides_small_counts_and_is_logged(world):
    known_funnel(world)

    response = client_for(world, "coordinator").get(url("funnel"), {"period": 1, "format": "xlsx"})

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="OVV-funnel-period-1.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert rows["Limburg"][2] == "<5"
    assert rows["Antwerpen"][6] == 7
    assert report_logs("funnel").count() == 1


@pytest.mark.parametrize("form", ["csv", "xlsx"])
@pytest.mark.parametrize("page", DOWNLOADS)
def test_every_download_is_a_file_named_after_the_report_and_logged_once(world, page, form):
    fill(world, 3)

    response = client_for(world, "auditor").get(url(page), {**QUERIES[page], "format": form})

    assert response.status_code == 200
    stamp = "period-1" if page == "esf" else "2017-10-31"
    assert response["Content-Disposition"] == f'attachment; filename="OVV-{page}-{stamp}.{form}"'
    assert report_logs(page).count() == 1
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEW).exists()


def test_the_esf_csv_hides_small_counts_the_page_shows(world):
    fill(world, 3)
    client = client_for(world, "coordinator")

    page = client.get(url("esf"), {"period": 1})
    download = client.get(url("esf"), {"period": 1, "format": "csv"})

    assert page.context["report"].entered == 3
    assert ["entered the programme", "", "<5"] in csv_rows(download)


def test_the_financing_csv_hides_small_counts_the_page_shows(world):
    fill(world, 4)  # one finished guidance and started as self-employed
    client = client_for(world, "coordinator")

    page = client.get(url("financing"), {"as_of": AS_OF.isoformat()})
    download = client.get(url("financing"), {"as_of": AS_OF.isoformat(), "format": "csv"})

    first = page.context["report"].periods[0]
    assert (first.finished, first.started) == (1, 1)
    rows = csv_rows(download)
    period_one = next(row for row in rows if row and row[0] == "1")
    assert period_one[4:6] == ["<5", "<5"]
    # The rate, and the factor, output part and amount computed from it, would give the started away.
    assert period_one[8] == "<5" and period_one[10] == "<5" and period_one[12:14] == ["<5", "<5"]
    assert period_one[11] != "<5"  # the input part follows from the budget alone
    whole = next(row for row in rows if row and row[0] == "whole programme")
    assert whole[4:6] == ["<5", "<5"] and whole[12:14] == ["<5", "<5"]


def test_the_financing_page_states_the_formula(world):
    body = client_for(world, "coordinator").get(url("financing")).content.decode()

    assert "linear up to the target" in body
    assert "How the amount is computed" in body


def test_the_money_page_splits_the_tsk_to_the_cent_and_warns_about_the_sources_rounding(world):
    response = client_for(world, "coordinator").get(url("money"), {"as_of": AS_OF.isoformat()})

    split = response.context["split"]
    assert str(split.amount_total) == "1499998.00"
    body = response.content.decode()
    assert "the partners&#x27; FTEs add up to 10.97, the programme states 10.98" in body
    assert "The stated shares add up to 99.98%" in body
    assert "314,999.75" in body  # the advance for period 1


def test_the_double_funding_page_points_at_the_records_and_is_logged(world):
    fill(world, 2)
    trajectory = world.trajectories[0]

    response = client_for(world, "coordinator").get(url("double_funding"))

    body = response.content.decode()
    assert reverse("trajectories:participant_detail", args=[trajectory.participant_id]) in body
    assert "Person Number000" in body
    assert reverse("admin:trajectories_trajectory_change", args=[trajectory.pk]) in body
    assert "/admin/trajectories/session/" in body and "/admin/partners/staffallocation/" in body
    log = report_logs("double_funding", AccessLog.Action.VIEW).get()
    assert log.user == world.users["coordinator"]


def test_the_double_funding_page_says_all_clear_for_each_empty_list(world):
    body = client_for(world, "coordinator").get(url("double_funding")).content.decode()

    assert body.count("All clear") == 4


def test_the_esf_page_lists_incomplete_records_by_name_and_is_logged(world):
    fill(world, 2)  # Number001 lacks education
    incomplete = world.trajectories[1].participant

    response = client_for(world, "coordinator").get(url("esf"), {"from": "2017-01-01", "to": "2017-12-31"})

    body = response.content.decode()
    assert response.context["report"].incomplete == 1
    assert reverse("trajectories:participant_detail", args=[incomplete.pk]) in body
    assert "Person Number001" in body and "education (ISCED)" in body
    assert report_logs("esf", AccessLog.Action.VIEW).count() == 1


# Bad input


@pytest.mark.parametrize(("page", "query", "field", "message"), [
    ("funnel", {"as_of": "2017-13-01"}, "as_of", "This is not a date: give it as YYYY-MM-DD, e.g. 2017-10-31."),
    ("funnel", {"as_of": "31/10/2017"}, "as_of", "This is not a date: give it as YYYY-MM-DD, e.g. 2017-10-31."),
    ("funnel", {"period": 9}, "period", "This programme has no reporting period “9”: choose one of the list."),
    ("funnel", {"as_of": "2017-10-31", "period": 1}, "__all__",
     "Give either a report date or a reporting period, not both."),
    ("financing", {"as_of": "yesterday"}, "as_of", "This is not a date: give it as YYYY-MM-DD, e.g. 2017-10-31."),
    ("money", {"as_of": "2017-02-30"}, "as_of", "This is not a date: give it as YYYY-MM-DD, e.g. 2017-10-31."),
    ("esf", {"from": "2017-06-01", "to": "2017-01-01"}, "to",
     "The last day (2017-01-01) lies before the first day (2017-06-01): give a last day on or after the first."),
    ("esf", {"from": "2017-06-01"}, "to", "Give the last day too, as YYYY-MM-DD."),
    ("esf", {"period": "x"}, "period", "This programme has no reporting period “x”: choose one of the list."),
    ("funnel", {"as_of": "2017-10-31", "format": "pdf"}, "format",
     "“pdf” is not a download format: choose csv or xlsx."),
])
def test_bad_input_is_refused_with_a_clear_message_and_nothing_computed(world, page, query, field, message):
    response = client_for(world, "coordinator").get(url(page), query)

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert response.context["report"] is None
    assert "The report was not made" in response.content.decode()
    assert not AccessLog.objects.filter(action=AccessLog.Action.REPORT).exists()


def test_a_download_with_a_bad_date_is_refused_as_a_page(world):
    response = client_for(world, "coordinator").get(url("funnel"), {"as_of": "2017-13-01", "format": "csv"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert not report_logs("funnel").exists()


# Queries: the same at two sizes


def _queries(client: Client, page: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url(page), QUERIES[page])
    assert response.status_code == 200
    return len(context.captured_queries)


# What each page runs, at most: the session, the user, the second factor, the staff member, the
# programme, the report's own queries (the funnel's targets and regions, the periods for the forms,
# the double-funding lists and the names they point at), the access log where there is one, the
# reminders' count in the navigation, and the session saved.
BUDGETS = {"funnel": 15, "financing": 11, "money": 12, "double_funding": 17, "esf": 15}


@pytest.mark.parametrize("page", PAGES)
def test_each_page_runs_the_same_queries_at_two_sizes(world, page):
    client = client_for(world, "coordinator")
    fill(world, 4)
    small = _queries(client, page)

    fill(world, 12, start=4)
    large = _queries(client, page)

    assert small == large
    assert large <= BUDGETS[page]


@pytest.mark.parametrize("page", DOWNLOADS)
def test_each_download_runs_the_same_queries_at_two_sizes(world, page):
    client = client_for(world, "coordinator")
    fill(world, 4)
    with CaptureQueriesContext(connection) as small:
        client.get(url(page), {**QUERIES[page], "format": "csv"})

    fill(world, 12, start=4)
    with CaptureQueriesContext(connection) as large:
        client.get(url(page), {**QUERIES[page], "format": "csv"})

    assert len(small.captured_queries) == len(large.captured_queries)
