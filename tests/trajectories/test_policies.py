"""The access policy, role by role and in both directions: what each role sees, and what it does not.

One small world of two programmes (OVV, coordinated by Stebo; LBA, coordinated by UNIZO), coaches
of an organisation that keeps caseloads apart (Stebo) and of one that shares them (UNIZO), a
referrer (iDrops), a partner specialist (microStart), coordinators, an auditor and a superuser.
Every expectation below is written out by hand, never computed from the policy under test.
"""

import datetime
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from casemgmt.audit import save_as
from casemgmt.models import Programme, User
from partners.models import Organisation, ProgrammeRole, StaffMember
from partners.services import programme_seed_file, programme_seed_load
from tests.conftest import rolled_back
from tests.factories import ParticipantFactory, ProgrammeFactory, UserFactory
from trajectories.models import (
    Attendance,
    ConsentRecord,
    Participant,
    PhaseEntry,
    Screening,
    Session,
    Trajectory,
)
from trajectories.policies import (
    Role,
    get_visible_or_404,
    participants_visible_to,
    restrict,
    role_of,
    sessions_visible_to,
    trajectories_visible_to,
)
from trajectories.services import (
    consent_record,
    screening_record,
    session_log_individual,
    session_plan_group,
    session_record_attendance,
    trajectory_open,
)

D = datetime.date
REACHED_ON = D(2017, 1, 10)
pytestmark = pytest.mark.django_db

CASE_MODELS = (Participant, ConsentRecord, Trajectory, PhaseEntry, Screening, Session, Attendance)


@dataclass
class World:
    ovv: Programme
    lba: Programme
    users: dict[str, User] = field(default_factory=dict)
    # Keyed by a short name: the trajectory, and the participant, consent and screening that go with it.
    trajectories: dict[str, Trajectory] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)

    def user(self, name: str) -> User:
        return self.users[name]

    def trajectory_ids(self, *names: str) -> set[int]:
        return {self.trajectories[name].pk for name in names}

    def participant_ids(self, *names: str) -> set[int]:
        return {self.trajectories[name].participant_id for name in names}

    def session_ids(self, *names: str) -> set[int]:
        return {self.sessions[name].pk for name in names}


def _staff(username: str, organisation: Organisation, role: str, **fields) -> User:
    user = UserFactory(username=username, is_staff=True, **fields)
    save_as(StaffMember(user=user, organisation=organisation, role=role), None)
    return user


def _open(world: World, name: str, *, programme: Programme, coach: User, referred_by_user: User | None,
          last_name: str) -> Trajectory:
    """A trajectory in phase 3 with a consent, a screening and one individual contact by its coach."""
    participant = ParticipantFactory(first_name="Person", last_name=last_name)
    referrer = referred_by_user.staff.organisation if referred_by_user else None
    trajectory = trajectory_open(
        participant=participant, programme=programme, by=referred_by_user or coach,
        entered_on=REACHED_ON, phase=3, coach=coach, referred_by=referrer,
    )
    consent_record(participant=participant, by=coach, purpose=ConsentRecord.Purpose.PROGRAMME,
                   given_on=REACHED_ON, version="1")
    screening_record(
        trajectory=trajectory, by=coach, screened_on=D(2017, 3, 1), residence_permit_ok=True,
        basic_management_knowledge=True, language_sufficient=True, financially_feasible=True,
        potential=Screening.Potential.MEDIUM, decision=Screening.Decision.GUIDANCE,
    )
    world.sessions[f"contact {name}"] = session_log_individual(
        trajectory=trajectory, by=coach, held_on=D(2017, 2, 1), duration_minutes=60,
        notes=f"coaching note on {last_name}",
    )
    world.trajectories[name] = trajectory
    return trajectory


