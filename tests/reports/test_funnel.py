"""The funnel: who had reached each phase by a date (or within a period), per region, against the
targets in force; every figure below is counted by hand from tests/reports/population.py."""

import json

import pytest

from reports.funnel import funnel_report
from tests.reports.population import D
from trajectories.services import participant_register, trajectory_advance, trajectory_end, trajectory_open

pytestmark = pytest.mark.usefixtures("english")

PROGRAMME_END = D(2018, 10, 31)
IN_PERIOD_1 = D(2017, 6, 30)
ROW_CODES = ["antwerpen", "oost-vlaanderen", "west-vlaanderen", "vlaams-brabant", "limburg", "brussel",
             "buiten-vlaanderen", "unknown"]
PHASE_3_WARNING = "Phase 3 (detection): the regional targets add up to 601, the programme states 600."


def counts(report) -> dict[str, list[int | None]]:
    """{row code: [count in phase 1, 2, 3, 4]}, the total row as "total"."""
    return {row.code: [row.cells[phase].count for phase in (1, 2, 3, 4)] for row in [*report.rows, report.total]}


def row(report, code: str):
    return next(row for row in report.rows if row.code == code)


def test_at_the_programme_end_each_region_counts_who_had_reached_each_phase(population):
    # when
    report = funnel_report(programme=population.ovv, as_of=PROGRAMME_END)

    # then
    assert [row.code for row in report.rows] == ROW_CODES
    assert counts(report) == {
        # zwijndrecht (2070, still Antwerpen in 2018: 1-2), smart (1-4), window_open (1-4),
        # job_seeker (1-4), antwerp_extra (1-3)
        "antwerpen": [5, 5, 4, 3],
        "oost-vlaanderen": [2, 1, 0, 0],  # direct2 (opened in phase 2: 1-2), noeducation (1)
        "west-vlaanderen": [1, 1, 1, 1],  # starter
        "vlaams-brabant": [2, 1, 1, 1],  # late_starter (3000: 1-4), nonoverlap (1500: 1)
        "limburg": [1, 1, 0, 0],  # twoprog
        "brussel": [1, 0, 0, 0],  # brussels (1000): outside the provinces, counted, not dropped
        "buiten-vlaanderen": [1, 1, 1, 1],  # dropout (4000, Liège)
        "unknown": [1, 1, 1, 0],  # nopostcode
        # 5+2+1+2+1+1+1+1 = 14 | 5+1+1+1+1+0+1+1 = 11 | 4+0+1+1+0+0+1+1 = 8 | 3+0+1+1+0+0+1+0 = 6
        "total": [14, 11, 8, 6],
    }


def test_in_period_1_only_phases_entered_by_that_date_count(population):
    # when
    report = funnel_report(programme=population.ovv, as_of=IN_PERIOD_1)

    # then
    assert counts(report) == {
        "antwerpen": [3, 2, 2, 1],  # zwijndrecht (1 on 06-01), smart (1-4), antwerp_extra (1-3 on 05-02)
        "oost-vlaanderen": [1, 1, 0, 0],  # direct2 (1-2 on 06-01); noeducation only on 2018-05-15
        "west-vlaanderen": [1, 1, 1, 1],  # starter (4 on 04-03)
        "vlaams-brabant": [2, 1, 1, 1],  # late_starter (1-4), nonoverlap (1)
        "limburg": [1, 0, 0, 0],  # twoprog: phase 2 only on 2017-11-15
        "brussel": [1, 0, 0, 0],  # brussels (1 on 05-31)
        "buiten-vlaanderen": [0, 0, 0, 0],  # dropout reached on 2017-09-15
        "unknown": [0, 0, 0, 0],  # nopostcode reached on 2017-12-01
        # 3+1+1+2+1+1 = 9 | 2+1+1+1 = 5 | 2+1+1 = 4 | 1+1+1 = 3
        "total": [9, 5, 4, 3],
    }


def test_a_participant_opened_in_phase_2_counts_in_phases_1_and_2(population):
    # when: the day direct2 was enrolled straight into phase 2 (and zwijndrecht into phase 1)
    report = funnel_report(programme=population.ovv, as_of=D(2017, 6, 1))

    # then
    assert counts(report)["oost-vlaanderen"] == [1, 1, 0, 0]


def test_the_targets_are_the_regional_ones_and_the_total_states_600_where_the_regions_add_to_601(population):
    # when
    report = funnel_report(programme=population.ovv, as_of=PROGRAMME_END)

    # then: as the source states them
    targets = {row.code: [row.cells[phase].target for phase in (1, 2, 3, 4)] for row in report.rows}
    assert targets == {
        "antwerpen": [1062, 520, 271, 181],
        "oost-vlaanderen": [434, 212, 111, 74],
        "west-vlaanderen": [441, 216, 113, 75],
        "vlaams-brabant": [229, 112, 59, 39],
        "limburg": [184, 90, 47, 31],
        "brussel": [None, None, None, None],
        "buiten-vlaanderen": [None, None, None, None],
        "unknown": [None, None, None, None],
    }
    assert [report.total.cells[phase].target for phase in (1, 2, 3, 4)] == [2350, 1150, 600, 400]
    # 1062+434+441+229+184 = 2350 | 520+212+216+112+90 = 1150 | 271+111+113+59+47 = 601 | 181+74+75+39+31 = 400
    assert report.total.target_sum == {1: 2350, 2: 1150, 3: 601, 4: 400}
    assert report.warnings == [PHASE_3_WARNING]


