"""The known population the report tests compute their expectations from, built through the services.

OVV as seeded (2016-11-01 to 2018-10-31; periods 1: to 2017-10-31, 2: 2017-11-01 to 2018-04-30,
3: 2018-05-01 to 2018-10-31) and a second programme LBA ("loopbaanateliers", same promoter).
Fourteen people in OVV, two of them in LBA as well. Every date lies in the past, so the services'
"not in the future" rules hold without freezing today.

key            postcode (region)          phases in OVV (entered on)               end / outcome
zwijndrecht    2070 (Antwerpen to 2024,   1: 2017-06-01, 2: 2017-09-01 (info       open
               Oost-Vlaanderen from 2025)    session attended)
brussels       1000 (Brussel)             1: 2017-05-31                            open
direct2        9000 (Oost-Vlaanderen)     1+2: 2017-06-01 (opened in phase 2)      open
smart          2000 (Antwerpen)           1: 2017-01-10, 2-4: 2017-03-01           ended 2017-09-29, protected
                                             (SMart referral, completed)             (recorded 2017-10-16)
starter        8000 (West-Vlaanderen)     1: 2017-02-01, 2-3: 2017-03-01,          ended 2017-08-31, self-employed
                                             4: 2017-04-03                           since 2017-12-15 (in window)
late_starter   3000 (Vlaams-Brabant)      1: 2017-02-01, 2-4: 2017-04-03           ended 2017-06-30, self-employed
                                                                                     since 2018-01-15 (after window)
twoprog        3500 (Limburg)             1: 2017-03-01, 2: 2017-11-15             open; also in LBA from 2017-05-02
nopostcode     none (unknown)             1: 2017-12-01, 2-3: 2018-02-01           open
noeducation    9000 (Oost-Vlaanderen)     1: 2018-05-15                            open; ESF record lacks education
nonoverlap     1500 (Vlaams-Brabant)      1: 2017-01-10                            open; in LBA 2016-11-10..2016-12-20
window_open    2018 (Antwerpen)           1: 2017-10-02, 2-4: 2018-03-01           ended 2018-09-28, no outcome
job_seeker     2060 (Antwerpen)           1: 2017-11-06, 2-4: 2018-02-01           ended 2018-06-29, job-seeking
dropout        4000 (Buiten Vlaanderen)   1: 2017-09-15, 2-4: 2017-12-01           ended 2018-03-30, dropped out
antwerp_extra  2100 (Antwerpen)           1: 2017-02-01, 2-3: 2017-05-02           open

Sessions: an OVV info session on 2017-09-01 (zwijndrecht attends; twoprog's LBA trajectory attends it
too, written as a row because the service refuses it); individual sessions of twoprog with the coach
on 2017-06-12 in OVV and in LBA (one hour claimed twice), on 2017-06-13 in OVV only, and on 2017-06-14
in OVV with the coach and in LBA with another coach.
Staff time: the coach 60% OVV (2017-01-01..2018-10-31) + 50% LBA (from 2017-07-01): 110% from
2017-07-01; the other coach 60% OVV + 40% LBA (100%); the SMart specialist 80% OVV to 2017-06-30,
then 80% LBA (never at once).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from casemgmt.audit import save_as
from casemgmt.models import Programme, User
from partners.models import Organisation, Specialisation, StaffMember
from tests.factories import AttendanceFactory, StaffAllocationFactory, UserFactory
from trajectories.models import ConsentRecord, Participant, Session, Trajectory
from trajectories.services import (
    consent_record,
    participant_register,
    referral_accept,
    referral_complete,
    referral_send,
    referral_start,
    session_log_individual,
    session_plan_group,
    session_record_attendance,
    trajectory_advance,
    trajectory_end,
    trajectory_open,
    trajectory_record_outcome,
)

D = datetime.date

# Valid KBO/BCE enterprise numbers (python-stdnum's stdnum.be.vat accepts them).
ENTERPRISE_IN_WINDOW = "0403.170.701"
ENTERPRISE_AFTER_WINDOW = "0403.199.702"

G = Participant.Gender
E = Participant.Education
L = Participant.LabourMarketStatus

# key: (first name, last name, postcode, gender, (year, month, day) of birth, education,
#       labour-market status, nationality, disability, homeless)
PEOPLE = {
    "zwijndrecht": ("Amal", "Haddad", 2070, G.FEMALE, (1993, None, None), E.ISCED_3_4, L.UNEMPLOYED, "SY",
                    False, False),
    "brussels": ("Omar", "Rahimi", 1000, G.MALE, (1992, 6, None), E.ISCED_0_2, L.INACTIVE, "AF", False, True),
    "direct2": ("Sami", "Tesfay", 9000, G.NON_BINARY, (1992, 6, None), E.ISCED_5_8, L.UNEMPLOYED, "ER",
                False, False),
    "smart": ("Layla", "Karim", 2000, G.FEMALE, (1985, 7, 30), E.ISCED_3_4, L.LONG_TERM_UNEMPLOYED, "SY",
              False, False),
    "starter": ("Yusuf", "Tamimi", 8000, G.MALE, (1980, 2, 10), E.ISCED_5_8, L.UNEMPLOYED, "IQ", False, False),
    "late_starter": ("Rania", "Saleh", 3000, G.FEMALE, (1988, 11, 5), E.ISCED_3_4, L.INACTIVE, "SY",
                     False, False),
    "twoprog": ("Mehmet", "Aydin", 3500, G.MALE, (1960, 3, 15), E.ISCED_0_2, L.LONG_TERM_UNEMPLOYED, "TR",
                False, False),
    "nopostcode": ("Hodan", "Warsame", None, G.FEMALE, (1995, 1, 20), E.ISCED_3_4, L.UNEMPLOYED, "SO",
                   False, False),
    "noeducation": ("Karim", "Nouri", 9000, G.MALE, (1990, None, None), "", L.UNEMPLOYED, "SY", False, False),
    "nonoverlap": ("Sara", "Ahmadi", 1500, G.FEMALE, (1987, 4, 12), E.ISCED_5_8, L.UNEMPLOYED, "", False, False),
    "window_open": ("Bilal", "Hamdan", 2018, G.MALE, (1983, 9, 9), E.ISCED_3_4, L.UNEMPLOYED, "SY", False, False),
    "job_seeker": ("Zahra", "Hosseini", 2060, G.FEMALE, (1991, 12, 1), E.ISCED_0_2, L.INACTIVE, "AF",
                   False, False),
    "dropout": ("Ali", "Jaber", 4000, G.MALE, (1989, 5, 5), E.ISCED_0_2, L.UNEMPLOYED, "IQ", True, False),
    "antwerp_extra": ("Eva", "Janssens", 2100, G.FEMALE, (1986, 8, 8), E.ISCED_5_8, L.EMPLOYED, "NL", None, None),
}

# key: [(phase, entered on), ...] in OVV; the first opens the trajectory (skipped phases on the same day).
OVV_PHASES = {
    "zwijndrecht": [(1, D(2017, 6, 1))],  # phase 2 on 2017-09-01 by attending the info session
    "brussels": [(1, D(2017, 5, 31))],
    "direct2": [(2, D(2017, 6, 1))],
    "smart": [(1, D(2017, 1, 10)), (4, D(2017, 3, 1))],
    "starter": [(1, D(2017, 2, 1)), (3, D(2017, 3, 1)), (4, D(2017, 4, 3))],
    "late_starter": [(1, D(2017, 2, 1)), (4, D(2017, 4, 3))],
    "twoprog": [(1, D(2017, 3, 1)), (2, D(2017, 11, 15))],
    "nopostcode": [(1, D(2017, 12, 1)), (3, D(2018, 2, 1))],
    "noeducation": [(1, D(2018, 5, 15))],
    "nonoverlap": [(1, D(2017, 1, 10))],
    "window_open": [(1, D(2017, 10, 2)), (4, D(2018, 3, 1))],
    "job_seeker": [(1, D(2017, 11, 6)), (4, D(2018, 2, 1))],
    "dropout": [(1, D(2017, 9, 15)), (4, D(2017, 12, 1))],
    "antwerp_extra": [(1, D(2017, 2, 1)), (3, D(2017, 5, 2))],
}

INFO_SESSION_ON = D(2017, 9, 1)
SAME_DAY = D(2017, 6, 12)


@dataclass
class Population:
    ovv: Programme
    lba: Programme
    coach: User
    other_coach: User
    smart_partner: User
    people: dict[str, Participant] = field(default_factory=dict)
    ovv_trajectories: dict[str, Trajectory] = field(default_factory=dict)
    lba_trajectories: dict[str, Trajectory] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    staff: dict[str, StaffMember] = field(default_factory=dict)


def _staff(username: str, organisation: Organisation, role: str) -> tuple[User, StaffMember]:
    user = UserFactory(username=username)
    member = save_as(StaffMember(user=user, organisation=organisation, role=role), None)
    return user, member


def build_population(*, ovv: Programme, lba: Programme, copy: int = 1) -> Population:
    """Build the population; a second call with another `copy` adds the same people again
    (other names, users and staff), so every count doubles."""
    orgs = {org.code: org for org in Organisation.objects.all()}
    suffix = "" if copy == 1 else f".{copy}"
    coach, coach_staff = _staff(f"coach.stebo{suffix}", orgs["stebo"], StaffMember.Role.COACH)
    other_coach, other_staff = _staff(f"coach.unizo{suffix}", orgs["unizo"], StaffMember.Role.COACH)
    smart_partner, smart_staff = _staff(f"partner.smart{suffix}", orgs["smart"],
                                        StaffMember.Role.PARTNER_SPECIALIST)
    world = Population(ovv=ovv, lba=lba, coach=coach, other_coach=other_coach, smart_partner=smart_partner,
                       staff={"over": coach_staff, "full": other_staff, "sequential": smart_staff})

    for key, (first, last, postcode, gender, (year, month, day), education, status, nationality,
              disability, homeless) in PEOPLE.items():
        world.people[key] = participant_register(
            by=coach, first_name=first, last_name=last if copy == 1 else f"{last} {copy}",
            birth_year=year, birth_month=month, birth_day=day, postcode=postcode, gender=gender,
            education=education, labour_market_status=status, nationality=nationality,
            disability=disability, homeless=homeless,
        )

    # The other programme first: nonoverlap was in LBA before OVV, twoprog is in both at once.
    lba_before = trajectory_open(participant=world.people["nonoverlap"], programme=lba, by=coach, coach=coach,
                                 entered_on=D(2016, 11, 10))
    world.lba_trajectories["nonoverlap"] = trajectory_end(trajectory=lba_before, by=coach, ended_on=D(2016, 12, 20))
    world.lba_trajectories["twoprog"] = trajectory_open(participant=world.people["twoprog"], programme=lba,
                                                        by=coach, coach=coach, entered_on=D(2017, 5, 2))

    for key, steps in OVV_PHASES.items():
        (phase, on), *later = steps
        trajectory = trajectory_open(participant=world.people[key], programme=ovv, by=coach, coach=coach,
                                     entered_on=on, phase=phase)
        for phase, on in later:
            trajectory = trajectory_advance(trajectory=trajectory, phase=phase, on=on, by=coach)
        world.ovv_trajectories[key] = trajectory
    t = world.ovv_trajectories

    # Phase 2 by attending an info session (the service moves phase 1 to 2 on the session's date).
    info = session_plan_group(programme=ovv, by=coach, kind=Session.Kind.INFO, held_on=INFO_SESSION_ON,
                              duration_minutes=120, title="Ondernemen in België")
    session_record_attendance(session=info, by=coach, attended=[t["zwijndrecht"].pk])
    world.sessions["info"] = info
    # An import put twoprog's LBA trajectory on OVV's session: the service would refuse it.
    AttendanceFactory(session=info, trajectory=world.lba_trajectories["twoprog"], attended=True)

    # Individual sessions of twoprog.
    world.sessions["ovv_same_day"] = session_log_individual(trajectory=t["twoprog"], by=coach, held_on=SAME_DAY,
                                                            duration_minutes=60)
    world.sessions["lba_same_day"] = session_log_individual(trajectory=world.lba_trajectories["twoprog"], by=coach,
                                                            held_on=SAME_DAY, duration_minutes=45)
    world.sessions["ovv_next_day"] = session_log_individual(trajectory=t["twoprog"], by=coach,
                                                            held_on=D(2017, 6, 13), duration_minutes=60)
    world.sessions["ovv_other_coach_day"] = session_log_individual(trajectory=t["twoprog"], by=coach,
                                                                   held_on=D(2017, 6, 14), duration_minutes=30)
    world.sessions["lba_other_coach_day"] = session_log_individual(
        trajectory=world.lba_trajectories["twoprog"], by=other_coach, held_on=D(2017, 6, 14), duration_minutes=30
    )

    # SMart only: guidance, a referral to protected entrepreneurship at SMart, outcome protected.
    smart_org = orgs["smart"]
    consent_record(participant=world.people["smart"], by=coach, purpose=ConsentRecord.Purpose.SHARE_WITH_PARTNER,
                   organisation=smart_org, given_on=D(2017, 3, 1), version="1")
    referral = referral_send(trajectory=t["smart"], specialisation=Specialisation.objects.get(
        code="protected-entrepreneurship"), organisation=smart_org, by=coach, on=D(2017, 3, 2),
        question="Kan zij via interimcontracten haar naaiatelier opbouwen?")
    referral_accept(referral=referral, by=smart_partner, on=D(2017, 3, 3))
    referral_start(referral=referral, by=smart_partner, on=D(2017, 3, 6))
    referral_complete(referral=referral, by=smart_partner, on=D(2017, 9, 29), feedback="Werkt via SMart.",
                      result={"route": "smart", "starts_on": D(2017, 4, 1), "ends_on": D(2017, 9, 29)})
    trajectory_end(trajectory=t["smart"], by=coach, ended_on=D(2017, 9, 29))
    trajectory_record_outcome(trajectory=t["smart"], by=coach, outcome=Trajectory.Outcome.PROTECTED,
                              recorded_on=D(2017, 10, 16))

    # Self-employed within the window (6 months after 2017-08-31 is 2018-02-28), and after it
    # (6 months after 2017-06-30 is 2017-12-30; the start is 2018-01-15).
    trajectory_end(trajectory=t["starter"], by=coach, ended_on=D(2017, 8, 31))
    trajectory_record_outcome(trajectory=t["starter"], by=coach, outcome=Trajectory.Outcome.SELF_EMPLOYED,
                              enterprise_number=ENTERPRISE_IN_WINDOW, self_employed_since=D(2017, 12, 15),
                              occupation=Trajectory.Occupation.MAIN, recorded_on=D(2017, 12, 20))
    trajectory_end(trajectory=t["late_starter"], by=coach, ended_on=D(2017, 6, 30))
    trajectory_record_outcome(trajectory=t["late_starter"], by=coach, outcome=Trajectory.Outcome.SELF_EMPLOYED,
                              enterprise_number=ENTERPRISE_AFTER_WINDOW, self_employed_since=D(2018, 1, 15),
                              occupation=Trajectory.Occupation.SECONDARY, recorded_on=D(2018, 1, 20))

    trajectory_end(trajectory=t["dropout"], by=coach, ended_on=D(2018, 3, 30))
    trajectory_record_outcome(trajectory=t["dropout"], by=coach, outcome=Trajectory.Outcome.DROPPED_OUT,
                              recorded_on=D(2018, 3, 30))
    trajectory_end(trajectory=t["job_seeker"], by=coach, ended_on=D(2018, 6, 29))
    trajectory_record_outcome(trajectory=t["job_seeker"], by=coach, outcome=Trajectory.Outcome.JOB_SEEKING,
                              recorded_on=D(2018, 6, 29))
    trajectory_end(trajectory=t["window_open"], by=coach, ended_on=D(2018, 9, 28))

    # Staff time claimed (no service writes these yet: rows, as an import would).
    StaffAllocationFactory(staff=coach_staff, programme=ovv, share=Decimal("60.00"), starts_on=D(2017, 1, 1),
                           ends_on=D(2018, 10, 31))
    StaffAllocationFactory(staff=coach_staff, programme=lba, share=Decimal("50.00"), starts_on=D(2017, 7, 1))
    StaffAllocationFactory(staff=other_staff, programme=ovv, share=Decimal("60.00"), starts_on=D(2017, 1, 1),
                           ends_on=D(2018, 10, 31))
    StaffAllocationFactory(staff=other_staff, programme=lba, share=Decimal("40.00"), starts_on=D(2017, 1, 1))
    StaffAllocationFactory(staff=smart_staff, programme=ovv, share=Decimal("80.00"), starts_on=D(2017, 1, 1),
                           ends_on=D(2017, 6, 30))
    StaffAllocationFactory(staff=smart_staff, programme=lba, share=Decimal("80.00"), starts_on=D(2017, 7, 1))

    for trajectory in [*world.ovv_trajectories.values(), *world.lba_trajectories.values()]:
        trajectory.refresh_from_db()
    return world

