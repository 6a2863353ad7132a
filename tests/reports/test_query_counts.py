"""Every report runs a fixed number of queries, whatever the number of people: the same with the
population as with the population built twice."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.double_funding import double_funding_report
from reports.esf import esf_report
from reports.financing import output_financing_report
from reports.funnel import funnel_report
from reports.money import payments_report, tsk_split
from tests.reports.population import D, build_population

REPORTS = {
    # name: (run the report on the programme, its query budget)
    "funnel": (lambda programme: funnel_report(programme=programme, as_of=D(2018, 10, 31)), 5),
    "funnel, suppressed": (lambda programme: funnel_report(programme=programme, as_of=D(2018, 10, 31),
                                                           suppress_below=5), 5),
    "funnel, period": (lambda programme: funnel_report(programme=programme,
                                                       period=programme.reporting_periods.get(number=2)), 7),
    "output financing": (lambda programme: output_financing_report(programme=programme, as_of=D(2018, 10, 31)), 2),
    "double funding": (lambda programme: double_funding_report(programme=programme), 4),
    "esf": (lambda programme: esf_report(programme=programme, starts_on=D(2016, 11, 1), ends_on=D(2018, 10, 31)), 3),
    "tsk split": (lambda programme: tsk_split(programme=programme), 1),
    "payments": (lambda programme: payments_report(programme=programme, as_of=D(2018, 10, 31)), 2),
}


def queries(run, programme) -> int:
    with CaptureQueriesContext(connection) as captured:
        run(programme)
    return len(captured)


@pytest.mark.parametrize("name", REPORTS)
def test_a_report_runs_the_same_queries_for_twice_the_people(population, name):
    # given
    run, budget = REPORTS[name]
    once = queries(run, population.ovv)

    # when
    build_population(ovv=population.ovv, lba=population.lba, copy=2)
    twice = queries(run, population.ovv)

    # then
    assert once == twice
    assert twice <= budget


def test_the_doubled_population_doubles_the_counts(population):
    # given: the check above means something only if the second copy adds as many people again
    before = funnel_report(programme=population.ovv, as_of=D(2018, 10, 31)).total

    # when
    build_population(ovv=population.ovv, lba=population.lba, copy=2)
    after = funnel_report(programme=population.ovv, as_of=D(2018, 10, 31)).total

    # then
    assert [after.cells[phase].count for phase in (1, 2, 3, 4)] == [
        2 * before.cells[phase].count for phase in (1, 2, 3, 4)
    ] == [28, 22, 16, 12]
    assert len(double_funding_report(programme=population.ovv).overcommitted_staff) == 2
