"""Importing participants in a real browser: a coach uploads a spreadsheet with one wrong date, reads which
row is refused and why while nothing is saved, corrects it and imports the whole file; a file too large
to import while the page waits goes to a worker, and the page follows the job until it is done."""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from casemgmt.models import Programme, User
from tests.browser.conftest import LANGUAGE, PageLog, nl, sign_in
from tests.conftest import service_missing
from trajectories import tasks
from trajectories.models import ImportJob, Participant
from trajectories.views import imports

HEADER = "voornaam;achternaam;geboortejaar;postcode;fase1;fase2\n"
AMIRA = "Amira;Haddad;1990;2000;15/01/2017;02/02/2017\n"


def _upload(page: Page, tmp_path, name: str, content: str, programme: Programme) -> None:
    path = tmp_path / name
    path.write_text(HEADER + content, encoding="utf-8")
    page.goto(reverse("trajectories:participant_import"))
    page.locator("#id_file").set_input_files(path)
    page.locator("#id_programme").select_option(str(programme.pk))
    page.locator("#id_consent").check()
    page.get_by_role("button", name=nl("Import"), exact=True).click()


def test_a_coach_sees_the_refused_row_corrects_it_and_imports_the_file(
    page: Page, live_server, stebo_coach: User, ovv: Programme, page_log: PageLog, tmp_path
):
    sign_in(page, live_server, "coach.stebo")

    _upload(page, tmp_path, "deelnemers.csv", AMIRA + "Yusuf;Karimi;1985;9000;31/02/2017;\n", ovv)

    report = page.locator("#import-status")
    expect(report.get_by_role("alert")).to_be_visible()
    refused = report.get_by_role("row").filter(has_text="31/02/2017")
    expect(refused).to_have_count(1)
    expect(refused.get_by_role("cell").first).to_have_text("3")  # the spreadsheet's line of Yusuf
    expect(refused).to_contain_text("fase1")
    assert not Participant.objects.filter(last_name__in=["Haddad", "Karimi"]).exists()  # nothing half-imported

    _upload(page, tmp_path, "deelnemers-verbeterd.csv", AMIRA + "Yusuf;Karimi;1985;9000;28/02/2017;\n", ovv)

    expect(page.locator("#import-status").get_by_role("status")).to_be_visible()
    imported = Participant.objects.filter(last_name__in=["Haddad", "Karimi"])
    assert sorted(imported.values_list("first_name", flat=True)) == ["Amira", "Yusuf"]
    amira = imported.get(first_name="Amira").trajectories.get()
    assert sorted(amira.phase_entries.values_list("phase", flat=True)) == [1, 2]
    assert amira.coach == stebo_coach
    page_log.assert_clean()


def test_the_page_follows_a_queued_import_until_it_is_done_without_reloading(
    page: Page, live_server, stebo_coach: User, ovv: Programme, page_log: PageLog, tmp_path,
    monkeypatch: pytest.MonkeyPatch,
):
    # The page asks for the job's state every 2 s while this test writes: on SQLite the live server and
    # the test share one in-memory connection, which must not be used by both at once.
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    # given: files over 100 bytes go to a worker (the task is sent to the test's in-memory broker)
    monkeypatch.setattr(imports, "SYNC_MAX_BYTES", 100)
    sign_in(page, live_server, "coach.stebo")
    _upload(page, tmp_path, "groot.csv", AMIRA + "Yusuf;Karimi;1985;9000;28/02/2017;\n", ovv)

    # then: the job's page says it waits, and asks again every 2 s
    status = page.locator("#import-status")
    expect(status).to_contain_text(nl("Waiting for the import to start…"))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.QUEUED
    assert not Participant.objects.filter(last_name__in=["Haddad", "Karimi"]).exists()
    address = page.url
    page.evaluate("window.notReloaded = true")

    # when: the worker runs the task
    assert tasks.import_participants(job.pk) == ImportJob.Status.IMPORTED

    # then: the same page, not reloaded, shows the outcome and stops asking
    with translation.override(LANGUAGE):
        done = translation.ngettext(
            "%(counter)s participant imported, each with a trajectory, phases and consent.",
            "%(counter)s participants imported, each with a trajectory, phases and consent.", 2,
        ) % {"counter": 2}
    expect(status.get_by_role("status")).to_have_text(done, timeout=10_000)
    assert page.evaluate("window.notReloaded") is True
    assert page.url == address
    assert page.locator("#import-status[hx-trigger]").count() == 0
    assert Participant.objects.filter(last_name__in=["Haddad", "Karimi"]).count() == 2
    page_log.assert_clean()