def _build() -> World:
    ovv = programme_seed_load(data=programme_seed_file("ovv"))  # what the `ovv` fixture loads
    world = World(ovv=ovv, lba=ProgrammeFactory(code="LBA", name="Lokaal Bestuur Aan de slag"))
    organisations = {org.code: org for org in Organisation.objects.filter(
        code__in=["stebo", "unizo", "microstart", "idrops"])}
    stebo, unizo = organisations["stebo"], organisations["unizo"]
    unizo.coaches_share_caseload = True
    save_as(unizo, None)
    # OVV is coordinated by Stebo (the seed says so); LBA by UNIZO.
    save_as(ProgrammeRole(programme=world.lba, organisation=unizo, role=ProgrammeRole.Role.COORDINATION),
            None)
    assert not stebo.coaches_share_caseload

    Staff = StaffMember.Role
    world.users = {
        "coach.stebo": _staff("coach.stebo", stebo, Staff.COACH),
        "coach.stebo.2": _staff("coach.stebo.2", stebo, Staff.COACH),
        "coach.unizo": _staff("coach.unizo", unizo, Staff.COACH),
        "coach.unizo.2": _staff("coach.unizo.2", unizo, Staff.COACH),
        "coach.inactive": _staff("coach.inactive", stebo, Staff.COACH),
        "referrer.idrops": _staff("referrer.idrops", organisations["idrops"], Staff.REFERRER),
        "referrer.microstart": _staff("referrer.microstart", organisations["microstart"], Staff.REFERRER),
        "partner.microstart": _staff("partner.microstart", organisations["microstart"],
                                     Staff.PARTNER_SPECIALIST),
        "coordinator.stebo": _staff("coordinator.stebo", stebo, Staff.COORDINATOR),
        "coordinator.unizo": _staff("coordinator.unizo", unizo, Staff.COORDINATOR),
        "auditor": _staff("auditor", stebo, Staff.AUDITOR),
        "admin": UserFactory(username="admin", is_staff=True, is_superuser=True),
        "nobody": UserFactory(username="nobody"),  # an account without a place in any organisation
    }
    u = world.user
    idrops, microstart = u("referrer.idrops"), u("referrer.microstart")
    _open(world, "stebo", programme=ovv, coach=u("coach.stebo"), referred_by_user=idrops,
          last_name="Stebo-One")
    _open(world, "stebo.2", programme=ovv, coach=u("coach.stebo.2"), referred_by_user=microstart,
          last_name="Stebo-Two")
    _open(world, "unizo", programme=ovv, coach=u("coach.unizo"), referred_by_user=idrops,
          last_name="Unizo-One")
    _open(world, "unizo.2", programme=ovv, coach=u("coach.unizo.2"), referred_by_user=None,
          last_name="Unizo-Two")
    _open(world, "lba", programme=world.lba, coach=u("coach.unizo.2"), referred_by_user=idrops,
          last_name="Lba-One")
    _open(world, "inactive", programme=ovv, coach=u("coach.inactive"), referred_by_user=None,
          last_name="Inactive-One")

    # A group session run by Stebo's second coach, attended by a participant of each Stebo coach,
    # and one run by UNIZO's second coach for UNIZO's second caseload only.
    info = session_plan_group(programme=ovv, by=u("coach.stebo.2"), kind=Session.Kind.INFO,
                              held_on=D(2017, 4, 1), duration_minutes=120, title="Info Antwerpen")
    session_record_attendance(session=info, by=u("coach.stebo.2"),
                              attended=world.trajectory_ids("stebo", "stebo.2"))
    theme = session_plan_group(programme=ovv, by=u("coach.unizo.2"), kind=Session.Kind.THEME,
                               held_on=D(2017, 4, 2), duration_minutes=120, title="Thema Gent")
    session_record_attendance(session=theme, by=u("coach.unizo.2"), attended=world.trajectory_ids("unizo.2"))
    world.sessions.update({"info stebo": info, "theme unizo": theme})

    inactive = u("coach.inactive")
    inactive.is_active = False
    inactive.save()
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    """Built once for the module inside a transaction rolled back at its end; each test runs in a
    savepoint of its own (the django_db mark), so what a test writes is gone before the next."""
    with rolled_back(django_db_blocker):
        yield _build()


ALL = ("stebo", "stebo.2", "unizo", "unizo.2", "lba", "inactive")
OVV = ("stebo", "stebo.2", "unizo", "unizo.2", "inactive")
ALL_SESSIONS = ("contact stebo", "contact stebo.2", "contact unizo", "contact unizo.2", "contact lba",
                "contact inactive", "info stebo", "theme unizo")


def visible(model, user, **kwargs) -> set[int]:
    return set(restrict(model.objects.all(), user, **kwargs).values_list("pk", flat=True))


