"""Reports as JSON documents (the command's --format json; the funnel's own is FunnelReport.as_json)."""

import datetime
from decimal import Decimal

from reports.double_funding import DoubleFundingReport
from reports.esf import EsfReport
from reports.financing import OutflowFigures, OutputFinancingReport
from reports.money import PaymentsReport, TskSplit


def _plain(value):
    """Dates as ISO strings and money as strings, so no figure loses a cent in a float."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _outflow(line: OutflowFigures) -> dict:
    return _plain({
        "period": line.label, "starts_on": line.starts_on, "ends_on": line.ends_on, "budget": line.budget,
        "finished": line.finished, "started": line.started, "protected": line.protected,
        "window_open": line.window_open, "rate": line.rate, "factor": line.factor.quantize(Decimal("0.0001")),
        "input_part": line.input_part, "output_part": line.output_part, "output_max": line.output_max,
        "amount": line.amount,
    })


def financing_document(report: OutputFinancingReport) -> dict:
    return _plain({
        "programme": report.programme.code, "as_of": report.as_of, "target_rate": report.target_rate,
        "formula": report.formula, "window_months": report.programme.outflow_window_months,
        "periods": [_outflow(line) for line in report.periods],
        "programme_total": _outflow(report.programme_total),
    })


def money_document(split: TskSplit, payments: PaymentsReport) -> dict:
    return _plain({
        "programme": split.programme.code,
        "total_eligible_cost": split.total,
        "fte_total": split.fte_total, "fte_total_by_year": split.fte_total_by_year,
        "stated_fte_total": split.stated_fte_total, "stated_share_total": split.stated_share_total,
        "partners": [
            {"organisation": p.organisation.code, "name": p.organisation.name, "fte_by_year": p.fte_by_year,
             "fte": p.fte, "share": p.share, "stated_share": p.stated_share, "amount": p.amount,
             "amount_by_stated_share": p.amount_by_stated_share}
            for p in split.partners
        ],
        "amount_total": split.amount_total,
        "amount_by_stated_share_total": split.by_stated_share_total,
        "warnings": split.warnings,
        "payments": {
            "as_of": payments.as_of,
            "periods": [
                {"period": line.period.number if line.period else None, "advance": line.advance,
                 "settlement": line.settlement, "received_to_date": line.received_to_date}
                for line in payments.periods
            ],
            "received": payments.received, "outstanding": payments.outstanding,
        },
    })


def esf_document(report: EsfReport) -> dict:
    def lines(breakdown):
        return {line.key: {"count": line.count, **({"suppressed": True} if line.suppressed else {})}
                for line in breakdown.lines}

    return _plain({
        "programme": report.programme.code, "starts_on": report.starts_on, "ends_on": report.ends_on,
        "entered": report.entered, "complete": report.complete, "incomplete": report.incomplete,
        "breakdowns": {b.key: lines(b) for b in report.breakdowns},
        "left": report.left, "results": lines(report.results),
        "suppressed_below": report.suppressed_below,
        "incomplete_records": [
            {"participant_id": r["participant_id"], "entered_on": r["entered_on"], "missing": r["missing"]}
            for r in report.incomplete_records
        ],
    })


def double_funding_document(report: DoubleFundingReport) -> dict:
    return _plain({
        "programme": report.programme.code,
        "overlapping_enrolments": report.overlapping_enrolments,
        "cross_programme_attendances": report.cross_programme_attendances,
        "same_day_sessions": report.same_day_sessions,
        "overcommitted_staff": report.overcommitted_staff,
    })
