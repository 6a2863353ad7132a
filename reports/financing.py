"""Output financing: who finished guidance, who started as self-employed in time, and what that yields.

A participant "finished guidance" when their trajectory had reached phase 4 and ended within the
period. Their start counts as outflow when the outcome is self-employed with an enterprise number of
their own, and the start date lies between the entry into guidance and the end of the measurement
window (the programme's window in months after the trajectory ended). Work under SMart's interim
contracts is recorded as protected entrepreneurship, which is not outflow.

The amount: the input part is the programme's input share of the TSK (the ceiling of reimbursed
costs); the output part is the output share times a factor set by the programme's formula
(Programme.OutputFormula, see docs/reports.md). Per reporting period the TSK is split over the
periods by their number of days (largest remainder, so the periods add up to the TSK)."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DateField, ExpressionWrapper, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear

from casemgmt.models import Phase, Programme, ReportingPeriod
from reports.money import CENT, largest_remainder
from trajectories.models import PhaseEntry, Trajectory


@dataclass
class OutflowFigures:
    label: str
    starts_on: datetime.date
    ends_on: datetime.date
    budget: Decimal  # the part of the TSK this line is about
    finished: int
    started: int
    window_open: int  # finished without a start yet, whose window has not closed on the report date
    protected: int  # finished in protected entrepreneurship (e.g. SMart): not outflow
    rate: Decimal | None  # % of finished who started
    factor: Decimal
    input_part: Decimal
    output_part: Decimal
    output_max: Decimal

    @property
    def amount(self) -> Decimal:
        return self.input_part + self.output_part


@dataclass
class OutputFinancingReport:
    programme: Programme
    as_of: datetime.date
    target_rate: Decimal
    formula: str
    periods: list[OutflowFigures]
    programme_total: OutflowFigures


def output_factor(formula: str, rate: Decimal | None, target: Decimal) -> Decimal:
    """The share (0 to 1) of the output part earned at outflow `rate` (%) against `target` (%)."""
    if rate is None:
        return Decimal("0")
    if target <= 0:
        return Decimal("1")
    if formula == Programme.OutputFormula.THRESHOLD:
        return Decimal("1") if rate >= target else Decimal("0")
    return min(Decimal("1"), rate / target)


def _months_between(later, earlier):
    """Whole months from `earlier` to `later` (dates in the database), day of month considered."""
    months = (ExtractYear(later) - ExtractYear(earlier)) * 12 + ExtractMonth(later) - ExtractMonth(earlier)
    return ExpressionWrapper(months, output_field=IntegerField()), ExtractDay(later), ExtractDay(earlier)


Span = tuple[str, datetime.date, datetime.date]


def _figures(programme: Programme, as_of: datetime.date, spans: list[Span]) -> dict:
    """Per span: finished, started, window still open, protected; one query for all spans."""
    guidance_on = PhaseEntry.objects.filter(
        trajectory=OuterRef("pk"), phase=Phase.GUIDANCE, entered_on__lte=as_of
    ).values("entered_on")[:1]
    months, start_day, end_day = _months_between(F("self_employed_since"), F("ended_on"))
    window = programme.outflow_window_months
    within_window = Q(window_months__lt=window) | Q(window_months=window, start_day__lte=end_day)
    started = (
        Q(outcome=Trajectory.Outcome.SELF_EMPLOYED, outcome_recorded_on__lte=as_of,
          self_employed_since__lte=as_of, self_employed_since__gte=F("guidance_on"))
        & ~Q(enterprise_number="") & within_window
    )
    # The window closes `window` months after the end; on the report date it may still be open.
    end_months = ExpressionWrapper(
        (as_of.year - ExtractYear("ended_on")) * 12 + as_of.month - ExtractMonth("ended_on"),
        output_field=IntegerField(),
    )
    still_open = Q(report_months__lt=window) | Q(report_months=window, end_day__gte=as_of.day)
    base = (
        Trajectory.objects.filter(programme=programme, ended_on__isnull=False, ended_on__lte=as_of)
        .annotate(guidance_on=Subquery(guidance_on, output_field=DateField()))
        .filter(guidance_on__isnull=False)
        .annotate(window_months=months, start_day=start_day, end_day=end_day, report_months=end_months)
    )
    aggregates = {}
    for index, (_label, first, last) in enumerate(spans):
        span = Q(ended_on__gte=first, ended_on__lte=last)
        aggregates[f"finished_{index}"] = Count("participant", distinct=True, filter=span)
        aggregates[f"started_{index}"] = Count("participant", distinct=True, filter=span & started)
        aggregates[f"open_{index}"] = Count(
            "participant", distinct=True, filter=span & ~started & still_open
        )
        aggregates[f"protected_{index}"] = Count(
            "participant", distinct=True,
            filter=span & Q(outcome=Trajectory.Outcome.PROTECTED, outcome_recorded_on__lte=as_of),
        )
    return base.aggregate(**aggregates)


def _line(programme, label, first, last, budget, counts, index) -> OutflowFigures:
    finished, started = counts[f"finished_{index}"], counts[f"started_{index}"]
    exact_rate = Decimal(started) * 100 / finished if finished else None
    # The factor takes the exact rate; the rate is rounded for display only.
    factor = output_factor(programme.output_formula, exact_rate, programme.outflow_target_rate)
    rate = exact_rate.quantize(CENT, ROUND_HALF_UP) if exact_rate is not None else None
    output_max = (budget * programme.output_financing_share / 100).quantize(CENT, ROUND_HALF_UP)
    return OutflowFigures(
        label=label, starts_on=first, ends_on=last, budget=budget, finished=finished, started=started,
        window_open=counts[f"open_{index}"], protected=counts[f"protected_{index}"], rate=rate,
        factor=factor, input_part=budget - output_max,
        output_part=(output_max * factor).quantize(CENT, ROUND_HALF_UP), output_max=output_max,
    )


def output_financing_report(*, programme: Programme, as_of: datetime.date) -> OutputFinancingReport:
    """Outflow and financing per reporting period and for the whole programme, on `as_of`."""
    periods = list(ReportingPeriod.objects.filter(programme=programme).order_by("number"))
    budgets = largest_remainder(
        programme.total_eligible_cost,
        {period.pk: Decimal((period.ends_on - period.starts_on).days + 1) for period in periods},
    )
    spans = [(str(period.number), period.starts_on, period.ends_on) for period in periods]
    spans.append(("programme", programme.starts_on, programme.ends_on))
    counts = _figures(programme, as_of, spans)
    lines = [
        _line(programme, str(period.number), period.starts_on, period.ends_on, budgets[period.pk], counts, i)
        for i, period in enumerate(periods)
    ]
    whole = _line(programme, "programme", programme.starts_on, programme.ends_on,
                  programme.total_eligible_cost, counts, len(periods))
    return OutputFinancingReport(
        programme=programme, as_of=as_of, target_rate=programme.outflow_target_rate,
        formula=programme.output_formula, periods=lines, programme_total=whole,
    )
