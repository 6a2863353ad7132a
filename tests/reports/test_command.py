"""`manage.py report`: JSON, CSV and XLSX, suppressed unless --exact, and a clear error for every
question it cannot answer."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from tests.conftest import rolled_back
from tests.reports.conftest import seeded_ovv
from tests.reports.small_world import build_world, fill, known_funnel

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _world_of_module(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        world = build_world(seeded_ovv())
        known_funnel(world)
        yield world, len(world.trajectories)



def report(*args: str) -> str:
    out = io.StringIO()
    call_command("report", *args, "--language", "en", stdout=out)
    return out.getvalue()


def funnel_json(*extra: str) -> dict:
    return json.loads(report("funnel", "--programme", "OVV", "--as-of", "2017-10-31", "--format", "json", *extra))


def row_of(data: dict, province: str) -> dict:
    return next(row for row in data["rows"] if row["province"] == province)


def test_the_funnel_as_json_hides_small_counts_by_default(world):
    data = funnel_json()

    assert data["suppressed_below"] == 5
    assert row_of(data, "Limburg")["phases"]["1"]["count"] is None
    assert row_of(data, "Limburg")["phases"]["1"]["suppressed"] is True
    assert row_of(data, "Antwerpen")["phases"]["2"]["count"] == 7


def test_the_funnel_as_json_is_exact_with_exact(world):
    data = funnel_json("--exact")

    assert data["suppressed_below"] is None
    assert row_of(data, "Limburg")["phases"]["1"]["count"] == 3
    assert data["total"]["phases"]["1"]["count"] == 10


def test_the_funnel_of_a_period_as_csv(world):
    rows = {row[0]: row for row in csv.reader(io.StringIO(
        report("funnel", "--programme", "ovv", "--period", "1", "--format", "csv"))) if row}

    assert rows["Limburg"][2] == "<5"
    assert rows["Antwerpen"][6] == "7"
    assert rows["Total"][2] == "10"


def test_the_funnel_as_csv_with_exact(world):
    rows = {row[0]: row for row in csv.reader(io.StringIO(
        report("funnel", "--programme", "OVV", "--as-of", "2017-10-31", "--format", "csv", "--exact"))) if row}

    assert rows["Limburg"][2] == "3"


def test_the_funnel_as_xlsx_to_a_file(world, tmp_path):
    target = tmp_path / "funnel.xlsx"

    report("funnel", "--programme", "OVV", "--as-of", "2017-10-31", "--format", "xlsx", "--output", str(target))

    sheet = load_workbook(target).active
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert rows["Limburg"][2] == "<5"
    assert rows["Antwerpen"][6] == 7


def test_the_esf_indicators_as_xlsx_hide_small_counts(world, tmp_path):
    target = tmp_path / "esf.xlsx"

    report("esf", "--programme", "OVV", "--period", "1", "--format", "xlsx", "--output", str(target))

    sheet = load_workbook(target).active
    cells = list(sheet.iter_rows(values_only=True))
    assert ("entered the programme", None, 10) in cells
    assert ("with an incomplete record (grand total only)", None, 0) in cells


def test_the_esf_indicators_as_json_for_a_span(world):
    data = json.loads(report("esf", "--programme", "OVV", "--from", "2017-01-01", "--to", "2017-12-31",
                             "--exact"))

    assert (data["starts_on"], data["ends_on"], data["entered"]) == ("2017-01-01", "2017-12-31", 10)


def test_financing_money_and_double_funding(world):
    fill(world, 4)

    financing = list(csv.reader(io.StringIO(
        report("financing", "--programme", "OVV", "--as-of", "2017-10-31", "--format", "csv"))))
    money = json.loads(report("money", "--programme", "OVV", "--as-of", "2017-10-31"))
    double = json.loads(report("double-funding", "--programme", "OVV", "--exact"))

    assert next(row for row in financing if row and row[0] == "1")[4] == "<5"
    assert money["amount_total"] == "1499998.00"
    assert len(double["overlapping_enrolments"]) == 4


@pytest.mark.parametrize(("args", "message"), [
    (("funnel", "--programme", "NOPE"), "No programme 'NOPE'; the programmes are: LBA, OVV."),
    (("funnel", "--programme", "OVV", "--as-of", "2017-13-01"),
     "--as-of '2017-13-01' is not a date: give it as YYYY-MM-DD, e.g. 2017-10-31."),
    (("funnel", "--programme", "OVV", "--period", "9"), "OVV has no reporting period 9; it has: 1, 2, 3."),
    (("funnel", "--programme", "OVV", "--period", "1", "--as-of", "2017-10-31"),
     "Give either --as-of or --period, not both."),
    (("esf", "--programme", "OVV"), "The ESF report covers a span: give --period N, or --from and --to"),
    (("esf", "--programme", "OVV", "--from", "2017-06-01", "--to", "2017-01-01"), "--to not before --from"),
    (("double-funding", "--programme", "OVV"), "only as JSON, with --exact"),
    (("double-funding", "--programme", "OVV", "--exact", "--format", "csv"), "only as JSON, with --exact"),
])
def test_a_question_the_command_cannot_answer_is_a_clear_error(world, args, message):
    with pytest.raises(CommandError) as error:
        report(*args)

    assert message in str(error.value)
