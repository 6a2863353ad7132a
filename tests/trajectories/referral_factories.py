"""A world for the referral tests, and a way to bring a referral to any status through the services.

OVV as seeded (Stebo coordinates it; microStart offers microcredit, Zenitor personal feasibility,
Starterslabo's and UNIZO feasibility, Starterslabo's and SMart protected entrepreneurship, Exchange
mentoring), one user for each role that matters to a referral, and a trajectory in guidance whose
participant agreed to share their data with microStart.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from casemgmt.models import Programme, User
from partners.models import Organisation, Specialisation, StaffMember
from partners.services import programme_seed_file, programme_seed_load
from tests.factories import ParticipantFactory, StaffMemberFactory, UserFactory
from trajectories.models import ConsentRecord, Referral, Trajectory
from trajectories.services import (
    consent_record,
    referral_accept,
    referral_complete,
    referral_decline,
    referral_send,
    referral_start,
    referral_stop,
    referral_withdraw,
    trajectory_advance,
    trajectory_open,
)

D = datetime.date
Status = Referral.Status
Kind = Specialisation.ResultKind

ENTERED_ON = D(2017, 1, 10)
GUIDANCE_ON = D(2017, 3, 1)
SENT_ON = D(2017, 3, 2)

# Everyone who might try to touch a referral to microStart, by the name the tests use.
ROLES = ("coach", "other_coach", "coordinator", "partner_microstart", "partner_zenitor", "referrer",
         "auditor", "superuser")

# Organisations that offer a specialisation in OVV; each gets a partner specialist.
OFFERING = ("microstart", "zenitor", "starterslabos", "unizo", "smart", "exchange")

SPECIALISATION_OF_KIND = {
    Kind.MICROCREDIT: "microcredit",
    Kind.FEASIBILITY: "feasibility",
    Kind.PERSONAL_FEASIBILITY: "personal-feasibility",
    Kind.PROTECTED: "protected-entrepreneurship",
    Kind.MENTORING: "mentoring",
}

# A complete, valid result of each kind: what a partner fills in when closing the referral.
VALID_RESULTS = {
    Kind.MICROCREDIT: {"amount_requested": Decimal("5000.00"), "credit_decision": "granted",
                       "amount_granted": Decimal("4000.00"), "decided_on": D(2017, 3, 4)},
    Kind.FEASIBILITY: {"feasibility": "go", "summary": "A tailoring workshop has a market in Ghent."},
    Kind.PERSONAL_FEASIBILITY: {"advice": "Ready to start; plan child care for market days."},
    Kind.PROTECTED: {"route": "smart", "starts_on": D(2017, 4, 1), "ends_on": D(2017, 9, 30)},
    Kind.MENTORING: {"company": "Brouwerij De Koninck", "days": 5, "mentor": "An Peeters"},
}

# The steps from "sent" to each status, and who takes them.
PATHS: dict[str, tuple[str, ...]] = {
    Status.SENT: (),
    Status.ACCEPTED: ("accept",),
    Status.DECLINED: ("decline",),
    Status.IN_PROGRESS: ("accept", "start"),
    Status.COMPLETED: ("accept", "start", "complete"),
    Status.STOPPED: ("accept", "start", "stop"),
    Status.WITHDRAWN: ("withdraw",),
}


@dataclass
class World:
    ovv: Programme
    users: dict[str, User]
    partners: dict[str, User]  # organisation code -> its partner specialist
    organisations: dict[str, Organisation]
    specialisations: dict[str, Specialisation]  # by result kind
    trajectory: Trajectory
    consent: ConsentRecord

    def user(self, role: str) -> User:
        return self.users[role]


def _staff(username: str, organisation: Organisation, role: str) -> User:
    return StaffMemberFactory(user=UserFactory(username=username), organisation=organisation, role=role).user


def guided_trajectory(*, programme: Programme, coach: User, phase: int = 4) -> Trajectory:
    """A new participant's trajectory, opened on ENTERED_ON and (by default) in guidance since GUIDANCE_ON."""
    trajectory = trajectory_open(participant=ParticipantFactory(), programme=programme, by=coach,
                                 coach=coach, entered_on=ENTERED_ON)
    if phase > 1:
        trajectory = trajectory_advance(trajectory=trajectory, phase=phase, on=GUIDANCE_ON, by=coach)
    return trajectory


