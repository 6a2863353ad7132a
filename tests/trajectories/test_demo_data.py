"""demo_data makes realistic, deterministic demo data through the services, and only once."""

import random
from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from stdnum.be import bis, nn, vat

from casemgmt.errors import RuleViolation
from casemgmt.identifiers import identifier_decrypt
from casemgmt.models import Phase, Programme, Region, User
from casemgmt.postcodes import region_for_postcode
from partners.models import ProgrammeRole, StaffMember
from trajectories.demo import DEMO_PASSWORD, DEMO_USERS, demo_data_create
from trajectories.demo.people import enterprise_number_make, national_number_make
from trajectories.demo.summary import REPORT_DATE
from trajectories.models import Participant, PhaseEntry, Screening, Session, Trajectory

PARTICIPANTS = 40


def _demo_data(**options) -> str:
    out = StringIO()
    call_command("demo_data", participants=PARTICIPANTS, seed=7, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo(db) -> str:
    return _demo_data()


def _fingerprint() -> list[tuple]:
    """What a user would see of the data, without database ids."""
    trajectories = Trajectory.objects.select_related("participant", "programme", "coach", "referred_by")
    return sorted(
        (t.participant.name_key, t.participant.birth_date_display, t.participant.postcode,
         t.participant.national_number_hash, t.programme.code, t.coach.username, t.referred_by.code,
         tuple(t.phase_entries.values_list("phase", "entered_on")), t.outcome, t.enterprise_number,
         t.ended_on, tuple(sorted(t.attendances.values_list("session__kind", "session__held_on",
                                                           "attended"))))
        for t in trajectories
    )


def _generated(seed: int) -> list[tuple]:
    """Generate, read the fingerprint, and roll the generation back: a fresh database each time."""
    with transaction.atomic():
        demo_data_create(participants=25, seed=seed)
        fingerprint = _fingerprint()
        transaction.set_rollback(True)
    return fingerprint


def test_demo_data_makes_a_user_of_every_role_who_can_sign_in(demo):
    assert set(StaffMember.objects.values_list("role", flat=True)) == set(StaffMember.Role.values)
    for demo_user in DEMO_USERS:
        user = User.objects.get(username=demo_user.username)
        assert user.check_password(DEMO_PASSWORD)
        assert user.is_staff
        assert user.staff.organisation.code == demo_user.organisation
        validate_password(DEMO_PASSWORD, user)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(DEMO_PASSWORD)


def test_demo_participants_live_in_every_province_and_outside_flanders(demo):
    postcodes = list(Participant.objects.values_list("postcode", flat=True))
    regions = {region_for_postcode(postcode, REPORT_DATE).code for postcode in postcodes}
    assert regions == set(Region.objects.values_list("code", flat=True))
    assert 2070 in postcodes
    assert any(1000 <= postcode <= 1299 for postcode in postcodes)


def test_demo_participants_have_partial_birth_dates_and_valid_identifiers(demo):
    assert Participant.objects.count() == PARTICIPANTS
    assert Participant.objects.filter(birth_year__isnull=False, birth_day__isnull=True).exists()
    numbered = Participant.objects.exclude(national_number_kind="")
    assert {p.national_number_kind for p in numbered} == {"nn", "bis"}
    for participant in numbered:
        number = identifier_decrypt(participant.national_number_encrypted)
        module = bis if participant.national_number_kind == "bis" else nn
        assert module.get_birth_year(number) == participant.birth_year
        assert module.get_birth_month(number) == participant.birth_month


def test_demo_trajectories_reach_every_phase_within_the_programme(demo):
    ovv = Programme.objects.get(code="OVV")
    in_phase = set(Trajectory.objects.filter(programme=ovv).with_phase().values_list("phase", flat=True))
    assert in_phase == set(Phase.values)
    dates = PhaseEntry.objects.filter(trajectory__programme=ovv).values_list("entered_on", flat=True)
    assert all(ovv.starts_on <= day <= ovv.ends_on for day in dates)
    assert max(dates) <= timezone.localdate()
    reached = [PhaseEntry.objects.filter(trajectory__programme=ovv, phase=phase).count()
               for phase in Phase.values]
    assert reached == sorted(reached, reverse=True), "the funnel narrows from phase 1 to phase 4"
    screened = Trajectory.objects.filter(programme=ovv, screenings__isnull=False).distinct().count()
    assert screened == reached[Phase.DETECTION - 1]


def test_demo_has_sessions_of_each_kind_and_outcomes(demo):
    assert set(Session.objects.values_list("kind", flat=True)) == set(Session.Kind.values)
    assert Session.objects.filter(kind=Session.Kind.INFO, attendances__attended=True).exists()
    started = Trajectory.objects.filter(outcome=Trajectory.Outcome.SELF_EMPLOYED)
    assert started.exists()
    assert all(vat.is_valid(t.enterprise_number) for t in started)
    assert Trajectory.objects.filter(ended_on__isnull=False).exists()
    guided = Trajectory.objects.in_phase(Phase.GUIDANCE)
    assert not Screening.objects.filter(trajectory__in=guided).exclude(decision="guidance").exists()


def test_some_demo_participants_are_in_two_programmes(demo):
    lba = Programme.objects.get(code="LBA")
    assert ProgrammeRole.objects.get(programme=lba, role="promoter").organisation.code == "stebo"
    both = Participant.objects.filter(trajectories__programme__code="OVV").filter(
        trajectories__programme=lba
    )
    assert both.exists()


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(db):
    first = _generated(seed=11)
    assert first, "the generation wrote trajectories"
    assert _generated(seed=11) == first
    assert _generated(seed=12) != first


def test_a_second_run_of_demo_data_changes_nothing(ovv):
    # given: the programme loaded as `make run` does, then the demo data
    _demo_data()
    counts = (User.objects.count(), Participant.objects.count(), Session.objects.count())

    # when
    output = _demo_data()

    # then
    assert "already present" in output
    assert (User.objects.count(), Participant.objects.count(), Session.objects.count()) == counts


def test_demo_logins_lists_every_demo_account_with_the_password(demo):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for demo_user in DEMO_USERS:
        assert demo_user.username in text
    assert "admin" in text and DEMO_PASSWORD in text
    assert "http://127.0.0.1:8000/admin/" in text
    assert "2FA" in text


@pytest.mark.parametrize(
    ("year", "month", "day", "bis_number"),
    [(1985, 7, 30, False), (1990, None, None, False), (1979, 3, None, True), (2000, 2, 14, False),
     (2000, None, None, True)],
)
def test_made_national_numbers_are_valid_also_for_partial_and_2000s_birth_dates(year, month, day, bis_number):
    number = national_number_make(year=year, month=month, day=day, serial=33, bis=bis_number)
    module = bis if bis_number else nn
    assert module.is_valid(number)
    assert (module.get_birth_year(number), module.get_birth_month(number)) == (year, month)


def test_made_enterprise_numbers_are_valid():
    rng = random.Random(1)
    assert all(vat.is_valid(enterprise_number_make(rng)) for _ in range(200))


def test_demo_data_refuses_when_its_users_exist(db):
    # A direct call (not through the command) must not add a second set either.
    demo_data_create(participants=3, seed=1)
    with pytest.raises(RuleViolation, match="already present"):
        demo_data_create(participants=3, seed=1)
    assert Participant.objects.count() == 3
