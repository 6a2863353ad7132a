"""Money: the total eligible cost split over partners by FTE (to the cent), and payments received.

The split uses largest-remainder rounding: every part is rounded down to the cent and the cents
left over go, one each, to the parts with the largest remainders, so the parts add up to the total
exactly. The source's own shares are rounded (they add up to 99.98%) and its FTEs add up to 10.97
where it states 10.98: the report shows both and the difference they make."""

import datetime
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Sum
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from casemgmt.models import Payment, Programme, ReportingPeriod
from partners.models import FteAllocation, Organisation

CENT = Decimal("0.01")


def largest_remainder(total: Decimal, weights: dict[Hashable, Decimal]) -> dict[Hashable, Decimal]:
    """Split `total` (EUR) over the keys in proportion to their weights, to the cent, adding up exactly.

    Ties in the remainder go to the larger weight, then to the key listed first."""
    cents = int((total / CENT).to_integral_value())
    weight_sum = sum((Fraction(weight) for weight in weights.values()), Fraction(0))
    if weight_sum == 0:
        return {key: Decimal("0.00") for key in weights}
    exact = {key: cents * Fraction(weight) / weight_sum for key, weight in weights.items()}
    parts = {key: share.numerator // share.denominator for key, share in exact.items()}
    left = cents - sum(parts.values())
    order = list(weights)
    by_remainder = sorted(
        order, key=lambda key: (-(exact[key] - parts[key]), -weights[key], order.index(key))
    )
    for key in by_remainder[:left]:
        parts[key] += 1
    return {key: (Decimal(parts[key]) * CENT).quantize(CENT) for key in order}


@dataclass
class PartnerShare:
    organisation: Organisation
    fte_by_year: dict[int, Decimal]
    fte: Decimal
    share: Decimal  # computed from the FTEs, in %, to 4 places
    stated_share: Decimal | None
    amount: Decimal  # the TSK split by the computed shares, to the cent
    amount_by_stated_share: Decimal | None  # TSK × stated share, each rounded to the cent


@dataclass
class TskSplit:
    programme: Programme
    total: Decimal
    years: list[int]
    fte_total_by_year: dict[int, Decimal]
    fte_total: Decimal
    stated_fte_total: Decimal | None
    stated_share_total: Decimal
    by_stated_share_total: Decimal
    partners: list[PartnerShare]
    warnings: list[str] = field(default_factory=list)

    @property
    def amount_total(self) -> Decimal:
        return sum((partner.amount for partner in self.partners), Decimal("0.00"))


def _number(value: Decimal) -> str:
    """A figure in a sentence, written as the reader's language writes it (1.499.998,00 in Dutch)."""
    return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)


def tsk_split(*, programme: Programme) -> TskSplit:
    """The programme's TSK over its partners in proportion to their FTE over all programme years."""
    rows = list(
        FteAllocation.objects.filter(programme=programme)
        .select_related("organisation")
        .order_by("organisation__name", "year")
    )
    fte_by_org: dict[int, dict[int, Decimal]] = defaultdict(dict)
    stated: dict[int, Decimal | None] = {}
    organisations: dict[int, Organisation] = {}
    for row in rows:
        organisations[row.organisation_id] = row.organisation
        fte_by_org[row.organisation_id][row.year] = row.fte
        if row.stated_share is not None:
            stated[row.organisation_id] = row.stated_share
    weights = {org_id: sum(years.values(), Decimal("0")) for org_id, years in fte_by_org.items()}
    # Larger FTE first, as the source lists them.
    order = sorted(weights, key=lambda org_id: (-weights[org_id], organisations[org_id].name))
    weights = {org_id: weights[org_id] for org_id in order}
    amounts = largest_remainder(programme.total_eligible_cost, weights)
    fte_total = sum(weights.values(), Decimal("0"))
    years = sorted({row.year for row in rows})
    fte_total_by_year = {year: sum((row.fte for row in rows if row.year == year), Decimal("0"))
                         for year in years}
    partners = []
    for org_id in order:
        share = (weights[org_id] / fte_total * 100).quantize(Decimal("0.0001")) if fte_total else Decimal(0)
        stated_share = stated.get(org_id)
        partners.append(PartnerShare(
            organisation=organisations[org_id],
            fte_by_year=fte_by_org[org_id],
            fte=weights[org_id],
            share=share,
            stated_share=stated_share,
            amount=amounts[org_id],
            amount_by_stated_share=(
                None if stated_share is None
                else (programme.total_eligible_cost * stated_share / 100).quantize(CENT, ROUND_HALF_UP)
            ),
        ))
    split = TskSplit(
        programme=programme,
        total=programme.total_eligible_cost,
        years=years,
        fte_total_by_year=fte_total_by_year,
        fte_total=fte_total,
        stated_fte_total=programme.stated_total_fte,
        stated_share_total=sum(
            (p.stated_share for p in partners if p.stated_share is not None), Decimal("0")
        ),
        by_stated_share_total=sum(
            (p.amount_by_stated_share for p in partners if p.amount_by_stated_share is not None),
            Decimal("0.00"),
        ),
        partners=partners,
    )
    for year, total in fte_total_by_year.items():
        if programme.stated_total_fte is not None and total != programme.stated_total_fte:
            split.warnings.append(
                _("Year %(year)d: the partners' FTEs add up to %(computed)s, the programme states "
                  "%(stated)s. The split uses the FTEs as listed.")
                % {"year": year, "computed": _number(total), "stated": _number(programme.stated_total_fte)}
            )
    if any(p.stated_share is not None for p in partners) and split.stated_share_total != 100:
        split.warnings.append(
            _("The stated shares add up to %(total)s%%, not 100%%: split by them, EUR %(amount)s of the "
              "EUR %(tsk)s would be left over. The split uses shares computed from the FTEs instead.")
            % {"total": _number(split.stated_share_total),
               "amount": _number(split.total - split.by_stated_share_total), "tsk": _number(split.total)}
        )
    return split


@dataclass
class PeriodPayments:
    period: ReportingPeriod | None
    advance: Decimal
    settlement: Decimal
    received_to_date: Decimal  # cumulative up to and including this period


@dataclass
class PaymentsReport:
    programme: Programme
    as_of: datetime.date
    periods: list[PeriodPayments]
    received: Decimal
    outstanding: Decimal

    @property
    def received_percent(self) -> Decimal:
        total = self.programme.total_eligible_cost
        return (self.received / total * 100).quantize(CENT) if total else Decimal("0.00")


def payments_report(*, programme: Programme, as_of: datetime.date) -> PaymentsReport:
    """Payments received up to `as_of`, per reporting period and kind, against the TSK."""
    sums = {
        (row["period_id"], row["kind"]): row["amount"]
        for row in Payment.objects.filter(programme=programme, paid_on__lte=as_of)
        .values("period_id", "kind").annotate(amount=Sum("amount")).order_by()
    }
    zero = Decimal("0.00")
    periods: list[PeriodPayments] = []
    running = zero
    keys: list[ReportingPeriod | None] = list(ReportingPeriod.objects.filter(programme=programme))
    if any(period_id is None for period_id, _kind in sums):
        keys.append(None)
    for period in keys:
        period_id = period.pk if period else None
        advance = sums.get((period_id, Payment.Kind.ADVANCE), zero)
        settlement = sums.get((period_id, Payment.Kind.SETTLEMENT), zero)
        running += advance + settlement
        periods.append(PeriodPayments(period, advance, settlement, running))
    return PaymentsReport(
        programme=programme, as_of=as_of, periods=periods, received=running,
        outstanding=programme.total_eligible_cost - running,
    )