def share_with(trajectory: Trajectory, organisation: Organisation, *, by: User,
               on: datetime.date = GUIDANCE_ON) -> ConsentRecord:
    return consent_record(participant=trajectory.participant, by=by,
                          purpose=ConsentRecord.Purpose.SHARE_WITH_PARTNER, organisation=organisation,
                          given_on=on, version="1")


def build_world() -> World:
    ovv = programme_seed_load(data=programme_seed_file("ovv"))  # what the `ovv` fixture loads
    organisations = {org.code: org for org in Organisation.objects.all()}
    Role = StaffMember.Role
    stebo = organisations["stebo"]
    partners = {code: _staff(f"partner.{code}", organisations[code], Role.PARTNER_SPECIALIST)
                for code in OFFERING}
    users = {
        "coach": _staff("coach.stebo", stebo, Role.COACH),
        "other_coach": _staff("coach.stebo.2", stebo, Role.COACH),
        "coordinator": _staff("coordinator.stebo", stebo, Role.COORDINATOR),
        "partner_microstart": partners["microstart"],
        "partner_zenitor": partners["zenitor"],
        "referrer": _staff("referrer.idrops", organisations["idrops"], Role.REFERRER),
        "auditor": _staff("auditor", stebo, Role.AUDITOR),
        "superuser": UserFactory(username="admin", is_staff=True, is_superuser=True),
    }
    coach = users["coach"]
    trajectory = guided_trajectory(programme=ovv, coach=coach)
    consent = share_with(trajectory, organisations["microstart"], by=coach)
    specialisations = {kind: Specialisation.objects.get(code=code)
                       for kind, code in SPECIALISATION_OF_KIND.items()}
    return World(ovv=ovv, users=users, partners=partners, organisations=organisations,
                 specialisations=specialisations, trajectory=trajectory, consent=consent)


def send(world: World, *, kind: str = Kind.MICROCREDIT, organisation: str = "microstart",
         trajectory: Trajectory | None = None, by: User | None = None, on: datetime.date = SENT_ON,
         question: str = "Can she get a microcredit for a sewing machine?", **kwargs) -> Referral:
    return referral_send(trajectory=trajectory or world.trajectory, specialisation=world.specialisations[kind],
                         organisation=world.organisations[organisation], question=question,
                         by=by or world.user("coach"), on=on, **kwargs)


def take_step(world: World, referral: Referral, action: str, *, by: User, on: datetime.date,
              reason: str = "The participant moved to Liège.", feedback: str = "Went well.",
              result: dict | None = None) -> Referral:
    """Call the service of `action` with what it needs (a reason, or feedback and a result)."""
    if action == "accept":
        return referral_accept(referral=referral, by=by, on=on)
    if action == "decline":
        return referral_decline(referral=referral, by=by, on=on, reason=reason)
    if action == "start":
        return referral_start(referral=referral, by=by, on=on)
    if action == "stop":
        return referral_stop(referral=referral, by=by, on=on, reason=reason)
    if action == "withdraw":
        return referral_withdraw(referral=referral, by=by, on=on, reason=reason)
    if action == "complete":
        if result is None:
            result = dict(VALID_RESULTS[referral.specialisation.result_kind])
        return referral_complete(referral=referral, by=by, on=on, feedback=feedback, result=result)
    raise ValueError(action)


def referral_in(world: World, status: str, *, kind: str = Kind.MICROCREDIT, organisation: str = "microstart",
                trajectory: Trajectory | None = None, last_on: datetime.date | None = None,
                result: dict | None = None) -> Referral:
    """A referral sent by the coach on SENT_ON and moved to `status` through the services, one day per
    step (the last step on `last_on` when given); partner steps by the receiving organisation's
    specialist, a withdrawal by the coach."""
    referral = send(world, kind=kind, organisation=organisation, trajectory=trajectory)
    steps = PATHS[status]
    for number, action in enumerate(steps, start=1):
        on = SENT_ON + datetime.timedelta(days=number)
        if last_on is not None and number == len(steps):
            on = last_on
        by = world.user("coach") if action == "withdraw" else world.partners[organisation]
        referral = take_step(world, referral, action, by=by, on=on, result=result)
    referral.refresh_from_db()
    assert referral.status == status
    return referral