def rows_of(model, world: World, *names: str) -> set[int]:
    """The pks of `model` rows that belong to the named trajectories (or their participants)."""
    if model is Trajectory:
        return world.trajectory_ids(*names)
    if model is Participant:
        return world.participant_ids(*names)
    if model is ConsentRecord:
        return set(ConsentRecord.objects.filter(participant_id__in=world.participant_ids(*names))
                   .values_list("pk", flat=True))
    return set(model.objects.filter(trajectory_id__in=world.trajectory_ids(*names))
               .values_list("pk", flat=True))


def test_the_world_has_what_the_tests_assume(world):
    assert Trajectory.objects.count() == len(ALL)
    assert Session.objects.count() == len(ALL_SESSIONS)
    assert [role_of(world.user(name)) for name in ("coach.stebo", "referrer.idrops", "partner.microstart",
                                                   "coordinator.stebo", "auditor", "admin", "nobody",
                                                   "coach.inactive")] == [
        Role.COACH, Role.REFERRER, Role.PARTNER, Role.COORDINATOR, Role.AUDITOR, Role.ADMIN, Role.NONE,
        Role.NONE,
    ]
    assert role_of(AnonymousUser()) == Role.NONE


# Coaches


def test_coach_sees_own_caseload_only(world):
    coach = world.user("coach.stebo")

    assert set(trajectories_visible_to(coach).values_list("pk", flat=True)) == world.trajectory_ids("stebo")
    assert set(participants_visible_to(coach).values_list("pk", flat=True)) == world.participant_ids("stebo")
    for model in (ConsentRecord, PhaseEntry, Screening):
        assert visible(model, coach) == rows_of(model, world, "stebo"), model.__name__


def test_coach_does_not_see_a_colleagues_caseload_when_the_organisation_keeps_them_apart(world):
    coach = world.user("coach.stebo")

    for model in (Trajectory, Participant, ConsentRecord, PhaseEntry, Screening):
        others = rows_of(model, world, "stebo.2", "unizo", "unizo.2", "lba", "inactive")
        assert others, model.__name__
        assert visible(model, coach).isdisjoint(others), model.__name__


def test_coach_may_change_own_caseload(world):
    coach = world.user("coach.stebo")

    assert visible(Trajectory, coach, for_change=True) == world.trajectory_ids("stebo")
    assert visible(Participant, coach, for_change=True) == world.participant_ids("stebo")


def test_coach_of_an_organisation_sharing_caseloads_also_sees_colleagues_trajectories(world):
    coach = world.user("coach.unizo")
    colleagues = ("unizo.2", "lba")  # UNIZO's second coach, in both programmes

    assert visible(Trajectory, coach) == world.trajectory_ids("unizo", *colleagues)
    assert visible(Participant, coach) == world.participant_ids("unizo", *colleagues)
    for model in (ConsentRecord, PhaseEntry, Screening):
        assert visible(model, coach) == rows_of(model, world, "unizo", *colleagues), model.__name__


def test_shared_caseload_is_read_only_colleagues_trajectories_are_not_for_change(world):
    coach = world.user("coach.unizo")

    assert visible(Trajectory, coach, for_change=True) == world.trajectory_ids("unizo")
    assert visible(Participant, coach, for_change=True) == world.participant_ids("unizo")
    assert set(trajectories_visible_to(coach, for_change=True).values_list("pk", flat=True)) == (
        world.trajectory_ids("unizo")
    )


def test_shared_caseload_stops_at_the_organisation(world):
    coach = world.user("coach.unizo")

    assert visible(Trajectory, coach).isdisjoint(world.trajectory_ids("stebo", "stebo.2", "inactive"))


# Sessions


def test_coach_sees_sessions_they_ran_and_sessions_their_participants_attended(world):
    coach = world.user("coach.stebo")

    assert set(sessions_visible_to(coach).values_list("pk", flat=True)) == world.session_ids(
        "contact stebo", "info stebo"  # the info session was run by a colleague
    )


