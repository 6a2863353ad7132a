"""Money: OVV's total eligible cost split over the partners by their FTEs, exactly to the cent, with the
source's rounding shown as warnings; largest-remainder rounding; payments received against the TSK."""

from decimal import Decimal

import pytest

from casemgmt.audit import save_as
from casemgmt.models import Payment
from reports.money import largest_remainder, payments_report, tsk_split
from tests.reports.population import D

pytestmark = pytest.mark.usefixtures("english")

TSK = Decimal("1499998.00")

# Each partner's FTE per year counts for both programme years: 3.65 × 2 = 7.30 FTE-years, and the
# FTE-years add up to 10.97 × 2 = 21.94. Exact share = 1,499,998.00 × FTE-years / 21.94; rounded down
# to the cent the nine parts add up to 1,499,997.95, and the 5 cents left go to the 5 largest remainders.
# (name, FTE-years, computed share % to 4 places, stated share %, amount, stated share × TSK)
SPLIT = [
    # 499,087.7575 → 499,087.75 + 1 ct (remainder 0.75 ct, 3rd largest); 7.30 / 21.94 = 33.2726%
    ("Starterslabo's", "7.30", "33.2726", "33.28", "499087.76", "499199.33"),
    # 330,902.0201 → 330,902.02 (remainder 0.01 ct, the smallest)
    ("Stebo vzw", "4.84", "22.0602", "22.04", "330902.02", "330599.56"),
    # 164,083.6463 → 164,083.64 + 1 ct (0.63 ct, 5th)
    ("UNIZO vzw", "2.40", "10.9389", "10.92", "164083.65", "163799.78"),
    # 136,736.3719 → 136,736.37 (0.19 ct, 8th)
    ("microStart", "2.00", "9.1158", "9.11", "136736.37", "136649.82"),
    # 102,552.2789 → 102,552.27 + 1 ct (0.89 ct, 2nd)
    ("iDrops", "1.50", "6.8368", "6.85", "102552.28", "102749.86"),
    # 94,348.0966 → 94,348.09 + 1 ct (0.66 ct, 4th)
    ("Vluchtelingenwerk Vlaanderen", "1.38", "6.2899", "6.28", "94348.10", "94199.87"),
    # 69,735.5497 → 69,735.54 + 1 ct (0.97 ct, the largest)
    ("Zenitor", "1.02", "4.6490", "4.67", "69735.55", "70049.91"),
    # 68,368.1860 → 68,368.18 (0.60 ct, 6th: no cent left for it)
    ("SMart", "1.00", "4.5579", "4.55", "68368.18", "68249.91"),
    # 34,184.0930 → 34,184.09 (0.30 ct, 7th)
    ("Exchange vzw", "0.50", "2.2789", "2.28", "34184.09", "34199.95"),
]


def test_the_tsk_is_split_over_the_partners_by_their_fte_and_adds_up_to_the_cent(ovv):
    # when
    split = tsk_split(programme=ovv)

    # then: larger FTE first, as the source lists them
    assert [
        (p.organisation.name, p.fte, p.share, p.stated_share, p.amount, p.amount_by_stated_share)
        for p in split.partners
    ] == [
        (name, Decimal(fte), Decimal(share), Decimal(stated), Decimal(amount), Decimal(by_stated))
        for name, fte, share, stated, amount, by_stated in SPLIT
    ]
    assert split.total == TSK
    assert split.amount_total == TSK  # 499,087.76 + 330,902.02 + … + 34,184.09 = 1,499,998.00
    assert sum(p.amount for p in split.partners) == Decimal("1499998.00")


def test_starterslabos_get_7_30_of_21_94_fte_years(ovv):
    # when
    starterslabos = tsk_split(programme=ovv).partners[0]

    # then: 3.65 FTE in each of the two years
    assert starterslabos.organisation.code == "starterslabos"
    assert starterslabos.fte_by_year == {1: Decimal("3.65"), 2: Decimal("3.65")}
    assert starterslabos.fte == Decimal("7.30")
    assert starterslabos.amount == Decimal("499087.76")  # 1,499,998.00 × 7.30 / 21.94 = 499,087.7575 (+1 ct)


def test_the_split_says_which_figures_it_used_and_warns_where_the_source_rounded(ovv):
    # when
    split = tsk_split(programme=ovv)

    # then
    assert split.years == [1, 2]
    # 2.42 + 0.69 + 1.20 + 1.00 + 0.75 + 0.51 + 3.65 + 0.25 + 0.50 = 10.97 per year, where 10.98 is stated
    assert split.fte_total_by_year == {1: Decimal("10.97"), 2: Decimal("10.97")}
    assert split.fte_total == Decimal("21.94")
    assert split.stated_fte_total == Decimal("10.98")
    # 33.28 + 22.04 + 10.92 + 9.11 + 6.85 + 6.28 + 4.67 + 4.55 + 2.28 = 99.98
    assert split.stated_share_total == Decimal("99.98")
    # split by the stated shares (each rounded to the cent) 1,499,697.99 would be paid: 300.01 left over
    assert split.by_stated_share_total == Decimal("1499697.99")
    assert split.warnings == [
        "Year 1: the partners' FTEs add up to 10.97, the programme states 10.98. The split uses the FTEs as listed.",
        "Year 2: the partners' FTEs add up to 10.97, the programme states 10.98. The split uses the FTEs as listed.",
        "The stated shares add up to 99.98%, not 100%: split by them, EUR 300.01 of the EUR 1,499,998.00 would be "
        "left over. The split uses shares computed from the FTEs instead.",
    ]


