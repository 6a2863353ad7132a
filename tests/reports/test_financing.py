"""Output financing: who finished guidance, who started as self-employed within the window, who is in
protected entrepreneurship, and what that yields under the linear and the threshold formula.

Budgets: the periods have 365 (2016-11-01..2017-10-31), 181 (2017-11-01..2018-04-30) and 184
(2018-05-01..2018-10-31) days of 730, so 1,499,998.00 splits into
  P1 1,499,998.00 × 365/730 = 749,999.00
  P2 1,499,998.00 × 181/730 = 371,917.3123 → 371,917.31
  P3 1,499,998.00 × 184/730 = 378,081.6877 → 378,081.68 + the 1 cent left (larger remainder) = 378,081.69
The output part at most 30% of a budget (to the cent), the input part the rest:
  P1 224,999.70 / 524,999.30; P2 111,575.19 (111,575.193) / 260,342.12; P3 113,424.51 (113,424.507) / 264,657.18;
  programme 449,999.40 / 1,049,998.60.
"""

from decimal import Decimal

import pytest

from casemgmt.audit import save_as
from casemgmt.models import Programme
from reports.financing import output_factor, output_financing_report
from tests.reports.population import D
from trajectories.models import Participant, Trajectory
from trajectories.services import (
    participant_register,
    trajectory_advance,
    trajectory_end,
    trajectory_open,
    trajectory_record_outcome,
)

PROGRAMME_END = D(2018, 10, 31)
LINEAR, THRESHOLD = Programme.OutputFormula.LINEAR, Programme.OutputFormula.THRESHOLD


def figures(line) -> tuple:
    # The factor is exact (the output part is computed from it); compared here to four places.
    return (line.finished, line.started, line.protected, line.window_open, line.rate,
            line.factor.quantize(Decimal("0.0001")))


def money(line) -> tuple:
    return (line.budget, line.input_part, line.output_max, line.output_part, line.amount)


def test_at_the_programme_end_each_period_counts_finished_started_and_protected(population):
    # when
    report = output_financing_report(programme=population.ovv, as_of=PROGRAMME_END)

    # then
    assert (report.formula, report.target_rate) == (LINEAR, Decimal("20.00"))
    assert [line.label for line in report.periods] == ["1", "2", "3"]
    p1, p2, p3 = report.periods
    # P1: smart (protected), starter (started 2017-12-15, within 6 months of 2017-08-31) and late_starter
    # (started 2018-01-15, after 6 months of 2017-06-30: not counted) ended; 1 / 3 = 33.33% ≥ 20%: factor 1
    assert figures(p1) == (3, 1, 1, 0, Decimal("33.33"), Decimal("1"))
    # P2: dropout ended 2018-03-30; its window closed on 2018-09-30
    assert figures(p2) == (1, 0, 0, 0, Decimal("0.00"), Decimal("0"))
    # P3: job_seeker (ended 2018-06-29) and window_open (2018-09-28): both windows still open on 2018-10-31
    assert figures(p3) == (2, 0, 0, 2, Decimal("0.00"), Decimal("0"))
    # programme: 1 / 6 = 16.666… → shown as 16.67%; linear factor (100 / 6) / 20 = 5 / 6 = 0.8333…
    assert figures(report.programme_total) == (6, 1, 1, 2, Decimal("16.67"), Decimal("0.8333"))


def test_the_linear_formula_pays_the_output_part_in_proportion_to_the_outflow_rate(population):
    # when
    report = output_financing_report(programme=population.ovv, as_of=PROGRAMME_END)

    # then
    p1, p2, p3 = report.periods
    assert money(p1) == tuple(map(Decimal, ("749999.00", "524999.30", "224999.70", "224999.70", "749999.00")))
    assert money(p2) == tuple(map(Decimal, ("371917.31", "260342.12", "111575.19", "0.00", "260342.12")))
    assert money(p3) == tuple(map(Decimal, ("378081.69", "264657.18", "113424.51", "0.00", "264657.18")))
    # 449,999.40 × 5 / 6 = 374,999.50 (the exact rate, not the rounded 16.67%); + 1,049,998.60 = 1,424,998.10
    assert money(report.programme_total) == tuple(
        map(Decimal, ("1499998.00", "1049998.60", "449999.40", "374999.50", "1424998.10"))
    )


def test_the_threshold_formula_pays_all_or_nothing(population):
    # given
    programme = population.ovv
    programme.output_formula = THRESHOLD
    save_as(programme, None)

    # when
    report = output_financing_report(programme=programme, as_of=PROGRAMME_END)

    # then: P1 reached 33.33% ≥ 20%: the whole output part; the programme's 16.67% < 20%: none of it
    assert report.formula == THRESHOLD
    p1, p2, p3 = report.periods
    assert (p1.factor, p1.output_part, p1.amount) == (Decimal("1"), Decimal("224999.70"), Decimal("749999.00"))
    assert (p2.factor, p2.output_part) == (Decimal("0"), Decimal("0.00"))
    assert (p3.factor, p3.output_part) == (Decimal("0"), Decimal("0.00"))
    whole = report.programme_total
    assert (whole.rate, whole.factor, whole.output_part, whole.amount) == (
        Decimal("16.67"), Decimal("0"), Decimal("0.00"), Decimal("1049998.60"))


