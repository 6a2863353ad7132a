"""ESF common indicators: who entered in a period, broken down over the complete records; results of
those who left; and which records are incomplete, naming the missing field."""

import pytest

from reports.esf import esf_report
from tests.reports.population import D
from trajectories.models import Participant
from trajectories.services import participant_register, trajectory_end, trajectory_open

pytestmark = pytest.mark.usefixtures("english")

WHOLE_PROGRAMME = {"starts_on": D(2016, 11, 1), "ends_on": D(2018, 10, 31)}
PERIOD_1 = {"starts_on": D(2016, 11, 1), "ends_on": D(2017, 10, 31)}


def breakdowns(report) -> dict[str, dict[str, int]]:
    return {b.key: {line.key: line.count for line in b.lines} for b in report.breakdowns}


def results(report) -> dict[str, int]:
    return {line.key: line.count for line in report.results.lines}


def test_over_the_programme_everyone_entered_and_one_record_is_incomplete(population):
    # when
    report = esf_report(programme=population.ovv, **WHOLE_PROGRAMME)

    # then: 14 entered OVV; noeducation lacks education, so 13 complete
    assert (report.entered, report.complete, report.incomplete) == (14, 13, 1)


def test_every_breakdown_adds_up_to_the_complete_records(population):
    # when
    report = esf_report(programme=population.ovv, **WHOLE_PROGRAMME)

    # then (noeducation, incomplete, is in none of them)
    assert breakdowns(report) == {
        # female: zwijndrecht, smart, late_starter, nopostcode, nonoverlap, job_seeker, antwerp_extra;
        # male: brussels, starter, twoprog, window_open, dropout; non-binary: direct2
        "gender": {"female": 7, "male": 5, "non_binary": 1},
        # below 25: zwijndrecht (1993-??-??, entered 2017-06-01: 24), brussels (1992-06-??, 2017-05-31: 24),
        # nopostcode (1995-01-20, 2017-12-01: 22); above 54: twoprog (1960-03-15, 2017-03-01: 56);
        # the other 9 are 25 to 54, among them direct2 (1992-06-??, 2017-06-01: 25) and job_seeker
        # (1991-12-01, 2017-11-06: 25)
        "age": {"below_25": 3, "25_54": 9, "above_54": 1},
        # unemployed: zwijndrecht, direct2, starter, nopostcode, nonoverlap, window_open, dropout;
        # long-term: smart, twoprog; inactive: brussels, late_starter, job_seeker; employed: antwerp_extra
        "labour_market_status": {"unemployed": 7, "long_term_unemployed": 2, "inactive": 3, "employed": 1},
        # 0-2: brussels, twoprog, job_seeker, dropout; 3-4: zwijndrecht, smart, late_starter, nopostcode,
        # window_open; 5-8: direct2, starter, nonoverlap, antwerp_extra
        "education": {"isced_0_2": 4, "isced_3_4": 5, "isced_5_8": 4},
        # EU: antwerp_extra (NL); not recorded: nonoverlap; the other 11 are third-country nationals
        "nationality": {"third_country": 11, "eu": 1, "unknown": 1},
        "disability": {"yes": 1, "no": 11, "unknown": 1},  # yes: dropout; unknown: antwerp_extra
        "homeless": {"yes": 1, "no": 11, "unknown": 1},  # yes: brussels; unknown: antwerp_extra
    }
    for breakdown in report.breakdowns:
        assert sum(line.count for line in breakdown.lines) == report.complete, breakdown.key


def test_results_on_leaving_count_who_left_in_the_period(population):
    # when
    report = esf_report(programme=population.ovv, **WHOLE_PROGRAMME)

    # then: smart, starter, late_starter, dropout, job_seeker and window_open left OVV
    assert report.left == 6
    assert results(report) == {
        "employment": 3,  # smart (protected: interim work), starter, late_starter (self-employed)
        "self_employed": 2,  # starter and late_starter have an enterprise number (the window does not matter here)
        "education": 0,
        "job_seeking": 1,  # job_seeker
        "other": 1,  # dropout
        "not_recorded": 1,  # window_open
    }