def test_partners_without_fte_get_no_share(ovv):
    # when
    codes = {p.organisation.code for p in tsk_split(programme=ovv).partners}

    # then: SYNTRA, VDAB and Ondernemersatelier have no FTE in the source's table
    assert len(codes) == 9
    assert not codes & {"syntra", "vdab", "ondernemersatelier"}


# largest_remainder on its own


@pytest.mark.parametrize(("total", "weights", "expected"), [
    # 100.00 / 3 = 33.333…: each 33.33, the one cent left to the first listed (equal weights, equal remainders)
    ("100.00", {"a": "1", "b": "1", "c": "1"}, {"a": "33.34", "b": "33.33", "c": "33.33"}),
    # 0.02 × 1/4 = 0.005, × 3/4 = 0.015: floors 0.00 and 0.01, equal remainders: the larger weight wins
    ("0.02", {"a": "1", "b": "3"}, {"a": "0.00", "b": "0.02"}),
    # 10.00 × 2/3 = 6.666…, × 1/3 = 3.333…: the cent goes to the larger remainder (0.67 ct)
    ("10.00", {"a": "2", "b": "1"}, {"a": "6.67", "b": "3.33"}),
    # a zero weight gets nothing, not even a leftover cent
    ("0.05", {"a": "0", "b": "1", "c": "1"}, {"a": "0.00", "b": "0.03", "c": "0.02"}),
])
def test_largest_remainder_splits_to_the_cent(total, weights, expected):
    # when
    parts = largest_remainder(Decimal(total), {key: Decimal(weight) for key, weight in weights.items()})

    # then
    assert parts == {key: Decimal(amount) for key, amount in expected.items()}
    assert list(parts) == list(weights)  # in the order given
    assert sum(parts.values()) == Decimal(total)


@pytest.mark.parametrize("total", ["0.00", "0.01", "1499998.00", "999999.99", "7.07"])
def test_largest_remainder_parts_always_add_up_to_the_total(total):
    # given: weights whose shares never come out even
    weights = {"x": Decimal("3.65"), "y": Decimal("0.69"), "z": Decimal("0.51"), "w": Decimal("1.00")}

    # when
    parts = largest_remainder(Decimal(total), weights)

    # then
    assert sum(parts.values()) == Decimal(total)
    assert all(part == part.quantize(Decimal("0.01")) and part >= 0 for part in parts.values())


def test_largest_remainder_with_only_zero_weights_gives_zero_to_each():
    assert largest_remainder(Decimal("10.00"), {"a": Decimal("0"), "b": Decimal("0")}) == {
        "a": Decimal("0.00"), "b": Decimal("0.00"),
    }


# Payments


def test_the_advance_for_period_1_is_received_on_its_date(ovv):
    # when
    before = payments_report(programme=ovv, as_of=D(2016, 10, 31))
    on_the_day = payments_report(programme=ovv, as_of=D(2016, 11, 1))

    # then
    assert (before.received, before.outstanding, before.received_percent) == (
        Decimal("0.00"), TSK, Decimal("0.00"))
    assert [(p.period.number, p.advance, p.settlement, p.received_to_date) for p in on_the_day.periods] == [
        (1, Decimal("314999.75"), Decimal("0.00"), Decimal("314999.75")),
        (2, Decimal("0.00"), Decimal("0.00"), Decimal("314999.75")),
        (3, Decimal("0.00"), Decimal("0.00"), Decimal("314999.75")),
    ]
    assert on_the_day.received == Decimal("314999.75")
    assert on_the_day.outstanding == Decimal("1184998.25")  # 1,499,998.00 − 314,999.75
    assert on_the_day.received_percent == Decimal("21.00")  # 314,999.75 / 1,499,998.00 × 100 = 21.00001


def test_settlements_and_payments_without_a_period_add_up_per_period_and_in_total(ovv):
    # given: a settlement of period 1 and an advance not yet tied to a period
    period_1 = ovv.reporting_periods.get(number=1)
    save_as(Payment(programme=ovv, period=period_1, kind=Payment.Kind.SETTLEMENT, amount=Decimal("210000.25"),
                    paid_on=D(2018, 3, 1)), None)
    save_as(Payment(programme=ovv, period=None, kind=Payment.Kind.ADVANCE, amount=Decimal("50000.00"),
                    paid_on=D(2018, 6, 1)), None)

    # when
    in_april = payments_report(programme=ovv, as_of=D(2018, 4, 30))
    at_the_end = payments_report(programme=ovv, as_of=D(2018, 10, 31))

    # then: the payment without a period is a row of its own, after the periods, only once paid
    assert [p.period for p in in_april.periods][-1].number == 3
    assert in_april.received == Decimal("525000.00")  # 314,999.75 + 210,000.25
    assert [(p.period and p.period.number, p.advance, p.settlement, p.received_to_date)
            for p in at_the_end.periods] == [
        (1, Decimal("314999.75"), Decimal("210000.25"), Decimal("525000.00")),
        (2, Decimal("0.00"), Decimal("0.00"), Decimal("525000.00")),
        (3, Decimal("0.00"), Decimal("0.00"), Decimal("525000.00")),
        (None, Decimal("50000.00"), Decimal("0.00"), Decimal("575000.00")),
    ]
    assert at_the_end.received == Decimal("575000.00")
    assert at_the_end.outstanding == Decimal("924998.00")  # 1,499,998.00 − 575,000.00
    assert at_the_end.received_percent == Decimal("38.33")  # 575,000.00 / 1,499,998.00 × 100 = 38.3334
