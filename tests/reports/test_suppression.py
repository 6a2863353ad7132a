"""Small-number suppression: counts of 1 up to the threshold minus one are hidden, with a second cell
where the published total would give the first away; zero is shown; the threshold is configurable."""

import pytest

from reports.funnel import funnel_report
from reports.suppression import suppress_group, suppression_threshold
from tests.reports.population import D
from trajectories.models import Participant
from trajectories.services import participant_register, trajectory_open

PROGRAMME_END = D(2018, 10, 31)


def counts(report) -> dict[str, list[int | None]]:
    return {row.code: [row.cells[phase].count for phase in (1, 2, 3, 4)] for row in [*report.rows, report.total]}


# suppress_group on its own


def test_every_count_from_1_to_the_threshold_minus_1_is_hidden():
    # 1 and 4 are small at threshold 5; 5 and 10 are not; two hidden cells need no second one
    assert suppress_group([1, 4, 5, 10], total=20, threshold=5) == ({0, 1}, False)


def test_one_hidden_cell_hides_the_smallest_other_non_zero_cell_as_well():
    # 2 is small; 6 is the smallest other non-zero cell (the 0 is skipped, 9 is larger)
    assert suppress_group([2, 9, 6, 0], total=17, threshold=5) == ({0, 2}, False)


def test_between_equal_second_cells_the_first_listed_is_hidden():
    assert suppress_group([1, 7, 7], total=15, threshold=5) == ({0, 1}, False)


def test_the_total_is_hidden_when_no_other_non_zero_cell_can_hide_the_small_one():
    # the total (6) is not small, but with only zeros beside the 2 it would give the 2 away
    assert suppress_group([2, 0, 0], total=6, threshold=5) == ({0}, True)


def test_a_small_total_is_hidden_with_its_cells():
    assert suppress_group([3, 0, 1], total=4, threshold=5) == ({0, 2}, True)


def test_zero_is_never_hidden():
    assert suppress_group([0, 0, 8], total=8, threshold=5) == (set(), False)


def test_without_a_published_total_no_second_cell_is_hidden():
    assert suppress_group([2, 9], total=None, threshold=5) == ({0}, False)


@pytest.mark.parametrize(("threshold", "hidden"), [
    (3, set()),  # 3 and 4 are not below 3
    (4, {0, 1}),  # 3 is small; 4 is the smallest other non-zero cell
    (5, {0, 1}),  # 3 and 4 are small
    (11, {0, 1, 2}),  # all three are small; the total 17 is not
])
def test_the_threshold_is_configurable(threshold, hidden):
    assert suppress_group([3, 4, 10], total=17, threshold=threshold) == (hidden, False)


def test_the_default_threshold_comes_from_the_settings(settings):
    assert suppression_threshold() == 5
    settings.REPORT_SUPPRESSION_THRESHOLD = 3
    assert suppression_threshold() == 3


# The funnel with suppression


def test_a_funnel_below_5_hides_every_count_from_1_to_4_and_shows_zeros_and_totals(population):
    # when
    report = funnel_report(programme=population.ovv, as_of=PROGRAMME_END, suppress_below=5)

    # then: exact counts [5,2,1,2,1,1,1,1] [5,1,1,1,1,0,1,1] [4,0,1,1,0,0,1,1] [3,0,1,1,0,0,1,0], totals 14 11 8 6;
    # at least two cells of each phase are hidden, so no second cell is needed and the totals are shown
    hidden = None
    assert counts(report) == {
        "antwerpen": [5, 5, hidden, hidden],
        "oost-vlaanderen": [hidden, hidden, 0, 0],
        "west-vlaanderen": [hidden, hidden, hidden, hidden],
        "vlaams-brabant": [hidden, hidden, hidden, hidden],
        "limburg": [hidden, hidden, 0, 0],
        "brussel": [hidden, 0, 0, 0],
        "buiten-vlaanderen": [hidden, hidden, hidden, hidden],
        "unknown": [hidden, hidden, hidden, 0],
        "total": [14, 11, 8, 6],
    }
    assert report.suppressed_below == 5
    antwerpen = report.rows[0].cells
    assert [antwerpen[phase].suppressed for phase in (1, 2, 3, 4)] == [False, False, True, True]
    assert antwerpen[2].conversion == 100.0  # 5 / 5, both shown
    assert (antwerpen[3].conversion, antwerpen[3].percent_of_target) == (None, None)
    assert report.rows[1].cells[3].conversion is None  # 0 shown, but out of a hidden count
    assert report.total.cells[2].conversion == 78.6  # 11 / 14 × 100 = 78.57


def test_suppressed_cells_are_null_and_flagged_in_the_json(population):
    # when
    data = funnel_report(programme=population.ovv, as_of=PROGRAMME_END, suppress_below=5).as_json()

    # then
    antwerpen = data["rows"][0]["phases"]
    assert antwerpen["3"] == {"count": None, "target": 271, "percent_of_target": None, "conversion": None,
                              "suppressed": True}
    assert antwerpen["1"] == {"count": 5, "target": 1062, "percent_of_target": 0.5, "conversion": None}
    assert data["rows"][5]["phases"]["2"] == {"count": 0, "target": None, "percent_of_target": None,
                                              "conversion": None}  # Brussel: 0 is shown
    assert data["total"]["phases"]["1"]["count"] == 14
    assert data["suppressed_below"] == 5
    assert "exact" not in data  # the exact counts stay inside the report object


def test_a_single_small_region_also_hides_the_smallest_other_region(ovv, coach):
    # given: three people reached in Antwerpen, one in Limburg
    for number, postcode in enumerate([2000, 2000, 2000, 3500]):
        person = participant_register(by=coach, first_name="Person", last_name=f"Number {number}",
                                      postcode=postcode, gender=Participant.Gender.FEMALE)
        trajectory_open(participant=person, programme=ovv, by=coach, entered_on=D(2017, 1, 10))

    # when: threshold 2 hides only the 1 in Limburg, so the total 4 would give it away (4 - 3)
    report = funnel_report(programme=ovv, as_of=PROGRAMME_END, suppress_below=2)

    # then: Antwerpen, the only other non-zero cell, is hidden too; the total is shown
    assert counts(report)["antwerpen"] == [None, 0, 0, 0]
    assert counts(report)["limburg"] == [None, 0, 0, 0]
    assert counts(report)["total"] == [4, 0, 0, 0]
    assert report.rows[0].cells[1].suppressed and report.rows[4].cells[1].suppressed


def test_a_small_total_is_hidden_in_the_funnel(population):
    # when: in period 3 only noeducation (9000) reached a phase
    report = funnel_report(programme=population.ovv, period=population.ovv.reporting_periods.get(number=3),
                           suppress_below=5)

    # then
    assert counts(report)["oost-vlaanderen"] == [None, 0, 0, 0]
    assert counts(report)["total"] == [None, 0, 0, 0]
    data = report.as_json()
    assert data["total"]["phases"]["1"]["count"] is None
    assert data["total"]["phases"]["1"]["suppressed"] is True
    assert data["total"]["phases"]["1"]["target_sum"] == 2350
