"""Reports as tables, and tables as CSV or XLSX files: what a coordinator downloads and the command writes.

Downloads leave the organisation, so callers pass reports computed with suppression; a hidden count is
written as "<5" (the threshold), never as a number."""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from casemgmt.models import Phase
from reports.esf import EsfReport
from reports.financing import OutputFinancingReport
from reports.funnel import PHASES, FunnelReport
from reports.money import PaymentsReport, TskSplit
from reports.suppression import FINANCING_COUNTS, financing_hidden


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _hidden(threshold: int | None) -> str:
    return f"<{threshold}"


def funnel_tables(report: FunnelReport) -> list[Table]:
    header = [_("Province"), _("NIS code")]
    for phase in PHASES:
        name = Phase(phase).label
        header += [f"{phase} {name}", _("target"), _("share of target (%)"), _("conversion %")]
    table = Table(
        title=_("Funnel %(programme)s on %(date)s") % {"programme": report.programme.code,
                                                     "date": report.as_of.isoformat()},
        header=header, notes=list(report.warnings),
    )
    if report.period is not None:
        table.title = _("Funnel %(programme)s, reporting period %(number)d (%(start)s to %(end)s)") % {
            "programme": report.programme.code, "number": report.period.number,
            "start": report.since.isoformat(), "end": report.as_of.isoformat()}
    for row in [*report.rows, report.total]:
        line = [row.name, row.nis_code or ""]
        for phase in PHASES:
            cell = row.cells[phase]
            count = _hidden(report.suppressed_below) if cell.suppressed else cell.count
            line += [count, cell.target, cell.percent_of_target, cell.conversion]
        table.rows.append(line)
    if report.suppressed_below:
        table.notes.append(_("Counts from 1 to %(max)d are hidden (shown as <%(threshold)d), with a second "
                             "count where a total would reveal them.")
                           % {"max": report.suppressed_below - 1, "threshold": report.suppressed_below})
    return [table]


def financing_tables(report: OutputFinancingReport, *, suppress_below: int | None) -> list[Table]:
    lines = [*report.periods, report.programme_total]
    hidden: list[set[str]] = [set() for _ in lines]
    if suppress_below:
        hidden = financing_hidden([{name: getattr(line, name) for name in FINANCING_COUNTS}
                                   for line in report.periods],
                                  {name: getattr(report.programme_total, name) for name in FINANCING_COUNTS},
                                  suppress_below)

    table = Table(
        title=_("Output financing %(programme)s on %(date)s") % {
            "programme": report.programme.code, "date": report.as_of.isoformat()},
        header=[_("Reporting period"), _("from"), _("to"), _("budget (EUR)"), _("finished guidance"),
                _("started as self-employed"), _("protected entrepreneurship"), _("window still open"),
                _("outflow rate %"), _("target %"), _("factor"), _("input part (EUR)"),
                _("output part (EUR)"), _("amount (EUR)")],
        notes=[_("Formula: %(formula)s.") % {"formula": report.programme.get_output_formula_display()}],
    )
    for line, names in zip(lines, hidden, strict=True):
        def cell(name: str, value, names=names):
            return _hidden(suppress_below) if name in names else value

        table.rows.append([
            _("whole programme") if line.label == "programme" else line.label,
            line.starts_on.isoformat(), line.ends_on.isoformat(), line.budget,
            *(cell(name, getattr(line, name)) for name in FINANCING_COUNTS),
            cell("rate", line.rate), report.target_rate,
            cell("factor", line.factor.quantize(Decimal("0.0001"))),
            line.input_part, cell("output_part", line.output_part), cell("amount", line.amount),
        ])
    return [table]


def money_tables(split: TskSplit, payments: PaymentsReport) -> list[Table]:
    years = [_("FTE year %(year)d") % {"year": year} for year in split.years]
    partners = Table(
        title=_("Total eligible cost EUR %(total)s split by FTE") % {"total": split.total},
        header=[_("Partner"), *years, _("FTE (all years)"), _("share % (computed)"), _("share % (stated)"),
                _("amount (EUR)"), _("amount by stated share (EUR)")],
        notes=list(split.warnings),
    )
    for partner in split.partners:
        partners.rows.append([
            partner.organisation.name, *(partner.fte_by_year.get(year, Decimal("0")) for year in split.years),
            partner.fte, partner.share, partner.stated_share, partner.amount, partner.amount_by_stated_share,
        ])
    partners.rows.append([
        _("Total"), *(split.fte_total_by_year[year] for year in split.years), split.fte_total,
        Decimal("100"), split.stated_share_total, split.amount_total, split.by_stated_share_total,
    ])
    paid = Table(
        title=_("Payments received up to %(date)s") % {"date": payments.as_of.isoformat()},
        header=[_("Reporting period"), _("advance (EUR)"), _("settlement (EUR)"),
                _("received to date (EUR)")],
    )
    for line in payments.periods:
        paid.rows.append([line.period.number if line.period else _("no period"), line.advance,
                          line.settlement, line.received_to_date])
    paid.rows.append([_("Total received"), "", "", payments.received])
    paid.rows.append([_("Still to receive"), "", "", payments.outstanding])
    return [partners, paid]


def esf_tables(report: EsfReport) -> list[Table]:
    hidden = _hidden(report.suppressed_below)

    def show(value):
        return hidden if value is None else value

    table = Table(
        title=_("ESF indicators %(programme)s, %(start)s to %(end)s") % {
            "programme": report.programme.code, "start": report.starts_on.isoformat(),
            "end": report.ends_on.isoformat()},
        header=[_("Indicator"), _("category"), _("participants")],
    )
    table.rows += [[_("entered the programme"), "", show(report.entered)],
                   [_("with a complete record"), "", show(report.complete)],
                   [_("with an incomplete record (grand total only)"), "", show(report.incomplete)]]
    for breakdown in report.breakdowns:
        for line in breakdown.lines:
            table.rows.append([breakdown.label, line.label, hidden if line.suppressed else line.count])
    table.rows.append([_("left the programme"), "", show(report.left)])
    for line in report.results.lines:
        table.rows.append([report.results.label, line.label, hidden if line.suppressed else line.count])
    return [table]


def _cell(value):
    if value is None:
        return ""
    return value


def tables_csv(tables: list[Table]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.header)
        for row in table.rows:
            writer.writerow([_cell(value) for value in row])
        for note in table.notes:
            writer.writerow([note])
    return out.getvalue()


def tables_xlsx(tables: list[Table]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for index, table in enumerate(tables, start=1):
        sheet = book.create_sheet(title=f"{index}")
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True)
        sheet.append(table.header)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_cell(value) for value in row])
        for note in table.notes:
            sheet.append([note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
