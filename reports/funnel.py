"""The funnel: how many participants had reached each phase, per region, against the targets in force.

A participant counts once per programme, in the region their postcode lies in on the report's date
(postcodes move: 2070 lay in Antwerpen until 2024). "Reached phase k" means: had entered phase k or a
later one by that date, so the four counts never grow from phase to phase and the conversion from one
phase to the next is at most 100%. For a reporting period the counts are those who reached the phase
within the period (reached by its end, not yet before its start); regions are taken as of its end,
and no conversion is given (different people reach each phase within a period).
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from casemgmt.models import Phase, Programme, Region, ReportingPeriod
from casemgmt.postcodes import region_id_subquery
from casemgmt.selectors import targets_in_force
from reports.suppression import suppress_group
from trajectories.models import PhaseEntry

PHASES = tuple(Phase.values)
UNKNOWN = "unknown"


@dataclass
class Cell:
    count: int | None  # None when suppressed
    target: int | None
    percent_of_target: float | None = None
    conversion: float | None = None  # % of the previous phase's count in the same row
    suppressed: bool = False


@dataclass
class FunnelRow:
    code: str
    name: str
    nis_code: str | None
    kind: str
    cells: dict[int, Cell]
    target_sum: dict[int, int] | None = None  # total row only: the regional targets added up


@dataclass
class FunnelReport:
    programme: Programme
    as_of: datetime.date
    rows: list[FunnelRow]
    total: FunnelRow
    warnings: list[str]
    since: datetime.date | None = None
    period: ReportingPeriod | None = None
    suppressed_below: int | None = None  # the threshold applied, or None for exact counts
    exact: dict = field(default_factory=dict, repr=False)

    def as_json(self) -> dict:
        """The stable contract shared by `manage.py report funnel` and the API."""
        def phases(row: FunnelRow) -> dict:
            out = {}
            for phase, cell in row.cells.items():
                item = {"count": cell.count, "target": cell.target,
                        "percent_of_target": cell.percent_of_target, "conversion": cell.conversion}
                if cell.suppressed:
                    item["suppressed"] = True
                if row.target_sum is not None:
                    item["target_sum"] = row.target_sum[phase]
                out[str(phase)] = item
            return out

        data = {
            "programme": self.programme.code,
            "as_of": self.as_of.isoformat(),
            "rows": [
                {"province": row.name, "nis_code": row.nis_code, "code": row.code, "kind": row.kind,
                 "phases": phases(row)}
                for row in self.rows
            ],
            "total": {"phases": phases(self.total)},
            "warnings": list(self.warnings),
            "suppressed_below": self.suppressed_below,
        }
        if self.period is not None:
            data["period"] = self.period.number
            data["since"] = self.since.isoformat()
        return data


def _reached(programme: Programme, as_of: datetime.date, region_on: datetime.date) -> dict:
    """{region id or None: {phase: participants who had reached it by `as_of`}} in one query.

    Counted per postcode (a participant has one), and each postcode placed in its region as of
    `region_on` by the database, then the postcodes added up per region."""
    rows = (
        PhaseEntry.objects.filter(trajectory__programme=programme, entered_on__lte=as_of)
        .values(postcode=F("trajectory__participant__postcode"))
        .annotate(**{
            f"p{phase}": Count("trajectory__participant", distinct=True, filter=Q(phase__gte=phase))
            for phase in PHASES
        })
        .annotate(region=region_id_subquery("postcode", region_on))
        .order_by()
    )
    counts: dict = {}
    for row in rows:
        into = counts.setdefault(row["region"], dict.fromkeys(PHASES, 0))
        for phase in PHASES:
            into[phase] += row[f"p{phase}"]
    return counts


def _percent(part: int | None, whole: int | None) -> float | None:
    """Per cent to one decimal, half up (as the financing figures round)."""
    if part is None or not whole:
        return None
    return float((Decimal(part) * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP))


def _fill_rates(row: FunnelRow, *, conversion: bool) -> None:
    previous = None
    for phase in PHASES:
        cell = row.cells[phase]
        cell.percent_of_target = _percent(cell.count, cell.target)
        if conversion and previous is not None:
            cell.conversion = _percent(cell.count, previous.count)
        previous = cell


def funnel_report(
    *,
    programme: Programme,
    as_of: datetime.date | None = None,
    period: ReportingPeriod | None = None,
    suppress_below: int | None = None,
) -> FunnelReport:
    """The funnel per region on `as_of`, or within `period`; with `suppress_below`, counts from 1 up to
    that threshold minus one are hidden (and a second one per phase where the total would reveal it)."""
    if period is not None:
        as_of = period.ends_on
    if as_of is None:
        raise ValueError("funnel_report needs as_of or period")
    counts = _reached(programme, as_of, as_of)
    since = None
    if period is not None:
        since = period.starts_on
        before = _reached(programme, since - datetime.timedelta(days=1), as_of)
        counts = {
            region: {phase: n - before.get(region, {}).get(phase, 0) for phase, n in by_phase.items()}
            for region, by_phase in counts.items()
        }
    targets = targets_in_force(programme=programme, as_of=as_of)
    zero = dict.fromkeys(PHASES, 0)

    rows: list[FunnelRow] = []
    for region in Region.objects.order_by("sort_order", "name"):
        by_phase = counts.get(region.pk, zero)
        region_targets = targets.by_region.get(region.pk, {})
        rows.append(FunnelRow(
            code=region.code, name=region.name, nis_code=region.nis_code or None, kind=region.kind,
            cells={phase: Cell(by_phase[phase], region_targets.get(phase)) for phase in PHASES},
        ))
    unknown = counts.get(None, zero)
    rows.append(FunnelRow(
        code=UNKNOWN, name=_("postcode unknown"), nis_code=None, kind=UNKNOWN,
        cells={phase: Cell(unknown[phase], None) for phase in PHASES},
    ))
    totals = {phase: sum(row.cells[phase].count for row in rows) for phase in PHASES}
    has_targets = bool(targets.by_region or targets.stated_totals)
    total = FunnelRow(
        code="total", name=_("Total"), nis_code=None, kind="total",
        cells={
            phase: Cell(totals[phase], targets.stated_totals.get(phase, targets.computed_totals[phase])
                        if has_targets else None)
            for phase in PHASES
        },
        target_sum=dict(targets.computed_totals),
    )
    report = FunnelReport(
        programme=programme, as_of=as_of, since=since, period=period, rows=rows, total=total,
        warnings=list(targets.warnings),
        exact={"rows": {row.code: {p: row.cells[p].count for p in PHASES} for row in rows},
               "total": dict(totals)},
    )
    if suppress_below:
        _suppress(report, suppress_below)
    for row in [*rows, total]:
        # Within a period those who reached phase 2 are mostly not those who reached phase 1 in it:
        # a conversion between the two would mislead, so a period has none.
        _fill_rates(row, conversion=period is None)
    return report


def _suppress(report: FunnelReport, threshold: int) -> None:
    """Hide small counts; per phase the regions add up to the total, so that is the group."""
    report.suppressed_below = threshold
    for phase in PHASES:
        cells = [row.cells[phase] for row in report.rows]
        total = report.total.cells[phase]
        hidden, total_hidden = suppress_group([cell.count for cell in cells], total.count, threshold)
        for index in hidden:
            cells[index].count, cells[index].suppressed = None, True
        if total_hidden:
            total.count, total.suppressed = None, True