def test_the_incomplete_list_names_the_missing_field(population):
    # when
    report = esf_report(programme=population.ovv, **WHOLE_PROGRAMME)

    # then
    assert report.incomplete_records == [{
        "participant_id": population.people["noeducation"].pk, "name": "Karim Nouri",
        "entered_on": D(2018, 5, 15), "missing": ["education (ISCED)"],
    }]


def test_a_period_counts_only_who_entered_and_left_within_it(population):
    # when
    report = esf_report(programme=population.ovv, **PERIOD_1)

    # then: not nopostcode (2017-12-01), noeducation (2018-05-15) or job_seeker (2017-11-06)
    assert (report.entered, report.complete, report.incomplete, report.incomplete_records) == (11, 11, 0, [])
    assert breakdowns(report)["age"] == {"below_25": 2, "25_54": 8, "above_54": 1}  # no nopostcode
    assert breakdowns(report)["gender"] == {"female": 5, "male": 5, "non_binary": 1}  # 7-2, 5, 1
    # smart (2017-09-29), starter (2017-08-31), late_starter (2017-06-30)
    assert report.left == 3
    assert results(report) == {"employment": 3, "self_employed": 2, "education": 0, "job_seeking": 0, "other": 0,
                               "not_recorded": 0}


@pytest.mark.parametrize(("day", "expected"), [
    # zwijndrecht, born 1993 (month and day unknown: 1993-01-01), is 24; direct2, born 1992-06 (day unknown:
    # 1992-06-01), turns 25 that day
    (D(2017, 6, 1), {"below_25": 1, "25_54": 1, "above_54": 0}),
    # brussels, born 1992-06 (taken as 1992-06-01), is 24 on 2017-05-31, the day before
    (D(2017, 5, 31), {"below_25": 1, "25_54": 0, "above_54": 0}),
])
def test_age_at_entry_takes_an_unknown_day_or_month_as_the_first(population, day, expected):
    # when
    report = esf_report(programme=population.ovv, starts_on=day, ends_on=day)

    # then
    assert breakdowns(report)["age"] == expected


def test_a_period_with_only_an_incomplete_entrant_counts_it_in_the_total_only(population):
    # when: period 3 (2018-05-01..2018-10-31): only noeducation entered
    report = esf_report(programme=population.ovv, starts_on=D(2018, 5, 1), ends_on=D(2018, 10, 31))

    # then
    assert (report.entered, report.complete, report.incomplete) == (1, 0, 1)
    assert all(line.count == 0 for breakdown in report.breakdowns for line in breakdown.lines)
    assert [record["name"] for record in report.incomplete_records] == ["Karim Nouri"]
    # job_seeker (2018-06-29) and window_open (2018-09-28) left in it
    assert report.left == 2
    assert results(report)["job_seeking"] == 1 and results(report)["not_recorded"] == 1


def test_another_programmes_enrolments_are_not_in_the_indicators(population):
    # when: LBA has twoprog (entered 2017-05-02) and nonoverlap (2016-11-10, left 2016-12-20)
    report = esf_report(programme=population.lba, **WHOLE_PROGRAMME)

    # then
    assert (report.entered, report.complete, report.left) == (2, 2, 1)
    assert breakdowns(report)["age"] == {"below_25": 0, "25_54": 1, "above_54": 1}  # nonoverlap 29, twoprog 57
    assert results(report)["not_recorded"] == 1


