"""Double funding: the same person in two programmes at once is listed, and so is every cost two
programmes could both claim (a session, a coaching hour, a staff member's time over 100%)."""

from decimal import Decimal

from reports.double_funding import double_funding_report, overcommitted_staff
from tests.factories import StaffAllocationFactory, StaffMemberFactory
from tests.reports.population import SAME_DAY, D


def test_a_person_enrolled_in_two_programmes_over_overlapping_dates_is_listed(population):
    # when
    report = double_funding_report(programme=population.ovv)

    # then: twoprog is in OVV since 2017-03-01 and in LBA since 2017-05-02, both still open;
    # nonoverlap left LBA (2016-12-20) before entering OVV (2017-01-10): not listed
    ovv_trajectory, lba_trajectory = population.ovv_trajectories["twoprog"], population.lba_trajectories["twoprog"]
    assert report.overlapping_enrolments == [{
        "pk": ovv_trajectory.pk, "participant_id": population.people["twoprog"].pk,
        "started_on": D(2017, 3, 1), "ended_on": None,
        "other_id": lba_trajectory.pk, "other_programme": "LBA",
        "other_started_on": D(2017, 5, 2), "other_ended_on": None,
    }]


def test_an_attendance_of_another_programmes_trajectory_is_listed(population):
    # when
    report = double_funding_report(programme=population.ovv)

    # then: twoprog's LBA trajectory on OVV's info session of 2017-09-01 (zwijndrecht's attendance is fine)
    assert [
        (row["session_id"], row["session__held_on"], row["session__programme__code"], row["trajectory_id"],
         row["trajectory__programme__code"], row["trajectory__participant_id"])
        for row in report.cross_programme_attendances
    ] == [(population.sessions["info"].pk, D(2017, 9, 1), "OVV", population.lba_trajectories["twoprog"].pk, "LBA",
           population.people["twoprog"].pk)]


def test_the_same_coach_seeing_the_same_person_on_the_same_day_in_two_programmes_is_listed(population):
    # when
    report = double_funding_report(programme=population.ovv)

    # then: 2017-06-12, an hour in OVV and 45 minutes in LBA, both with the coach; not 2017-06-13 (OVV only)
    # and not 2017-06-14 (LBA's session was another coach's)
    assert report.same_day_sessions == [{
        "session_id": population.sessions["ovv_same_day"].pk, "session__held_on": SAME_DAY,
        "session__duration_minutes": 60, "session__coach_id": population.coach.pk,
        "trajectory__participant_id": population.people["twoprog"].pk,
        "other_session_id": population.sessions["lba_same_day"].pk, "other_programme": "LBA", "other_minutes": 45,
    }]


def test_staff_claimed_for_more_than_100_percent_is_listed_once_from_the_day_it_goes_over(population):
    # when
    report = double_funding_report(programme=population.ovv)

    # then: the coach: 60% OVV from 2017-01-01, + 50% LBA from 2017-07-01 = 110%;
    # the other coach 60% + 40% = 100% is fine; the SMart specialist's 80% + 80% never overlap
    assert [(row["staff_id"], row["staff__user__username"], row["starts_on"], row["total"])
            for row in report.overcommitted_staff] == [
        (population.staff["over"].pk, "coach.stebo", D(2017, 7, 1), Decimal("110.00")),
    ]


def test_the_findings_add_up_the_costs_claimed_twice(population):
    # when
    report = double_funding_report(programme=population.ovv)

    # then: one attendance, one same-day session, one staff member (being in two programmes is allowed)
    assert report.findings == 3


def test_the_other_programme_sees_the_same_findings_from_its_side(population):
    # when
    report = double_funding_report(programme=population.lba)

    # then
    assert [(row["pk"], row["other_programme"]) for row in report.overlapping_enrolments] == [
        (population.lba_trajectories["twoprog"].pk, "OVV"),
    ]
    assert [row["pk"] for row in report.cross_programme_attendances] == [
        row["pk"] for row in double_funding_report(programme=population.ovv).cross_programme_attendances
    ]
    assert [(row["session_id"], row["other_session_id"], row["other_programme"])
            for row in report.same_day_sessions] == [
        (population.sessions["lba_same_day"].pk, population.sessions["ovv_same_day"].pk, "OVV"),
    ]
    assert [(row["staff_id"], row["starts_on"]) for row in report.overcommitted_staff] == [
        (population.staff["over"].pk, D(2017, 7, 1)),
    ]


def test_a_programme_with_nobody_in_another_has_no_findings(ovv, lba):
    # when
    report = double_funding_report(programme=ovv)

    # then
    assert (report.overlapping_enrolments, report.cross_programme_attendances, report.same_day_sessions,
            report.overcommitted_staff) == ([], [], [], [])
    assert report.findings == 0


def test_shares_adding_up_to_exactly_100_percent_are_not_overcommitted(ovv, lba):
    # given: 33.33% + 58.88% + 7.79% = 100.00% exactly (as binary floats the sum is 100.00000000000001)
    member = StaffMemberFactory()
    for programme, share in ((ovv, "33.33"), (lba, "58.88"), (ovv, "7.79")):
        StaffAllocationFactory(staff=member, programme=programme, share=Decimal(share), starts_on=D(2017, 1, 1))

    # when
    rows = overcommitted_staff(ovv)

    # then
    assert rows == []