def test_percent_of_target_and_conversion_are_computed_per_cell(population):
    # when
    report = funnel_report(programme=population.ovv, as_of=PROGRAMME_END)

    # then
    antwerpen = row(report, "antwerpen").cells
    assert antwerpen[1].percent_of_target == 0.5  # 5 / 1062 × 100 = 0.47 → 0.5
    assert antwerpen[4].percent_of_target == 1.7  # 3 / 181 × 100 = 1.66 → 1.7
    assert [antwerpen[phase].conversion for phase in (1, 2, 3, 4)] == [
        None,  # nothing before phase 1
        100.0,  # 5 / 5
        80.0,  # 4 / 5
        75.0,  # 3 / 4
    ]
    east = row(report, "oost-vlaanderen").cells
    assert east[2].conversion == 50.0  # 1 / 2
    assert east[3].conversion == 0.0  # 0 / 1
    assert east[3].percent_of_target == 0.0  # 0 / 111
    assert east[4].conversion is None  # 0 / 0: nobody to convert from
    assert row(report, "brussel").cells[1].percent_of_target is None  # no target for Brussels
    total = report.total.cells
    assert total[1].percent_of_target == 0.6  # 14 / 2350 × 100 = 0.596 → 0.6
    assert total[3].percent_of_target == 1.3  # 8 / 600 (the stated total, not 601) × 100 = 1.33 → 1.3
    assert [total[phase].conversion for phase in (2, 3, 4)] == [
        78.6,  # 11 / 14 × 100 = 78.57
        72.7,  # 8 / 11 × 100 = 72.73
        75.0,  # 6 / 8
    ]


def test_postcode_2070_is_antwerpen_until_2024_and_oost_vlaanderen_from_2025(population):
    # when: the same data, placed in regions as of three dates
    until_2024 = funnel_report(programme=population.ovv, as_of=D(2024, 12, 31))
    from_2025 = funnel_report(programme=population.ovv, as_of=D(2025, 1, 1))
    mid_2025 = funnel_report(programme=population.ovv, as_of=D(2025, 6, 30))

    # then: zwijndrecht (2070, phases 1-2) moves from one row to the other; nothing else changes
    assert counts(until_2024)["antwerpen"] == [5, 5, 4, 3]
    assert counts(until_2024)["oost-vlaanderen"] == [2, 1, 0, 0]
    for report in (from_2025, mid_2025):
        assert counts(report)["antwerpen"] == [4, 4, 4, 3]  # 5-1, 5-1, 4, 3
        assert counts(report)["oost-vlaanderen"] == [3, 2, 0, 0]  # 2+1, 1+1, 0, 0
        assert counts(report)["total"] == [14, 11, 8, 6]
        # The targets in force in 2025 are still the 2016 version: the report uses them.
        assert row(report, "antwerpen").cells[1].target == 1062
        assert report.warnings == [PHASE_3_WARNING]


def test_a_period_counts_only_who_reached_the_phase_within_it(population):
    # given: period 2 runs from 2017-11-01 to 2018-04-30
    period_2 = population.ovv.reporting_periods.get(number=2)

    # when
    report = funnel_report(programme=population.ovv, period=period_2)

    # then
    assert counts(report) == {
        # job_seeker: 1 on 2017-11-06, 2-4 on 2018-02-01; window_open: 1 in period 1, 2-4 on 2018-03-01
        "antwerpen": [1, 2, 2, 2],
        "oost-vlaanderen": [0, 0, 0, 0],
        "west-vlaanderen": [0, 0, 0, 0],
        "vlaams-brabant": [0, 0, 0, 0],
        "limburg": [0, 1, 0, 0],  # twoprog: phase 2 on 2017-11-15
        "brussel": [0, 0, 0, 0],
        "buiten-vlaanderen": [0, 1, 1, 1],  # dropout: 1 in period 1, 2-4 on 2017-12-01
        "unknown": [1, 1, 1, 0],  # nopostcode: 1 on 2017-12-01, 2-3 on 2018-02-01
        "total": [2, 5, 4, 3],  # 1+1 | 2+1+1+1 | 2+1+1 | 2+1
    }
    assert (report.since, report.as_of) == (D(2017, 11, 1), D(2018, 4, 30))
    data = report.as_json()
    assert (data["period"], data["since"], data["as_of"]) == (2, "2017-11-01", "2018-04-30")


