"""Importing participants from a file: a good CSV or XLSX file is saved whole, with trajectories, phases,
consent, history and encrypted identifiers; a file with any refused row saves nothing and the report names
every refused row (line, column, value, why); the command, the upload page with its progress and report,
and who may import into which programme."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from casemgmt.audit import save_as
from casemgmt.errors import RuleViolation
from casemgmt.identifiers import identifier_decrypt, identifier_hash
from casemgmt.models import AccessLog
from partners.models import ProgrammeRole, StaffMember
from tests.conftest import otp_login
from tests.factories import ProgrammeFactory
from tests.trajectories.conftest import staff
from tests.trajectories.factories import row_counts
from trajectories.imports import participants_import
from trajectories.models import ConsentRecord, ImportJob, Participant, PhaseEntry, Trajectory
from trajectories.services import participant_register
from trajectories.tasks import import_participants

pytestmark = pytest.mark.django_db

IMPORT = reverse("trajectories:participant_import")
TRACKED = (Participant, Trajectory, PhaseEntry, ConsentRecord)


def national_number(born: datetime.date, serial: int) -> str:
    """A valid national register number for someone born on `born` (the mod-97 check of the register)."""
    body = f"{born:%y%m%d}{serial:03d}"
    base = int(("2" if born.year >= 2000 else "") + body)
    return f"{body}{97 - base % 97:02d}"


AMAL = national_number(datetime.date(1985, 7, 30), 33)  # 85073003328, python-stdnum's example
YONAS = national_number(datetime.date(2001, 2, 3), 145)  # born in 2001: starts with a zero

DUTCH_HEADER = ["voornaam", "achternaam", "geboortejaar", "geboortemaand", "geboortedag", "rijksregisternummer",
                "geslacht", "postcode", "fase1", "fase2", "fase3", "fase4"]


def csv_file(rows: list[list[str]], *, header=DUTCH_HEADER, separator: str = ";", bom: bool = True) -> bytes:
    lines = [separator.join(header), *(separator.join(row) for row in rows)]
    return ("\ufeff" if bom else "").encode() + "\r\n".join(lines).encode("utf-8")


GOOD_ROWS = [
    ["Amal", "Haddad", "1985", "7", "30", "85.07.30-033.28", "vrouw", "2000", "10/01/2017", "2017-02-01", "", ""],
    ["Yonas", "Tesfay", "2001", "", "", YONAS, "M", "9000", "15/03/2017", "20/03/2017", "01/04/2017",
     "02/05/2017"],
]


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):  # the assertions read the English texts
        yield


def _import(content: bytes, by, programme, *, filename: str = "deelnemers.csv", **kwargs):
    return participants_import(file=content, filename=filename, programme=programme, by=by, **kwargs)


# The service


def test_a_good_csv_is_imported_with_trajectories_phases_consent_and_history(ovv, coordinator, stebo_coach):
    # when
    report = _import(csv_file(GOOD_ROWS), coordinator, ovv, coach=stebo_coach)

    # then
    assert report.ok and report.rows == 2 and report.imported == 2
    amal = Participant.objects.get(last_name="Haddad")
    assert (amal.birth_year, amal.birth_month, amal.birth_day, amal.gender, amal.postcode) == (
        1985, 7, 30, "female", 2000)
    assert amal.name_key == "amal haddad"
    # the identifier is encrypted and hashed, never stored in plain text
    assert AMAL not in amal.national_number_encrypted
    assert identifier_decrypt(amal.national_number_encrypted) == AMAL
    assert amal.national_number_hash == identifier_hash(AMAL) and amal.national_number_kind == "nn"
    trajectory = Trajectory.objects.get(participant=amal)
    assert trajectory.programme == ovv and trajectory.coach == stebo_coach
    assert [(e.phase, e.entered_on) for e in trajectory.phase_entries.order_by("phase")] == [
        (1, datetime.date(2017, 1, 10)), (2, datetime.date(2017, 2, 1))]
    yonas_trajectory = Trajectory.objects.get(participant__last_name="Tesfay")
    assert yonas_trajectory.phase_entries.count() == 4
    consent = ConsentRecord.objects.get(participant=amal)
    assert consent.purpose == "programme" and consent.given_on == datetime.date(2017, 1, 10)
    # every record has its history row, written by the importer
    for model, count in ((Participant, 2), (Trajectory, 2), (PhaseEntry, 6), (ConsentRecord, 2)):
        history = model.history.all()
        assert history.count() == count, model
        assert {(row.history_type, row.history_user_id) for row in history} == {("+", coordinator.pk)}
    assert not hasattr(Participant.history.model, "national_number_encrypted")
    amal_history = Participant.history.get(id=amal.pk)
    assert (amal_history.first_name, amal_history.name_key, amal_history.national_number_hash) == (
        "Amal", "amal haddad", identifier_hash(AMAL))
    assert amal.created_at is not None and amal_history.history_date is not None
    assert PhaseEntry.history.filter(trajectory_id=trajectory.pk, phase=2).get().recorded_by_id == coordinator.pk


def test_a_coach_imports_into_their_own_caseload_and_a_referrer_as_referrer(ovv, stebo_coach, referrer):
    _import(csv_file(GOOD_ROWS[:1]), stebo_coach, ovv)
    _import(csv_file(GOOD_ROWS[1:]), referrer, ovv)

    by_coach = Trajectory.objects.get(participant__last_name="Haddad")
    by_referrer = Trajectory.objects.get(participant__last_name="Tesfay")
    assert (by_coach.coach, by_coach.referred_by) == (stebo_coach, None)
    assert (by_referrer.coach, by_referrer.referred_by.code, by_referrer.referred_by_user) == (
        None, "idrops", referrer)


def test_a_coach_who_does_not_coach_in_the_programme_is_refused(ovv, coordinator, microstart):
    with pytest.raises(RuleViolation):
        _import(csv_file(GOOD_ROWS), coordinator, ovv, coach=microstart)
    assert Participant.objects.count() == 0


def test_english_headers_comma_separator_and_no_bom_are_read(ovv, coordinator):
    header = ["first_name", "last_name", "birth_year", "gender", "postcode", "phase_1_on", "phase_2_on"]
    content = csv_file([["Sara", "Ahmadi", "1992", "female", "3500", "2017-05-02", "2017-06-01"]],
                       header=header, separator=",", bom=False)

    report = _import(content, coordinator, ovv)

    assert report.ok and report.imported == 1
    assert Participant.objects.get().postcode == 3500


def test_a_csv_saved_by_excel_in_its_own_code_page_is_read(ovv, coordinator):
    content = "voornaam;achternaam;fase1\r\nZoë;Müller;10/01/2017\r\n".encode("cp1252")

    report = _import(content, coordinator, ovv)

    assert report.imported == 1 and str(Participant.objects.get()) == "Zoë Müller"


def test_rows_are_numbered_as_a_spreadsheet_numbers_them(ovv, coordinator):
    content = 'voornaam;achternaam;ondernemingsidee;fase1\r\nA;B;"Een\nfoodtruck";10/01/2017\r\nC;D;;bad\r\n'

    report = _import(content.encode(), coordinator, ovv)

    assert report.refused_lines == [3]


def test_a_good_xlsx_with_real_dates_and_numbers_is_imported(ovv, coordinator):
    # given: a spreadsheet as Excel keeps it: numbers as numbers (the leading zero of a number of
    # someone born in 2001 lost) and dates as dates
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["First name", "Last name", "Birth year", "National number", "Postcode", "Phase 1 on",
                  "Phase 2 on"])
    sheet.append(["Yonas", "Tesfay", 2001, int(YONAS), 9000, datetime.datetime(2017, 3, 15),
                  datetime.date(2017, 3, 20)])
    sheet.append(["Amal", "Haddad", 1985, AMAL, 2000, datetime.date(2017, 1, 10), None])
    sheet.append([None] * 7)  # Excel's empty rows are left out
    buffer = io.BytesIO()
    workbook.save(buffer)

    # when
    report = _import(buffer.getvalue(), coordinator, ovv, filename="deelnemers.xlsx")

    # then
    assert report.ok and report.imported == 2, report.refused
    yonas = Participant.objects.get(last_name="Tesfay")
    assert identifier_decrypt(yonas.national_number_encrypted) == YONAS
    assert list(PhaseEntry.objects.filter(trajectory__participant=yonas).values_list("entered_on", flat=True)
                .order_by("phase")) == [datetime.date(2017, 3, 15), datetime.date(2017, 3, 20)]


def test_a_file_with_refused_rows_saves_nothing_and_reports_each_row(ovv, coordinator):
    # given: someone already registered, and a file with one good row and one problem per other row
    participant_register(by=coordinator, first_name="Maryam", last_name="Karimi", birth_year=1979,
                         birth_month=3, birth_day=12)
    before = row_counts(*TRACKED)
    rows = [
        GOOD_ROWS[0],  # line 2
        ["Bad", "Date", "1990", "", "", "", "", "2000", "31/02/2017", "", "", ""],  # 3
        ["Out", "Oforder", "1990", "", "", "", "", "2000", "01/03/2017", "01/02/2017", "", ""],  # 4
        ["Unknown", "Postcode", "1990", "", "", "", "", "999", "01/03/2017", "", "", ""],  # 5
        ["Same", "Number", "1980", "", "", AMAL, "", "2000", "01/03/2017", "", "", ""],  # 6: as line 2
        ["Máryam", "KARIMI", "1979", "3", "12", "", "", "2000", "01/03/2017", "", "", ""],  # 7: in the DB
        ["Too", "Early", "1990", "", "", "", "", "2000", "01/10/2016", "", "", ""],  # 8: before OVV starts
        ["Gap", "Inphases", "1990", "", "", "", "", "2000", "01/03/2017", "", "01/04/2017", ""],  # 9
        ["Bad", "Number", "1990", "", "", "85.07.30-033.29", "", "2000", "01/03/2017", "", "", ""],  # 10
    ]

    # when
    report = _import(csv_file(rows), coordinator, ovv)

    # then: nothing saved, not even the good row
    assert row_counts(*TRACKED) == before
    assert report.imported == 0 and report.valid == 1
    assert report.refused_lines == [3, 4, 5, 6, 7, 8, 9, 10]
    refused = {row.line: row for row in report.refused}
    assert (refused[3].column, refused[3].value) == ("fase1", "31/02/2017")
    assert "does not exist in the calendar" in refused[3].message and "dd/mm/yyyy" in refused[3].message
    assert refused[4].column == "fase2" and "previous phase was entered later" in refused[4].message
    assert (refused[5].column, refused[5].value) == ("postcode", "999")
    assert "Unknown postcode" in refused[5].message
    assert refused[6].column == "rijksregisternummer" and "line 2" in refused[6].message
    assert refused[6].value.endswith(AMAL[-2:]) and AMAL not in refused[6].value  # masked in the report
    assert "already registered" in refused[7].message and "name and date of birth" in refused[7].message
    assert refused[8].column == "fase1" and "starts on" in refused[8].message
    assert refused[9].column == "fase3" and "phase 2" in refused[9].message
    assert refused[10].column == "rijksregisternummer" and "check digits" in refused[10].message


def test_a_person_already_registered_with_the_same_number_is_refused(ovv, coordinator):
    participant_register(by=coordinator, first_name="Other", last_name="Name", national_number=AMAL)

    report = _import(csv_file(GOOD_ROWS), coordinator, ovv)

    assert report.refused_lines == [2]
    assert report.refused[0].column == "rijksregisternummer" and "already registered" in report.refused[0].message
    assert Participant.objects.count() == 1


def test_a_missing_required_column_refuses_the_file(ovv, coordinator):
    header = [name for name in DUTCH_HEADER if name != "fase1"]
    rows = [[cell for index, cell in enumerate(row) if DUTCH_HEADER[index] != "fase1"] for row in GOOD_ROWS]

    report = _import(csv_file(rows, header=header), coordinator, ovv)

    assert Participant.objects.count() == 0
    assert [(row.line, row.column) for row in report.refused] == [(1, "fase1")]
    assert "phase_1_on" in report.refused[0].message and "missing" in report.refused[0].message


def test_an_unknown_column_refuses_the_file(ovv, coordinator):
    report = _import(csv_file([[*GOOD_ROWS[0], "x"]], header=[*DUTCH_HEADER, "schoenmaat"]), coordinator, ovv)

    assert [(row.line, row.column) for row in report.refused] == [(1, "schoenmaat")]
    assert Participant.objects.count() == 0


def test_a_trial_run_checks_and_saves_nothing(ovv, coordinator):
    report = _import(csv_file(GOOD_ROWS), coordinator, ovv, dry_run=True)

    assert report.ok and report.valid == 2 and report.imported == 0
    assert Participant.objects.count() == 0


def test_progress_is_reported_while_rows_are_checked(ovv, coordinator):
    rows = [["Person", f"Number{index}", "", "", "", "", "", "2000", "10/01/2017", "", "", ""]
            for index in range(1200)]
    seen = []

    report = _import(csv_file(rows), coordinator, ovv, progress=lambda done, total: seen.append((done, total)))

    assert report.imported == 1200
    assert seen == [(500, 1200), (1000, 1200), (1200, 1200)]


# Who may import into which programme


@pytest.fixture
def other_coordinator(orgs):
    """The coordinator of another programme (LBA, coordinated by UNIZO)."""
    lba = ProgrammeFactory(code="LBA")
    save_as(ProgrammeRole(programme=lba, organisation=orgs["unizo"], role=ProgrammeRole.Role.COORDINATION), None)
    return staff("coordinator.unizo", orgs["unizo"], StaffMember.Role.COORDINATOR)


def test_another_programmes_coordinator_cannot_import_into_this_one(ovv, other_coordinator):
    with pytest.raises(RuleViolation):
        _import(csv_file(GOOD_ROWS), other_coordinator, ovv)

    client = Client()
    otp_login(client, other_coordinator)
    response = client.post(IMPORT, {"file": _upload(csv_file(GOOD_ROWS)), "programme": ovv.pk, "consent": "on"})

    assert response.status_code == 400 and "programme" in response.context["form"].errors
    assert Participant.objects.count() == 0 and ImportJob.objects.count() == 0


def test_a_partner_specialist_finds_no_import_page(ovv, microstart):
    client = Client()
    client.force_login(microstart)

    assert client.get(IMPORT).status_code == 404
    assert client.get(reverse("trajectories:participant_import_template")).status_code == 404


def test_the_import_of_another_programme_is_not_found(ovv, coordinator, other_coordinator):
    job = ImportJob.objects.create(programme=ovv, by=coordinator, filename="ovv.csv")
    client = Client()
    otp_login(client, other_coordinator)

    response = client.get(reverse("trajectories:participant_import_job", args=[job.pk]))

    assert response.status_code == 404


# The command


def test_the_command_imports_a_file(ovv, coordinator, stebo_coach, tmp_path, capsys):
    path = tmp_path / "deelnemers.csv"
    path.write_bytes(csv_file(GOOD_ROWS))

    call_command("import_participants", str(path), "--programme", "ovv", "--by", coordinator.username,
                 "--coach", stebo_coach.username)

    assert "2 participants imported into OVV" in capsys.readouterr().out
    assert set(Trajectory.objects.values_list("coach", flat=True)) == {stebo_coach.pk}


def test_the_command_lists_refused_rows_and_fails(ovv, coordinator, tmp_path, capsys):
    path = tmp_path / "deelnemers.csv"
    path.write_bytes(csv_file([GOOD_ROWS[0], ["Bad", "Date", "", "", "", "", "", "", "31/02/2017", "", "", ""]]))

    with pytest.raises(CommandError) as refused:
        call_command("import_participants", str(path), "--programme", "OVV", "--by", coordinator.username)

    assert refused.value.returncode == 1
    out = capsys.readouterr()
    assert "line 3, column fase1 ('31/02/2017')" in out.out
    assert "checked 2 / 2 rows" in out.err
    assert Participant.objects.count() == 0


def test_the_command_checks_only_on_a_dry_run(ovv, coordinator, tmp_path, capsys):
    path = tmp_path / "deelnemers.csv"
    path.write_bytes(csv_file(GOOD_ROWS))

    call_command("import_participants", str(path), "--programme", "OVV", "--by", coordinator.username, "--dry-run")

    assert "all 2 rows can be imported" in capsys.readouterr().out
    assert Participant.objects.count() == 0


# The page


def _upload(content: bytes, name: str = "deelnemers.csv"):
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def signed_in_coordinator(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    otp_login(client, user)
    return client


def test_a_coordinator_uploads_a_small_file_and_sees_it_imported(ovv, coordinator, stebo_coach):
    client = signed_in_coordinator(coordinator)
    assert client.get(IMPORT).status_code == 200

    response = client.post(IMPORT, {"file": _upload(csv_file(GOOD_ROWS)), "programme": ovv.pk,
                                    "coach": stebo_coach.pk, "consent": "on"}, follow=True)

    job = ImportJob.objects.get()
    assert response.redirect_chain[0][0] == reverse("trajectories:participant_import_job", args=[job.pk])
    assert job.status == ImportJob.Status.IMPORTED and job.imported == 2 and job.content == b""
    assert "2 participants imported" in response.content.decode()
    assert set(Trajectory.objects.values_list("coach", flat=True)) == {stebo_coach.pk}


def test_the_page_shows_the_refused_rows_and_logs_the_look(ovv, coordinator):
    client = signed_in_coordinator(coordinator)
    rows = [GOOD_ROWS[0], ["Bad", "Date", "", "", "", "", "", "", "31/02/2017", "", "", ""]]

    response = client.post(IMPORT, {"file": _upload(csv_file(rows)), "programme": ovv.pk, "consent": "on"},
                           follow=True)

    body = response.content.decode()
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REFUSED and job.refused_rows == 1
    assert "Nothing was saved: 1 row refused." in body
    assert "<td>fase1</td>" in body and "31/02/2017" in body
    assert Participant.objects.count() == 0
    assert AccessLog.objects.filter(user=coordinator, object_type="trajectories.ImportJob",
                                    object_id=str(job.pk), action="view").count() == 1


def test_a_large_file_runs_in_the_background_and_the_page_polls_its_progress(
        ovv, coordinator, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr("trajectories.views.imports.SYNC_MAX_BYTES", 10)
    client = signed_in_coordinator(coordinator)

    with django_capture_on_commit_callbacks() as sent:
        response = client.post(IMPORT, {"file": _upload(csv_file(GOOD_ROWS)), "programme": ovv.pk,
                                        "consent": "on"})
    job = ImportJob.objects.get()
    url = reverse("trajectories:participant_import_job", args=[job.pk])
    assert response.status_code == 302 and response["Location"] == url
    assert len(sent) == 1  # the task goes to the worker once the job is committed
    assert job.status == ImportJob.Status.QUEUED and Participant.objects.count() == 0

    waiting = client.get(url, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in waiting.content.decode()
    assert "<html" not in waiting.content.decode()  # only the status part is swapped in

    assert import_participants(job.pk) == ImportJob.Status.IMPORTED  # what the worker does
    assert import_participants(job.pk) == ImportJob.Status.IMPORTED  # run twice: nothing more happens

    done = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and "2 participants imported" in done
    assert Participant.objects.count() == 2


def _refused_job(programme, by, refused: int) -> ImportJob:
    return ImportJob.objects.create(
        programme=programme, by=by, filename="deelnemers.csv", status=ImportJob.Status.REFUSED,
        total_rows=refused, processed_rows=refused, refused_rows=refused,
        report=[{"line": line, "column": "fase1", "value": "31/02/2017", "message": "No such date."}
                for line in range(2, refused + 2)],
    )


def test_the_report_page_runs_the_same_queries_for_2_and_200_refused_rows(ovv, coordinator):
    client = signed_in_coordinator(coordinator)
    counts = []
    for refused in (2, 200):
        job = _refused_job(ovv, coordinator, refused)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("trajectories:participant_import_job", args=[job.pk]))
        assert response.status_code == 200
        assert response.content.decode().count("No such date.") == refused
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_the_upload_page_runs_the_same_queries_for_2_and_10_earlier_imports(ovv, coordinator):
    client = signed_in_coordinator(coordinator)
    counts = []
    for jobs in (2, 10):
        for _ in range(jobs - ImportJob.objects.count()):
            _refused_job(ovv, coordinator, 1)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(IMPORT).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_the_template_lists_the_columns_in_the_users_language(ovv, coordinator):
    client = signed_in_coordinator(coordinator)

    dutch = client.get(reverse("trajectories:participant_import_template"), headers={"Accept-Language": "nl"})

    assert dutch["Content-Type"].startswith("text/csv")
    text = dutch.content.decode("utf-8")
    assert text.startswith("\ufeffvoornaam;achternaam;geboortejaar")
    assert "fase1;fase2;fase3;fase4" in text
