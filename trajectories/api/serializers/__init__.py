"""What the API shows of participants, trajectories and sessions to each audience, and the bodies it takes.

Every output serializer is a whitelist for one audience (`audience` names it in each response, so a client
and the schema tell the views of one record apart); the body serializers only check the shape of the input,
and the services check the rules. Nothing here writes."""

from trajectories.api.serializers.participants import (
    PARTICIPANT_SERIALIZERS,
    ParticipantRegistrationSerializer,
    ParticipantUpdateSerializer,
)
from trajectories.api.serializers.sessions import (
    AttendanceRecordSerializer,
    GroupSessionSerializer,
    IndividualSessionSerializer,
    SessionSerializer,
)
from trajectories.api.serializers.trajectories import (
    TRAJECTORY_SERIALIZERS,
    AdvanceSerializer,
    AssignCoachSerializer,
    EndSerializer,
    OutcomeSerializer,
    ScreeningRecordSerializer,
    ScreeningSerializer,
    TrajectorySerializer,
)

__all__ = [
    "PARTICIPANT_SERIALIZERS", "TRAJECTORY_SERIALIZERS", "AdvanceSerializer", "AssignCoachSerializer",
    "AttendanceRecordSerializer", "EndSerializer", "GroupSessionSerializer", "IndividualSessionSerializer",
    "OutcomeSerializer", "ParticipantRegistrationSerializer", "ParticipantUpdateSerializer",
    "ScreeningRecordSerializer", "ScreeningSerializer", "SessionSerializer", "TrajectorySerializer",
]