def two_trajectories(ovv, coach, *, education: str) -> Participant:
    """Dana, born 1992-06-15: 24 when she first entered OVV (2017-01-10), 25 when she came back (2017-09-01)."""
    dana = participant_register(by=coach, first_name="Dana", last_name="Khalil", postcode=9000,
                                birth_year=1992, birth_month=6, birth_day=15, gender=Participant.Gender.FEMALE,
                                labour_market_status=Participant.LabourMarketStatus.UNEMPLOYED,
                                education=education, nationality="SY")
    first = trajectory_open(participant=dana, programme=ovv, by=coach, entered_on=D(2017, 1, 10))
    trajectory_end(trajectory=first, by=coach, ended_on=D(2017, 3, 1))
    trajectory_open(participant=dana, programme=ovv, by=coach, entered_on=D(2017, 9, 1))
    return dana


def test_a_person_who_entered_twice_counts_once_in_each_breakdown(ovv, coach):
    # given
    two_trajectories(ovv, coach, education=Participant.Education.ISCED_3_4)

    # when
    report = esf_report(programme=ovv, **PERIOD_1)

    # then: one person, aged 24 on entering the programme (her first entry, 2017-01-10)
    assert (report.entered, report.complete) == (1, 1)
    assert breakdowns(report)["gender"] == {"female": 1, "male": 0, "non_binary": 0}
    assert breakdowns(report)["age"] == {"below_25": 1, "25_54": 0, "above_54": 0}


def test_a_person_who_entered_twice_is_listed_once_as_incomplete(ovv, coach):
    # given
    dana = two_trajectories(ovv, coach, education="")

    # when
    report = esf_report(programme=ovv, **PERIOD_1)

    # then
    assert (report.entered, report.incomplete) == (1, 1)
    assert [record["participant_id"] for record in report.incomplete_records] == [dana.pk]


# With suppression (for figures that leave the organisation)


def shown(report) -> dict[str, list[int | None]]:
    return {b.key: [line.count for line in b.lines] for b in [*report.breakdowns, report.results]}


def test_below_5_the_small_counts_and_a_second_cell_per_breakdown_are_hidden(population):
    # when
    report = esf_report(programme=population.ovv, suppress_below=5, **WHOLE_PROGRAMME)

    # then: incomplete 1 is small; the breakdowns shown in full add up to the 13 complete records, so
    # the 14 entrants are hidden, or 14 − 13 would give the 1 away
    assert (report.entered, report.complete, report.incomplete, report.left) == (None, 13, None, 6)
    hidden = None
    assert shown(report) == {
        "gender": [7, hidden, hidden],  # [7, 5, 1]: the 1, and the smallest other (5)
        "age": [hidden, 9, hidden],  # [3, 9, 1]
        "labour_market_status": [7, hidden, hidden, hidden],  # [7, 2, 3, 1]
        "education": [hidden, 5, hidden],  # [4, 5, 4]
        "nationality": [11, hidden, hidden],  # [11, 1, 1]
        "disability": [hidden, 11, hidden],  # [1, 11, 1]
        "homeless": [hidden, 11, hidden],  # [1, 11, 1]
        # [3, 2, 0, 1, 1, 1] of 6 leavers: every non-zero count is small; 0 is shown
        "results": [hidden, hidden, 0, hidden, hidden, hidden],
    }
    assert report.suppressed_below == 5
    assert report.incomplete_records == []  # names never leave the organisation


def test_a_hidden_number_of_incomplete_records_cannot_be_worked_out_from_a_breakdown(population):
    # given: at threshold 2 the 1 incomplete record is hidden
    report = esf_report(programme=population.ovv, suppress_below=2, **WHOLE_PROGRAMME)
    assert report.incomplete is None

    # when: someone adds up a breakdown whose lines are all shown (education: 4 + 5 + 4 = 13)
    complete_from_lines = {
        breakdown.key: sum(line.count for line in breakdown.lines)
        for breakdown in report.breakdowns if all(line.count is not None for line in breakdown.lines)
    }

    # then: with the entrants shown (14), that would give away 14 − 13 = 1 incomplete record
    assert report.entered is None or complete_from_lines == {}, (report.entered, complete_from_lines)
