"""Every change to a participant's path goes through these functions (see each module)."""

from trajectories.services.participants import (
    ERASED,
    ERASED_NAME,
    consent_record,
    consent_withdraw,
    identifiers_rotate,
    name_key,
    names_erased,
    participant_erase,
    participant_identifier_masked,
    participant_identifier_reveal,
    participant_register,
    participant_update,
)
from trajectories.services.phases import (
    screening_record,
    trajectory_advance,
    trajectory_assign_coach,
    trajectory_end,
    trajectory_open,
    trajectory_record_outcome,
)
from trajectories.services.referrals import (
    consent_to_share,
    referral_accept,
    referral_complete,
    referral_decline,
    referral_follow_up,
    referral_send,
    referral_start,
    referral_stop,
    referral_withdraw,
)
from trajectories.services.sessions import (
    session_log_individual,
    session_plan_group,
    session_record_attendance,
)

__all__ = [
    "ERASED", "ERASED_NAME", "consent_record", "consent_withdraw", "identifiers_rotate", "name_key",
    "names_erased", "participant_erase",
    "participant_identifier_masked", "participant_identifier_reveal", "participant_register",
    "participant_update", "screening_record", "session_log_individual", "session_plan_group",
    "session_record_attendance", "trajectory_advance", "trajectory_assign_coach", "trajectory_end",
    "trajectory_open", "trajectory_record_outcome", "consent_to_share", "referral_accept",
    "referral_complete", "referral_decline", "referral_follow_up", "referral_send", "referral_start",
    "referral_stop", "referral_withdraw",
]
