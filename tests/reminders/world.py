"""The world of the reminder tests: OVV as seeded (2016-11-01 to 2018-10-31, coordinated by Stebo,
microStart offers microcredit), a coach, a partner specialist, a coordinator, and helpers that
build trajectories through the services. Scans take `today=` dates in OVV's years."""

import datetime
from dataclasses import dataclass

from casemgmt.audit import save_as
from casemgmt.models import Phase, Programme, User
from partners.models import Organisation, Specialisation, StaffMember
from reminders.models import Reminder
from reminders.services import reminders_run
from tests.factories import ParticipantFactory, UserFactory
from trajectories.models import ConsentRecord, Trajectory
from trajectories.services import consent_record, referral_send, trajectory_advance, trajectory_open

D = datetime.date


def staff(username: str, organisation: Organisation, role: str, **fields) -> User:
    user = UserFactory(username=username, email=f"{username}@example.org", **fields)
    save_as(StaffMember(user=user, organisation=organisation, role=role), None)
    return user


@dataclass
class World:
    ovv: Programme
    coach: User
    partner: User
    coordinator: User
    orgs: dict[str, Organisation]

    def trajectory(self, *, entered_on: datetime.date, phase: int = Phase.SENSITISATION,
                   programme: Programme | None = None, coach: User | None = None, **participant) -> Trajectory:
        return trajectory_open(
            participant=ParticipantFactory(**participant), programme=programme or self.ovv, by=self.coach,
            coach=coach or self.coach, entered_on=entered_on, phase=phase,
        )

    def referral(self, trajectory: Trajectory, *, sent_on: datetime.date, organisation: str = "microstart",
                 specialisation: str = "microcredit"):
        organisation = self.orgs[organisation]
        consent_record(participant=trajectory.participant, by=self.coach,
                       purpose=ConsentRecord.Purpose.SHARE_WITH_PARTNER, given_on=sent_on, version="1",
                       organisation=organisation)
        return referral_send(trajectory=trajectory, specialisation=Specialisation.objects.get(code=specialisation),
                             organisation=organisation, question="Can this idea get a microcredit?",
                             by=self.coach, on=sent_on)

    def guided(self, *, entered_on: datetime.date, guidance_on: datetime.date, **kwargs) -> Trajectory:
        trajectory = self.trajectory(entered_on=entered_on, **kwargs)
        return trajectory_advance(trajectory=trajectory, phase=Phase.GUIDANCE, on=guidance_on, by=self.coach)


def scan(today: datetime.date, *rules: str) -> dict[str, tuple[int, int, int]]:
    """Run the scans and the close pass as of `today`: {rule: (created, reopened, closed)}."""
    outcomes = reminders_run(today=today, rules=list(rules) or None)
    return {o.rule: (o.created, o.reopened, o.closed) for o in outcomes}


def reminders(rule: str, **filters) -> list[Reminder]:
    return list(Reminder.objects.filter(rule=rule, **filters).order_by("id"))
