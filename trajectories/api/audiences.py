"""Which view of a record each role gets through the API, as on the pages: the full file for the people
who coach (and, read-only, for auditors and admins), what a referral needs for a partner specialist, and
the status alone for a referrer."""

from casemgmt.models import User
from trajectories.policies import READ_ALL, Role, role_of

FULL, PARTNER, STATUS = "full", "partner", "status"

# Who reads coaching notes (of sessions and screenings): the people who do the coaching, as on the pages.
NOTE_READERS = frozenset({Role.COACH, Role.COORDINATOR})
# Who runs sessions: plans group sessions, logs contacts, records attendance.
SESSION_RUNNERS = frozenset({Role.COACH, Role.COORDINATOR})


def participant_audience(user: User) -> str:
    role = role_of(user)
    if role in READ_ALL or role in (Role.COACH, Role.COORDINATOR):
        return FULL
    if role == Role.PARTNER:
        return PARTNER
    return STATUS


def trajectory_audience(user: User) -> str:
    role = role_of(user)
    return FULL if role in READ_ALL or role in (Role.COACH, Role.COORDINATOR) else STATUS


def reads_notes(user: User) -> bool:
    return role_of(user) in NOTE_READERS


def runs_sessions(user: User) -> bool:
    return role_of(user) in SESSION_RUNNERS
