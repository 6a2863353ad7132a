"""The world of the report page, API and command tests: OVV as seeded, a second programme (LBA)
coordinated by another organisation, a user of every role, and people enrolled through the services.

`known_funnel` adds a population whose figures the tests state: 3 people in Limburg who reached
phase 1 and 7 in Antwerpen who reached phase 2, all on 2017-01-10; on screen a coordinator sees 3,
a download hides it ("<5") and, as the only small count of phase 1, one more (Antwerpen's 7).
`fill` adds people with everything every report looks at (phases in every region, finished guidance
with a start, incomplete ESF records, a second programme on the same days, an hour claimed twice),
for the query counts at two sizes."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from casemgmt.models import Programme, User
from partners.models import Organisation, ProgrammeRole, StaffMember
from partners.services import staff_allocation_record
from tests.factories import (
    AttendanceFactory,
    OrganisationFactory,
    ProgrammeFactory,
    ProgrammeRoleFactory,
    StaffMemberFactory,
    UserFactory,
)
from trajectories.models import Participant, Session, Trajectory
from trajectories.services import (
    participant_register,
    session_log_individual,
    session_plan_group,
    trajectory_end,
    trajectory_open,
    trajectory_record_outcome,
)

D = datetime.date
ENTERED_ON = D(2017, 1, 10)
AS_OF = D(2017, 10, 31)
ENTERPRISE_NUMBER = "0403.019.261"
# Antwerpen, Oost-Vlaanderen, Limburg, West-Vlaanderen, Vlaams-Brabant, Brussels, no postcode
POSTCODES = (2000, 9000, 3500, 8000, 3000, 1000, None)


@dataclass
class World:
    ovv: Programme
    lba: Programme
    users: dict[str, User]
    trajectories: list[Trajectory] = field(default_factory=list)

    @property
    def coach(self) -> User:
        return self.users["coach"]


def staff(username: str, organisation: Organisation, role: str) -> User:
    return StaffMemberFactory(user=UserFactory(username=username), organisation=organisation, role=role).user


def build_world(ovv: Programme) -> World:
    orgs = {organisation.code: organisation for organisation in Organisation.objects.all()}
    lba = ProgrammeFactory(code="LBA", name="Loopbaanateliers", starts_on=D(2016, 11, 1), ends_on=D(2018, 10, 31))
    other = OrganisationFactory(code="ateliers", name="Ateliers vzw")
    ProgrammeRoleFactory(programme=lba, organisation=other, role=ProgrammeRole.Role.COORDINATION)
    Role = StaffMember.Role
    users = {
        "coordinator": staff("coordinator.stebo", orgs["stebo"], Role.COORDINATOR),
        "other_coordinator": staff("coordinator.ateliers", other, Role.COORDINATOR),
        "coach": staff("coach.stebo", orgs["stebo"], Role.COACH),
        "partner": staff("partner.microstart", orgs["microstart"], Role.PARTNER_SPECIALIST),
        "referrer": staff("referrer.idrops", orgs["idrops"], Role.REFERRER),
        "auditor": staff("auditor", orgs["stebo"], Role.AUDITOR),
        "admin": UserFactory(username="admin", is_staff=True, is_superuser=True),
    }
    return World(ovv=ovv, lba=lba, users=users)


def enrol(programme: Programme, coach: User, *, last_name: str, postcode: int | None, phase: int,
          entered_on: datetime.date = ENTERED_ON, complete: bool = True,
          participant: Participant | None = None) -> Trajectory:
    """A person registered (unless given) and enrolled through the services."""
    if participant is None:
        record = {"gender": Participant.Gender.FEMALE, "labour_market_status": "unemployed"}
        if complete:
            record["education"] = Participant.Education.ISCED_3_4
        participant = participant_register(by=coach, first_name="Person", last_name=last_name,
                                           postcode=postcode, birth_year=1990, **record)
    return trajectory_open(participant=participant, programme=programme, by=coach, coach=coach,
                           entered_on=entered_on, phase=phase)


def known_funnel(world: World) -> None:
    for number in range(3):
        enrol(world.ovv, world.coach, last_name=f"Limburg{number}", postcode=3500, phase=1)
    for number in range(7):
        enrol(world.ovv, world.coach, last_name=f"Antwerpen{number}", postcode=2000, phase=2)


def fill(world: World, count: int, *, start: int = 0) -> None:
    """`count` more people in OVV, each also in LBA over the same days (one hour claimed by both)."""
    coach = world.coach
    info = session_plan_group(programme=world.ovv, by=coach, kind=Session.Kind.INFO, held_on=D(2017, 3, 1),
                              duration_minutes=60, title=f"Info {start}")
    for number in range(start, start + count):
        phase = 1 + number % 4
        trajectory = enrol(world.ovv, coach, last_name=f"Number{number:03d}",
                           postcode=POSTCODES[number % len(POSTCODES)], phase=phase,
                           complete=number % 2 == 0)
        if phase == 4:
            trajectory_end(trajectory=trajectory, by=coach, ended_on=D(2017, 6, 30))
            trajectory_record_outcome(
                trajectory=trajectory, by=coach, outcome=Trajectory.Outcome.SELF_EMPLOYED,
                recorded_on=D(2017, 8, 2), enterprise_number=ENTERPRISE_NUMBER,
                self_employed_since=D(2017, 8, 1), occupation=Trajectory.Occupation.MAIN,
            )
        other = enrol(world.lba, coach, last_name="", postcode=None, phase=1, participant=trajectory.participant)
        for held in (trajectory, other):
            session_log_individual(trajectory=held, by=coach, held_on=D(2017, 1, 12), duration_minutes=60)
        # An attendance the services refuse (a trajectory of LBA at an OVV session), as an import writes it.
        AttendanceFactory(session=info, trajectory=other)
        world.trajectories.append(trajectory)
    # Each fill claims the coach for more than a whole FTE once more.
    claimed_from = D(2017, 1, 1 + start % 28)
    for programme, share in ((world.ovv, Decimal("60")), (world.lba, Decimal("50"))):
        staff_allocation_record(staff=coach.staff, programme=programme, share=share, starts_on=claimed_from,
                                by=None)