def test_period_3_counts_the_one_person_reached_in_it(population):
    # when: period 3 runs from 2018-05-01 to 2018-10-31
    report = funnel_report(programme=population.ovv, period=population.ovv.reporting_periods.get(number=3))

    # then: only noeducation (9000, phase 1 on 2018-05-15)
    assert counts(report)["oost-vlaanderen"] == [1, 0, 0, 0]
    assert counts(report)["total"] == [1, 0, 0, 0]


def test_the_json_contract_names_programme_date_rows_phases_total_and_warnings(population):
    # when
    data = funnel_report(programme=population.ovv, as_of=PROGRAMME_END).as_json()

    # then
    json.dumps(data)  # plain JSON, as the API and the command send it
    assert set(data) == {"programme", "as_of", "rows", "total", "warnings", "suppressed_below"}
    assert (data["programme"], data["as_of"], data["suppressed_below"]) == ("OVV", "2018-10-31", None)
    assert [(r["province"], r["nis_code"]) for r in data["rows"]] == [
        ("Antwerpen", "10000"), ("Oost-Vlaanderen", "40000"), ("West-Vlaanderen", "30000"),
        ("Vlaams-Brabant", "20001"), ("Limburg", "70000"), ("Brussel", "04000"), ("Buiten Vlaanderen", None),
        ("postcode unknown", None),
    ]
    antwerpen = data["rows"][0]
    assert set(antwerpen) == {"province", "nis_code", "code", "kind", "phases"}
    assert set(antwerpen["phases"]) == {"1", "2", "3", "4"}
    assert antwerpen["phases"]["1"] == {"count": 5, "target": 1062, "percent_of_target": 0.5, "conversion": None}
    assert antwerpen["phases"]["4"] == {"count": 3, "target": 181, "percent_of_target": 1.7, "conversion": 75.0}
    assert data["rows"][-1]["phases"]["3"] == {"count": 1, "target": None, "percent_of_target": None,
                                               "conversion": 100.0}  # nopostcode: 1 of 1 in phase 2
    assert data["total"]["phases"]["3"] == {
        "count": 8, "target": 600, "target_sum": 601, "percent_of_target": 1.3, "conversion": 72.7,
    }
    assert [data["total"]["phases"][p]["count"] for p in "1234"] == [14, 11, 8, 6]
    assert [data["total"]["phases"][p]["target_sum"] for p in "1234"] == [2350, 1150, 601, 400]
    assert data["warnings"] == [PHASE_3_WARNING]


def test_the_funnel_needs_a_date_or_a_period(ovv):
    with pytest.raises(ValueError, match="as_of or period"):
        funnel_report(programme=ovv)


def test_another_programmes_trajectories_do_not_count(population):
    # when: LBA has twoprog (3500, open since 2017-05-02) and nonoverlap (1500, 2016-11-10..12-20)
    report = funnel_report(programme=population.lba, as_of=PROGRAMME_END)

    # then: phase 1 only, each in their own region; LBA has no targets and so no warnings
    assert counts(report)["limburg"] == [1, 0, 0, 0]
    assert counts(report)["vlaams-brabant"] == [1, 0, 0, 0]
    assert counts(report)["total"] == [2, 0, 0, 0]
    assert report.warnings == []


def test_a_period_shows_no_conversion_because_different_people_reach_each_phase(population):
    # given: in period 2, 2 people reached phase 1 and 5 reached phase 2 (most of them reached phase 1 before)
    period_2 = population.ovv.reporting_periods.get(number=2)

    # when
    report = funnel_report(programme=population.ovv, period=period_2)

    # then: docs/reports.md: conversion is "not for a period" (5 / 2 would read as 250%)
    assert [report.total.cells[phase].conversion for phase in (1, 2, 3, 4)] == [None, None, None, None]
    assert all(row.cells[phase].conversion is None for row in report.rows for phase in (1, 2, 3, 4))
    assert report.total.cells[2].percent_of_target == 0.4  # 5 / 1150 × 100 = 0.43


def test_two_trajectories_of_one_person_in_the_programme_count_once(ovv, coach):
    # given: Dana left OVV in phase 2 and came back later, reaching phase 3 the second time
    dana = participant_register(by=coach, first_name="Dana", last_name="Khalil", postcode=9000)
    first = trajectory_open(participant=dana, programme=ovv, by=coach, entered_on=D(2017, 1, 10))
    trajectory_advance(trajectory=first, phase=2, on=D(2017, 2, 1), by=coach)
    trajectory_end(trajectory=first, by=coach, ended_on=D(2017, 3, 1))
    second = trajectory_open(participant=dana, programme=ovv, by=coach, entered_on=D(2017, 6, 1))
    trajectory_advance(trajectory=second, phase=3, on=D(2017, 7, 3), by=coach)

    # when
    report = funnel_report(programme=ovv, as_of=PROGRAMME_END)

    # then
    assert counts(report)["oost-vlaanderen"] == [1, 1, 1, 0]
    assert counts(report)["total"] == [1, 1, 1, 0]
