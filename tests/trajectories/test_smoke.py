import datetime

from tests.factories import ParticipantFactory
from trajectories.services import trajectory_advance, trajectory_open


def test_trajectory_entering_phase_3_records_phases_1_and_2_on_the_same_date(ovv, coach):
    participant = ParticipantFactory()
    trajectory = trajectory_open(participant=participant, programme=ovv, by=coach,
                                 entered_on=datetime.date(2017, 1, 10))
    trajectory_advance(trajectory=trajectory, phase=3, on=datetime.date(2017, 2, 1), by=coach)
    entries = list(trajectory.phase_entries.values_list("phase", "entered_on"))
    assert entries == [(1, datetime.date(2017, 1, 10)), (2, datetime.date(2017, 2, 1)),
                       (3, datetime.date(2017, 2, 1))]