def test_coach_does_not_see_sessions_of_others_participants(world):
    coach = world.user("coach.stebo")

    hidden = world.session_ids("contact stebo.2", "contact unizo", "contact unizo.2", "contact lba",
                               "contact inactive", "theme unizo")
    assert set(sessions_visible_to(coach).values_list("pk", flat=True)).isdisjoint(hidden)


def test_coach_sees_only_their_own_participants_attendance_in_a_shared_group_session(world):
    coach = world.user("coach.stebo")
    info = world.sessions["info stebo"]

    assert set(restrict(info.attendances.all(), coach).values_list("trajectory_id", flat=True)) == (
        world.trajectory_ids("stebo")
    )
    assert visible(Attendance, coach) == rows_of(Attendance, world, "stebo")


def test_session_run_by_a_colleague_is_hidden_until_one_of_my_participants_attends(world):
    coach = world.user("coach.stebo")
    planned = session_plan_group(programme=world.ovv, by=world.user("coach.stebo.2"),
                                 kind=Session.Kind.THEME, held_on=D(2017, 5, 1), duration_minutes=60,
                                 title="Thema boekhouding")
    assert planned.pk not in set(sessions_visible_to(coach).values_list("pk", flat=True))

    session_record_attendance(session=planned, by=world.user("coach.stebo.2"),
                              attended=world.trajectory_ids("stebo"))

    assert planned.pk in set(sessions_visible_to(coach).values_list("pk", flat=True))


def test_coach_sharing_a_caseload_sees_sessions_of_colleagues_participants(world):
    coach = world.user("coach.unizo")

    assert set(sessions_visible_to(coach).values_list("pk", flat=True)) == world.session_ids(
        "contact unizo", "contact unizo.2", "contact lba", "theme unizo"
    )


# Referrers


def test_referrer_sees_only_trajectories_their_organisation_referred_in(world):
    referrer = world.user("referrer.idrops")

    # Across programmes: iDrops referred people into OVV and into LBA.
    assert visible(Trajectory, referrer) == world.trajectory_ids("stebo", "unizo", "lba")
    assert visible(PhaseEntry, referrer) == rows_of(PhaseEntry, world, "stebo", "unizo", "lba")


def test_referrer_does_not_see_trajectories_referred_by_another_organisation(world):
    referrer = world.user("referrer.microstart")

    assert visible(Trajectory, referrer) == world.trajectory_ids("stebo.2")
    assert visible(Trajectory, referrer).isdisjoint(world.trajectory_ids("stebo", "unizo", "lba"))


@pytest.mark.parametrize("model", [Participant, ConsentRecord, Screening, Session, Attendance],
                         ids=lambda model: model.__name__)
def test_referrer_sees_no_participant_file_sessions_screenings_or_consents(world, model):
    referrer = world.user("referrer.idrops")

    assert model.objects.exists()
    assert visible(model, referrer) == set()


def test_referrer_may_change_nothing(world):
    referrer = world.user("referrer.idrops")

    assert visible(Trajectory, referrer, for_change=True) == set()
    assert visible(PhaseEntry, referrer, for_change=True) == set()


# Partner specialists


@pytest.mark.parametrize("model", CASE_MODELS, ids=lambda model: model.__name__)
def test_partner_specialist_sees_nothing_until_referrals_exist(world, model):
    # microStart referred a person in, but its partner specialist is not a referrer.
    partner = world.user("partner.microstart")

    assert model.objects.exists()
    assert visible(model, partner) == set()


# Coordinators


def test_coordinator_sees_everything_in_the_programme_their_organisation_coordinates(world):
    coordinator = world.user("coordinator.stebo")

    assert visible(Trajectory, coordinator) == world.trajectory_ids(*OVV)
    assert visible(Participant, coordinator) == world.participant_ids(*OVV)
    for model in (ConsentRecord, PhaseEntry, Screening, Attendance):
        assert visible(model, coordinator) == rows_of(model, world, *OVV), model.__name__
    assert set(sessions_visible_to(coordinator).values_list("pk", flat=True)) == world.session_ids(
        *(name for name in ALL_SESSIONS if name != "contact lba")
    )


def test_coordinator_sees_nothing_of_another_programme(world):
    coordinator = world.user("coordinator.stebo")

    for model in (Trajectory, Participant, ConsentRecord, PhaseEntry, Screening, Attendance):
        lba = rows_of(model, world, "lba")
        assert lba, model.__name__
        assert visible(model, coordinator).isdisjoint(lba), model.__name__
    assert world.sessions["contact lba"].pk not in visible(Session, coordinator)


