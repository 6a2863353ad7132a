"""The phase rules of a trajectory: forward only, dated, within the programme, atomic and attributed."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from casemgmt.errors import RuleViolation
from tests.factories import ParticipantFactory, ProgrammeFactory, UserFactory
from tests.trajectories.factories import row_counts, running_programme, today
from trajectories.models import PhaseEntry, Session, Trajectory
from trajectories.services import (
    session_plan_group,
    session_record_attendance,
    trajectory_advance,
    trajectory_end,
    trajectory_open,
)

D = datetime.date


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def participant(db):
    return ParticipantFactory()


@pytest.fixture
def trajectory(ovv, coach, participant) -> Trajectory:
    """An OVV trajectory in phase 1 since 2017-01-10."""
    return trajectory_open(participant=participant, programme=ovv, by=coach, entered_on=D(2017, 1, 10))


def phases(trajectory: Trajectory) -> list[tuple[int, datetime.date]]:
    return list(trajectory.phase_entries.order_by("phase").values_list("phase", "entered_on"))


# Entering phases


def test_opening_a_trajectory_enters_phase_1_on_the_given_date(trajectory):
    assert phases(trajectory) == [(1, D(2017, 1, 10))]


def test_opening_in_a_later_phase_records_every_earlier_phase_on_the_same_date(ovv, coach, participant):
    trajectory = trajectory_open(
        participant=participant, programme=ovv, by=coach, entered_on=D(2017, 3, 1), phase=3
    )

    assert phases(trajectory) == [(1, D(2017, 3, 1)), (2, D(2017, 3, 1)), (3, D(2017, 3, 1))]


def test_entering_phase_3_records_phase_2_on_the_same_date(trajectory, coach):
    trajectory_advance(trajectory=trajectory, phase=3, on=D(2017, 2, 1), by=coach)

    assert phases(trajectory) == [(1, D(2017, 1, 10)), (2, D(2017, 2, 1)), (3, D(2017, 2, 1))]


def test_phases_entered_one_by_one_keep_their_own_dates(trajectory, coach):
    trajectory_advance(trajectory=trajectory, phase=2, on=D(2017, 2, 1), by=coach)
    trajectory_advance(trajectory=trajectory, phase=3, on=D(2017, 3, 1), by=coach)
    trajectory_advance(trajectory=trajectory, phase=4, on=D(2017, 4, 1), by=coach)

    assert phases(trajectory) == [
        (1, D(2017, 1, 10)), (2, D(2017, 2, 1)), (3, D(2017, 3, 1)), (4, D(2017, 4, 1)),
    ]
    assert Trajectory.objects.with_phase().get(pk=trajectory.pk).phase == 4
    assert list(Trajectory.objects.in_phase(4)) == [trajectory]
    assert not Trajectory.objects.in_phase(1).exists()


def test_a_phase_may_be_entered_on_the_same_day_as_the_previous_one(trajectory, coach):
    trajectory_advance(trajectory=trajectory, phase=2, on=D(2017, 1, 10), by=coach)

    assert phases(trajectory) == [(1, D(2017, 1, 10)), (2, D(2017, 1, 10))]


def test_a_phase_may_be_entered_on_the_first_and_the_last_day_of_the_programme(ovv, coach, participant):
    trajectory = trajectory_open(participant=participant, programme=ovv, by=coach, entered_on=ovv.starts_on)

    trajectory_advance(trajectory=trajectory, phase=2, on=ovv.ends_on, by=coach)

    assert phases(trajectory) == [(1, D(2016, 11, 1)), (2, D(2018, 10, 31))]


def test_a_phase_may_be_entered_today(coach, participant):
    programme = running_programme()

    trajectory = trajectory_open(participant=participant, programme=programme, by=coach, entered_on=today())

    assert phases(trajectory) == [(1, today())]


# Refusals: each says why, and writes nothing


@pytest.mark.parametrize(("current", "target"), [(2, 2), (2, 1), (4, 3), (4, 1)])
def test_phases_only_move_forward(trajectory, coach, current, target):
    # given
    if current > 1:
        trajectory_advance(trajectory=trajectory, phase=current, on=D(2017, 2, 1), by=coach)
    before = row_counts()

    # when
    with pytest.raises(RuleViolation) as refused:
        trajectory_advance(trajectory=trajectory, phase=target, on=D(2017, 3, 1), by=coach)

    # then
    assert refused.value.code == "phase_not_forward"
    assert f"already in phase {current}" in refused.value.messages[0]
    assert row_counts() == before


@pytest.mark.parametrize("phase", [0, 5])
def test_a_phase_that_does_not_exist_is_refused(trajectory, ovv, coach, phase):
    newcomer = ParticipantFactory()
    before = row_counts()

    with pytest.raises(RuleViolation) as refused_advance:
        trajectory_advance(trajectory=trajectory, phase=phase, on=D(2017, 3, 1), by=coach)
    with pytest.raises(RuleViolation) as refused_open:
        trajectory_open(participant=newcomer, programme=ovv, by=coach, entered_on=D(2017, 3, 1),
                        phase=phase)

    assert refused_advance.value.code == refused_open.value.code == "phase_unknown"
    assert "choose 1 to 4" in refused_advance.value.messages[0]
    assert row_counts() == before


def test_a_phase_date_in_the_future_is_refused(coach, participant):
    # given a programme that is still running
    programme = running_programme()
    trajectory = trajectory_open(participant=participant, programme=programme, by=coach,
                                 entered_on=today() - datetime.timedelta(days=30))
    tomorrow = today() + datetime.timedelta(days=1)
    before = row_counts()

    # when / then
    with pytest.raises(RuleViolation) as refused:
        trajectory_advance(trajectory=trajectory, phase=2, on=tomorrow, by=coach)
    assert refused.value.code == "phase_date_future"
    assert str(tomorrow) in refused.value.messages[0]
    assert row_counts() == before


def test_a_trajectory_cannot_be_opened_with_a_date_in_the_future(coach, participant):
    programme = running_programme()
    before = row_counts()

    with pytest.raises(RuleViolation) as refused:
        trajectory_open(participant=participant, programme=programme, by=coach,
                        entered_on=today() + datetime.timedelta(days=1))

    assert refused.value.code == "phase_date_future"
    assert row_counts() == before


def test_a_trajectory_cannot_be_opened_before_the_programme_starts(ovv, coach, participant):
    before = row_counts()

    with pytest.raises(RuleViolation) as refused:
        trajectory_open(participant=participant, programme=ovv, by=coach, entered_on=D(2016, 10, 31))

    assert refused.value.code == "phase_date_before_programme"
    assert "2016-11-01" in refused.value.messages[0]
    assert row_counts() == before


def test_a_phase_cannot_be_entered_after_the_programme_ended(trajectory, ovv, coach):
    newcomer = ParticipantFactory()
    before = row_counts()

    with pytest.raises(RuleViolation) as refused_advance:
        trajectory_advance(trajectory=trajectory, phase=2, on=D(2018, 11, 1), by=coach)
    with pytest.raises(RuleViolation) as refused_open:
        trajectory_open(participant=newcomer, programme=ovv, by=coach, entered_on=D(2018, 11, 1))

    assert refused_advance.value.code == refused_open.value.code == "phase_date_after_programme"
    assert "2018-10-31" in refused_advance.value.messages[0]
    assert row_counts() == before


def test_a_phase_cannot_be_entered_before_the_previous_phase(trajectory, coach):
    trajectory_advance(trajectory=trajectory, phase=2, on=D(2017, 3, 1), by=coach)
    before = row_counts()

    with pytest.raises(RuleViolation) as refused:
        trajectory_advance(trajectory=trajectory, phase=3, on=D(2017, 2, 28), by=coach)

    assert refused.value.code == "phase_date_before_previous"
    assert "2017-03-01" in refused.value.messages[0]
    assert row_counts() == before
    assert phases(trajectory) == [(1, D(2017, 1, 10)), (2, D(2017, 3, 1))]


def test_an_ended_trajectory_does_not_move(trajectory, coach):
    trajectory_end(trajectory=trajectory, by=coach, ended_on=D(2017, 6, 1))
    before = row_counts()

    with pytest.raises(RuleViolation) as refused:
        trajectory_advance(trajectory=trajectory, phase=2, on=D(2017, 6, 1), by=coach)

    assert refused.value.code == "trajectory_ended"
    assert "2017-06-01" in refused.value.messages[0]
    assert row_counts() == before
    assert phases(trajectory) == [(1, D(2017, 1, 10))]


# One open trajectory per participant and programme


def test_a_participant_cannot_open_a_second_trajectory_in_the_same_programme(trajectory, ovv, coach,
                                                                               participant):
    before = row_counts()

    with pytest.raises(RuleViolation) as refused:
        trajectory_open(participant=participant, programme=ovv, by=coach, entered_on=D(2017, 5, 1))

    assert refused.value.code == "trajectory_already_open"
    assert "OVV" in refused.value.messages[0]
    assert row_counts() == before


def test_a_participant_may_have_open_trajectories_in_two_programmes(trajectory, coach, participant):
    # the same person in the parallel project (career workshops) counts there too
    workshops = ProgrammeFactory(code="LBA", name="Loopbaanateliers")

    other = trajectory_open(participant=participant, programme=workshops, by=coach,
                            entered_on=D(2017, 2, 1))

    assert set(participant.trajectories.open()) == {trajectory, other}


def test_after_ending_a_trajectory_a_new_one_may_be_opened_in_the_same_programme(trajectory, ovv, coach,
                                                                                  participant):
    trajectory_end(trajectory=trajectory, by=coach, ended_on=D(2017, 6, 1))

    again = trajectory_open(participant=participant, programme=ovv, by=coach, entered_on=D(2017, 9, 1))

    assert list(participant.trajectories.open()) == [again]
    assert phases(trajectory) == [(1, D(2017, 1, 10))]
    assert phases(again) == [(1, D(2017, 9, 1))]


def test_the_database_refuses_two_open_trajectories_of_a_participant_in_one_programme(ovv, participant):
    # given an ended and an open trajectory, written without the service
    Trajectory.objects.create(participant=participant, programme=ovv, ended_on=D(2017, 3, 1))
    Trajectory.objects.create(participant=participant, programme=ovv)

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        Trajectory.objects.create(participant=participant, programme=ovv)
    assert Trajectory.objects.filter(participant=participant, programme=ovv).count() == 2


def test_the_database_allows_several_ended_trajectories_in_one_programme(ovv, participant):
    Trajectory.objects.create(participant=participant, programme=ovv, ended_on=D(2017, 3, 1))
    Trajectory.objects.create(participant=participant, programme=ovv, ended_on=D(2017, 9, 1))

    assert Trajectory.objects.filter(participant=participant, programme=ovv).count() == 2


def test_the_database_refuses_entering_a_phase_twice(trajectory, coach):
    with pytest.raises(IntegrityError), transaction.atomic():
        PhaseEntry.objects.create(trajectory=trajectory, phase=1, entered_on=D(2017, 2, 1),
                                  recorded_by=coach)

    assert phases(trajectory) == [(1, D(2017, 1, 10))]


# Atomic, and attributed


def test_a_refused_group_attendance_writes_nothing_for_anyone(ovv, coach):
    # given an info session on 2017-03-01, a participant reached before it and one reached after it
    reached_later = trajectory_open(participant=ParticipantFactory(), programme=ovv, by=coach,
                                    entered_on=D(2017, 5, 1))
    reached_before = trajectory_open(participant=ParticipantFactory(), programme=ovv, by=coach,
                                     entered_on=D(2017, 1, 10))
    session = session_plan_group(programme=ovv, by=coach, kind=Session.Kind.INFO,
                                 held_on=D(2017, 3, 1), duration_minutes=120, title="Ondernemen in België")
    before = row_counts()

    # when both are recorded as present: the one reached later cannot attend before being reached
    with pytest.raises(RuleViolation) as refused:
        session_record_attendance(session=session, by=coach,
                                  attended=[reached_before.pk, reached_later.pk])

    # then not even the attendance and phase 2 of the other participant were kept
    assert refused.value.code == "session_outside_trajectory"
    assert row_counts() == before
    assert phases(reached_before) == [(1, D(2017, 1, 10))]
    assert not session.attendances.exists()


def test_each_phase_entry_records_who_entered_it(trajectory, coach):
    # given
    colleague = UserFactory(username="colleague")

    # when
    trajectory_advance(trajectory=trajectory, phase=3, on=D(2017, 2, 1), by=colleague)

    # then
    entries = {entry.phase: entry for entry in trajectory.phase_entries.all()}
    assert entries[1].recorded_by == coach
    assert entries[2].recorded_by == entries[3].recorded_by == colleague
    history = {row.phase: row for row in PhaseEntry.history.filter(trajectory_id=trajectory.pk)}
    assert history[1].history_user == coach
    assert history[2].history_user == history[3].history_user == colleague
    assert {row.history_type for row in history.values()} == {"+"}


def test_each_change_of_a_trajectory_records_who_made_it(trajectory, coach):
    closer = UserFactory(username="closer")

    trajectory_end(trajectory=trajectory, by=closer, ended_on=D(2017, 6, 1))

    rows = list(trajectory.history.order_by("history_id"))
    assert [(row.history_type, row.history_user, row.ended_on) for row in rows] == [
        ("+", coach, None), ("~", closer, D(2017, 6, 1)),
    ]