def test_the_period_budgets_and_their_parts_add_up_to_the_tsk(population):
    # when
    report = output_financing_report(programme=population.ovv, as_of=PROGRAMME_END)

    # then
    assert sum(line.budget for line in report.periods) == Decimal("1499998.00")  # 749,999.00 + 371,917.31 + 378,081.69
    assert sum(line.output_max for line in report.periods) == Decimal("449999.40")  # 224,999.70 + 111,575.19 + 113,424.51
    assert sum(line.input_part for line in report.periods) == Decimal("1049998.60")
    assert report.programme_total.budget == Decimal("1499998.00")


def test_at_the_end_of_period_1_no_start_is_known_yet_and_every_window_is_open(population):
    # when
    report = output_financing_report(programme=population.ovv, as_of=D(2017, 10, 31))

    # then: starter's start (2017-12-15) lies after the report date; smart, starter and late_starter ended
    # 1, 2 and 4 months before it
    p1, p2, p3 = report.periods
    assert figures(p1) == (3, 0, 1, 3, Decimal("0.00"), Decimal("0"))
    assert p1.output_part == Decimal("0.00")
    # nobody finished in periods 2 and 3 yet: no rate, factor 0
    assert figures(p2) == (0, 0, 0, 0, None, Decimal("0"))
    assert figures(p3) == (0, 0, 0, 0, None, Decimal("0"))


def test_once_every_window_has_closed_none_is_open(population):
    # when: 2025, long after the last window (window_open's, to 2019-03-28) closed
    report = output_financing_report(programme=population.ovv, as_of=D(2025, 6, 30))

    # then
    assert [line.window_open for line in [*report.periods, report.programme_total]] == [0, 0, 0, 0]
    assert figures(report.programme_total) == (6, 1, 1, 0, Decimal("16.67"), Decimal("0.8333"))


def test_protected_entrepreneurship_counts_only_once_it_was_recorded(population):
    # given: smart's trajectory ended on 2017-09-29; the outcome "protected" was recorded on 2017-10-16

    # when
    before = output_financing_report(programme=population.ovv, as_of=D(2017, 9, 30))
    after = output_financing_report(programme=population.ovv, as_of=D(2017, 10, 16))

    # then: like a start, the outcome is known only from the day it was recorded
    assert after.periods[0].protected == 1
    assert before.periods[0].protected == 0


def test_a_protected_outcome_is_not_outflow(population):
    # when
    report = output_financing_report(programme=population.ovv, as_of=PROGRAMME_END)

    # then: smart is finished and protected, not started (the 1 start is starter's)
    p1 = report.periods[0]
    assert (p1.finished, p1.started, p1.protected) == (3, 1, 1)
    assert population.ovv_trajectories["smart"].outcome == Trajectory.Outcome.PROTECTED


@pytest.mark.parametrize(("started_on", "counts"), [
    (D(2018, 2, 28), 1),  # 6 months after the end (2017-08-31), to the day
    (D(2018, 3, 1), 0),  # one day later
    (D(2017, 8, 15), 1),  # while still in guidance
    (D(2017, 2, 15), 0),  # before guidance began (2017-03-01)
])
def test_a_start_counts_from_guidance_to_the_end_of_the_window(ovv, coach, started_on, counts):
    # given: guidance from 2017-03-01, ended 2017-08-31
    person = participant_register(by=coach, first_name="Dana", last_name="Khalil", postcode=9000,
                                  gender=Participant.Gender.FEMALE)
    trajectory = trajectory_open(participant=person, programme=ovv, by=coach, entered_on=D(2017, 1, 10))
    trajectory_advance(trajectory=trajectory, phase=4, on=D(2017, 3, 1), by=coach)
    trajectory_end(trajectory=trajectory, by=coach, ended_on=D(2017, 8, 31))
    trajectory_record_outcome(trajectory=trajectory, by=coach, outcome=Trajectory.Outcome.SELF_EMPLOYED,
                              enterprise_number="0403170701", self_employed_since=started_on,
                              occupation=Trajectory.Occupation.MAIN, recorded_on=D(2018, 3, 2))

    # when
    report = output_financing_report(programme=ovv, as_of=PROGRAMME_END)

    # then
    assert (report.periods[0].finished, report.periods[0].started) == (1, counts)


def test_a_trajectory_that_never_reached_guidance_has_not_finished_it(ovv, coach):
    # given: ended in phase 3
    person = participant_register(by=coach, first_name="Dana", last_name="Khalil", postcode=9000)
    trajectory = trajectory_open(participant=person, programme=ovv, by=coach, entered_on=D(2017, 1, 10), phase=3)
    trajectory_end(trajectory=trajectory, by=coach, ended_on=D(2017, 2, 1))

    # when
    report = output_financing_report(programme=ovv, as_of=PROGRAMME_END)

    # then
    assert report.programme_total.finished == 0
    assert report.programme_total.rate is None


@pytest.mark.parametrize(("formula", "rate", "factor"), [
    (LINEAR, None, "0"),  # nobody finished: nothing earned
    (LINEAR, "0.00", "0"),
    (LINEAR, "10.00", "0.5"),  # 10 / 20
    (LINEAR, "16.67", "0.8335"),  # 16.67 / 20
    (LINEAR, "20.00", "1"),
    (LINEAR, "33.33", "1"),  # capped at 1
    (THRESHOLD, "19.99", "0"),
    (THRESHOLD, "20.00", "1"),
    (THRESHOLD, "100.00", "1"),
])
def test_the_output_factor_of_each_formula_against_a_20_percent_target(formula, rate, factor):
    assert output_factor(formula, None if rate is None else Decimal(rate), Decimal("20.00")) == Decimal(factor)


def test_a_target_of_zero_earns_the_whole_output_part():
    assert output_factor(LINEAR, Decimal("0.00"), Decimal("0")) == Decimal("1")