def test_coordinator_of_the_other_programme_sees_only_that_programme(world):
    # UNIZO coaches in OVV but coordinates only LBA.
    coordinator = world.user("coordinator.unizo")

    assert visible(Trajectory, coordinator) == world.trajectory_ids("lba")
    assert visible(Participant, coordinator) == world.participant_ids("lba")
    assert visible(Session, coordinator) == world.session_ids("contact lba")


def test_coordinator_may_correct_case_data_in_their_programme(world):
    coordinator = world.user("coordinator.stebo")

    assert visible(Trajectory, coordinator, for_change=True) == world.trajectory_ids(*OVV)
    assert visible(Participant, coordinator, for_change=True) == world.participant_ids(*OVV)


# Auditors and superusers


@pytest.mark.parametrize("username", ["auditor", "admin"])
@pytest.mark.parametrize("model", CASE_MODELS, ids=lambda model: model.__name__)
def test_auditor_and_superuser_see_everything(world, username, model):
    assert visible(model, world.user(username)) == set(model.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("model", CASE_MODELS, ids=lambda model: model.__name__)
def test_auditor_may_change_nothing(world, model):
    assert visible(model, world.user("auditor"), for_change=True) == set()


# No access at all


@pytest.fixture(params=["inactive", "anonymous", "no organisation"])
def outsider(request, world):
    return {
        "inactive": lambda: world.user("coach.inactive"),  # still the coach of a trajectory
        "anonymous": AnonymousUser,
        "no organisation": lambda: world.user("nobody"),
    }[request.param]()


@pytest.mark.parametrize("model", [Participant, ConsentRecord, Trajectory, PhaseEntry, Screening, Attendance],
                         ids=lambda model: model.__name__)
def test_inactive_anonymous_and_unplaced_users_see_nothing(outsider, model):
    assert model.objects.exists()
    assert visible(model, outsider) == set()
    assert visible(model, outsider, for_change=True) == set()


@pytest.mark.parametrize("who", ["inactive", "anonymous"])
def test_inactive_and_anonymous_users_see_no_sessions(world, who):
    user = world.user("coach.inactive") if who == "inactive" else AnonymousUser()

    assert set(sessions_visible_to(user).values_list("pk", flat=True)) == set()


def test_deactivating_a_coach_hides_their_caseload_from_them(world):
    coach = world.user("coach.inactive")

    assert world.trajectories["inactive"].coach_id == coach.pk
    assert visible(Trajectory, coach) == set()
    assert visible(Participant, coach) == set()


# Entry points


def test_get_visible_or_404_returns_an_object_in_scope(world):
    coach = world.user("coach.stebo")
    trajectory = world.trajectories["stebo"]

    assert get_visible_or_404(trajectories_visible_to(coach), pk=trajectory.pk) == trajectory


def test_get_visible_or_404_answers_404_out_of_scope_as_for_a_missing_object(world):
    coach = world.user("coach.stebo")
    out_of_scope = world.trajectories["unizo"]
    missing = Trajectory.objects.order_by("-pk").first().pk + 1000

    with pytest.raises(Http404):
        get_visible_or_404(trajectories_visible_to(coach), pk=out_of_scope.pk)
    with pytest.raises(Http404):
        get_visible_or_404(participants_visible_to(coach), pk=out_of_scope.participant_id)
    with pytest.raises(Http404):
        get_visible_or_404(trajectories_visible_to(coach), pk=missing)


def test_a_model_without_a_policy_is_refused_rather_than_shown(world):
    with pytest.raises(TypeError, match="No access policy"):
        restrict(Programme.objects.all(), world.user("coordinator.stebo"))


def test_restrict_narrows_an_already_filtered_queryset(world):
    coordinator = world.user("coordinator.stebo")
    open_in_lba_or_stebo = Trajectory.objects.filter(pk__in=world.trajectory_ids("stebo", "lba"))

    assert set(restrict(open_in_lba_or_stebo, coordinator).values_list("pk", flat=True)) == (
        world.trajectory_ids("stebo")
    )
