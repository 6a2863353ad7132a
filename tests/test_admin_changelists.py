"""Every admin changelist runs the same queries at 5 and at 50 rows, and every object's change and
history pages open; the models come from the admin site, so a newly registered one is covered too."""

import datetime
import itertools
import json
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from simple_history.admin import SimpleHistoryAdmin

from casemgmt.models import AccessLog as CaseAccessLog
from casemgmt.models import (
    Payment,
    PostcodeRange,
    Programme,
    ReachShare,
    Region,
    ReportingPeriod,
    Target,
    User,
)
from partners.models import (
    FteAllocation,
    Organisation,
    ProgrammeRole,
    Specialisation,
    SpecialisationOffer,
    StaffAllocation,
    StaffMember,
)
from reminders.models import Reminder, ReminderSettings
from tests.factories import (
    AttendanceFactory,
    ConsentRecordFactory,
    FteAllocationFactory,
    OrganisationFactory,
    ParticipantFactory,
    PaymentFactory,
    PhaseEntryFactory,
    PostcodeRangeFactory,
    ProgrammeFactory,
    ProgrammeRoleFactory,
    ReachShareFactory,
    ReferralEventFactory,
    ReferralFactory,
    ReferralResultFactory,
    RegionFactory,
    ReportingPeriodFactory,
    ScreeningFactory,
    SessionFactory,
    SpecialisationFactory,
    SpecialisationOfferFactory,
    StaffAllocationFactory,
    StaffMemberFactory,
    TargetFactory,
    TrajectoryFactory,
    UserFactory,
)
from tests.reminders.factories import ReminderFactory, ReminderSettingsFactory
from trajectories.models import (
    Attendance,
    ConsentRecord,
    ImportJob,
    Participant,
    PhaseEntry,
    Referral,
    ReferralEvent,
    ReferralResult,
    Screening,
    Session,
    Trajectory,
)

SMALL, LARGE = 5, 50

# Antwerpen, 2070 (moved to Oost-Vlaanderen in 2025), Gent, Hasselt, Brussels, Wallonia, unknown.
POSTCODES = (2000, 2070, 9000, 3500, 1000, 5000, None)

_serial = itertools.count(1)


def _users(count: int) -> None:
    # Half have a place in an organisation, so the organisation and role columns show both cases.
    for index in range(count):
        if index % 2:
            StaffMemberFactory()
        else:
            UserFactory()


def _organisations(count: int) -> None:
    umbrella = OrganisationFactory()
    OrganisationFactory.create_batch(count - 1, parent=umbrella)


def _participants(count: int) -> None:
    for index in range(count):
        ParticipantFactory(postcode=POSTCODES[index % len(POSTCODES)],
                           national_number_kind="bis" if index % 2 else "")


def _trajectories(count: int) -> None:
    # Every trajectory reaches a phase from 1 to 4, so the phase column has data on every row.
    for index in range(count):
        trajectory = TrajectoryFactory(participant__postcode=POSTCODES[index % len(POSTCODES)])
        for phase in range(1, index % 4 + 2):
            PhaseEntryFactory(trajectory=trajectory, phase=phase, recorded_by=trajectory.coach)


def _sessions(count: int) -> None:
    for index in range(count):
        session = SessionFactory(notes="confidential coaching note")
        AttendanceFactory.create_batch(index % 3, session=session)


def _referrals(count: int) -> None:
    # Open and closed ones, with their steps and (when completed) a result, as the list shows them.
    for index in range(count):
        if index % 3 == 2:
            referral = ReferralResultFactory().referral
        else:
            referral = ReferralFactory(status=("sent", "declined")[index % 3],
                                       closed_on=datetime.date(2017, 5, 9) if index % 3 else None)
        ReferralEventFactory.create_batch(index % 3 + 1, referral=referral)


def _periodic_tasks(count: int) -> None:
    for _ in range(count):
        serial = next(_serial)
        interval = IntervalSchedule.objects.create(every=serial, period=IntervalSchedule.MINUTES)
        PeriodicTask.objects.create(name=f"task {serial}", task="casemgmt.noop", interval=interval)


def _sign_in_record(serial: int) -> dict:
    return {"username": f"user{serial}", "ip_address": f"10.0.{serial // 250}.{serial % 250 + 1}",
            "user_agent": "test", "http_accept": "text/html", "path_info": "/admin/login/"}


def _each(create: Callable[[int], object]) -> Callable[[int], None]:
    """A builder that calls `create(serial)` once per row."""
    def build(count: int) -> None:
        for _ in range(count):
            create(next(_serial))
    return build


ROW_BUILDERS: dict[type[Model], Callable[[int], None]] = {
    # casemgmt
    User: _users,
    CaseAccessLog: _each(
        lambda serial: CaseAccessLog.objects.create(username=f"user{serial}", action="view",
                                                    participant_id=serial)
    ),
    Programme: ProgrammeFactory.create_batch,
    ReportingPeriod: ReportingPeriodFactory.create_batch,
    Payment: PaymentFactory.create_batch,
    Region: RegionFactory.create_batch,
    PostcodeRange: PostcodeRangeFactory.create_batch,
    Target: TargetFactory.create_batch,
    ReachShare: ReachShareFactory.create_batch,
    # partners
    Organisation: _organisations,
    ProgrammeRole: ProgrammeRoleFactory.create_batch,
    FteAllocation: FteAllocationFactory.create_batch,
    StaffMember: StaffMemberFactory.create_batch,
    StaffAllocation: StaffAllocationFactory.create_batch,
    Specialisation: SpecialisationFactory.create_batch,
    SpecialisationOffer: SpecialisationOfferFactory.create_batch,
    # trajectories
    Participant: _participants,
    ConsentRecord: ConsentRecordFactory.create_batch,
    Trajectory: _trajectories,
    PhaseEntry: PhaseEntryFactory.create_batch,
    Screening: ScreeningFactory.create_batch,
    Session: _sessions,
    Attendance: AttendanceFactory.create_batch,
    Referral: _referrals,
    ReferralEvent: ReferralEventFactory.create_batch,
    ReferralResult: ReferralResultFactory.create_batch,
    ImportJob: _each(lambda serial: ImportJob.objects.create(
        programme=ProgrammeFactory(), by=UserFactory(), filename=f"import{serial}.csv", report=[
            {"line": 2, "column": "fase1", "value": "31/02/2017", "message": "No such date."}])),
    # reminders
    ReminderSettings: ReminderSettingsFactory.create_batch,
    Reminder: ReminderFactory.create_batch,
    # Django and third-party apps
    AuthToken: _each(lambda serial: AuthToken.objects.create(user=UserFactory())),
    Group: _each(lambda serial: Group.objects.create(name=f"group {serial}")),
    PeriodicTask: _periodic_tasks,
    IntervalSchedule: _each(
        lambda serial: IntervalSchedule.objects.create(every=serial, period=IntervalSchedule.SECONDS)
    ),
    CrontabSchedule: _each(
        lambda serial: CrontabSchedule.objects.create(minute=str(serial % 60), hour=str(serial % 24))
    ),
    SolarSchedule: _each(
        lambda serial: SolarSchedule.objects.create(
            event="sunrise", latitude=Decimal(serial % 90), longitude=Decimal(serial // 90)
        )
    ),
    ClockedSchedule: _each(
        lambda serial: ClockedSchedule.objects.create(
            clocked_time=timezone.now() + datetime.timedelta(hours=serial)
        )
    ),
    AccessAttempt: _each(
        lambda serial: AccessAttempt.objects.create(
            **_sign_in_record(serial), get_data="", post_data="", failures_since_start=serial % 5 + 1
        )
    ),
    AccessFailureLog: _each(lambda serial: AccessFailureLog.objects.create(**_sign_in_record(serial))),
    AccessLog: _each(lambda serial: AccessLog.objects.create(**_sign_in_record(serial))),
    TOTPDevice: _each(lambda serial: TOTPDevice.objects.create(user=UserFactory(), name=f"app {serial}")),
    StaticDevice: _each(
        lambda serial: StaticDevice.objects.create(user=UserFactory(), name=f"backup codes {serial}")
    ),
}

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def _label(model: type[Model]) -> str:
    return model._meta.label


def _builder(model: type[Model]) -> Callable[[int], None]:
    build = ROW_BUILDERS.get(model)
    if build is None:
        pytest.fail(f"{_label(model)} is registered in the admin but has no row-builder: add one to "
                    "ROW_BUILDERS in tests/test_admin_changelists.py so its changelist is measured.")
    return build


def _url(model: type[Model], view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _fill(model: type[Model], rows: int) -> int:
    """Bring the table to `rows` rows (or keep it as it is when data migrations put more there)."""
    missing = rows - model._default_manager.count()
    if missing > 0:
        _builder(model)(missing)
    return model._default_manager.count()


def _changelist_queries(client, model: type[Model], rows: int) -> tuple[int, list[str]]:
    rows = _fill(model, rows)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == rows
    return rows, [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_changelist_runs_the_same_number_of_queries_at_5_and_50_rows(model, admin_client):
    _builder(model)

    small_rows, small = _changelist_queries(admin_client, model, SMALL)
    large_rows, large = _changelist_queries(admin_client, model, LARGE)

    extra = Counter(large) - Counter(small)
    assert len(large) == len(small), (
        f"{_label(model)}: {len(small)} queries at {small_rows} rows, {len(large)} at {large_rows}; "
        f"the extra ones:\n" + "\n".join(extra)
    )


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_each_object_has_a_change_page_and_a_history_page(model, admin_client):
    _builder(model)(1)
    obj = model._default_manager.order_by("-pk").first()

    change = admin_client.get(_url(model, "change", obj.pk))
    history = admin_client.get(_url(model, "history", obj.pk))

    assert change.status_code == 200
    assert history.status_code == 200
    if isinstance(admin.site._registry[model], SimpleHistoryAdmin):
        assert "simple_history/object_history.html" in [template.name for template in history.templates]


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_every_model_with_a_history_shows_it_in_the_admin(model):
    if hasattr(model._meta, "simple_history_manager_attribute"):
        assert isinstance(admin.site._registry[model], SimpleHistoryAdmin)


@pytest.mark.django_db
def test_history_page_shows_who_changed_what_before_and_after(admin_client, admin_user):
    specialisation = SpecialisationFactory(name="Haalbaarheid")

    response = admin_client.post(_url(Specialisation, "change", specialisation.pk), {
        "code": specialisation.code, "name": "Haalbaarheid van het idee", "description": "",
        "result_kind": specialisation.result_kind,
    })
    assert response.status_code == 302

    page = admin_client.get(_url(Specialisation, "history", specialisation.pk)).content.decode()
    assert admin_user.username in page
    assert "Haalbaarheid" in page
    assert "Haalbaarheid van het idee" in page


@pytest.mark.django_db
def test_participant_pages_never_show_the_national_number(admin_client):
    participant = ParticipantFactory(
        national_number_encrypted="ciphertext-of-the-number", national_number_hash="keyed-hash-of-it",
        national_number_kind="bis",
    )

    pages = [
        admin_client.get(_url(Participant, "changelist")),
        admin_client.get(_url(Participant, "change", participant.pk)),
        admin_client.get(_url(Participant, "history", participant.pk)),
    ]

    for page in pages:
        assert page.status_code == 200
        content = page.content.decode()
        assert "ciphertext-of-the-number" not in content
        assert "keyed-hash-of-it" not in content
        assert "national_number_encrypted" not in content
        assert "national_number_hash" not in content


@pytest.mark.django_db
def test_session_list_never_shows_coaching_notes(admin_client):
    SessionFactory(notes="confidential coaching note")

    response = admin_client.get(_url(Session, "changelist"))

    assert response.status_code == 200
    assert "confidential coaching note" not in response.content.decode()


@pytest.mark.django_db
def test_trajectory_list_filters_by_phase_reached_and_province_today(admin_client):
    # given: one trajectory in Gent reaching guidance, one in Antwerpen staying in sensitisation
    gent = TrajectoryFactory(participant__postcode=9000)
    antwerp = TrajectoryFactory(participant__postcode=2000)
    for phase in range(1, 5):
        PhaseEntryFactory(trajectory=gent, phase=phase)
    PhaseEntryFactory(trajectory=antwerp, phase=1)
    oost_vlaanderen = Region.objects.get(code="oost-vlaanderen")

    # when
    def listed(**params) -> set[int]:
        response = admin_client.get(_url(Trajectory, "changelist"), params)
        assert response.status_code == 200
        return {trajectory.pk for trajectory in response.context["cl"].result_list}

    # then
    assert listed(phase=4) == {gent.pk}
    assert listed(phase=1) == {antwerp.pk}
    assert listed(province=oost_vlaanderen.pk) == {gent.pk}
    assert listed(province=oost_vlaanderen.pk, phase=1) == set()
    page = admin_client.get(_url(Trajectory, "changelist")).content.decode()
    assert "Oost-Vlaanderen" in page and "Antwerpen" in page


@pytest.mark.django_db
def test_participant_in_2070_is_placed_in_oost_vlaanderen_today(admin_client):
    # 2070 moved from Antwerpen to Oost-Vlaanderen on 2025-01-01; the list shows where it lies today.
    moved = ParticipantFactory(postcode=2070)
    ParticipantFactory(postcode=2000)
    unknown = ParticipantFactory(postcode=None)

    oost_vlaanderen = Region.objects.get(code="oost-vlaanderen")
    response = admin_client.get(_url(Participant, "changelist"), {"province": oost_vlaanderen.pk})
    unknown_response = admin_client.get(_url(Participant, "changelist"), {"province": "unknown"})

    assert [participant.pk for participant in response.context["cl"].result_list] == [moved.pk]
    assert [participant.pk for participant in unknown_response.context["cl"].result_list] == [unknown.pk]


def _participant_form_data(client, participant: Participant) -> dict:
    form = client.get(_url(Participant, "change", participant.pk)).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["languages"] = json.dumps(data.get("languages", []))
    return data


@pytest.mark.django_db
def test_participant_edited_in_the_admin_is_saved_through_the_service(admin_client, admin_user):
    participant = ParticipantFactory(first_name="Amal", last_name="Haddad")
    data = _participant_form_data(admin_client, participant) | {"last_name": "Ḥaddād"}

    response = admin_client.post(_url(Participant, "change", participant.pk), data)

    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.last_name == "Ḥaddād"
    assert participant.name_key == "amal haddad"  # still found whatever the spelling of accents
    assert participant.history.latest().history_user == admin_user


@pytest.mark.django_db
def test_participant_edit_refused_by_a_rule_says_why_and_changes_nothing(admin_client):
    participant = ParticipantFactory(birth_year=1990)
    data = _participant_form_data(admin_client, participant) | {"birth_year": 2099}

    response = admin_client.post(_url(Participant, "change", participant.pk), data, follow=True,
                                 HTTP_ACCEPT_LANGUAGE="en")

    participant.refresh_from_db()
    assert participant.birth_year == 1990
    assert "future" in response.content.decode()


@pytest.mark.django_db
def test_participant_added_in_the_admin_is_registered_through_the_service(admin_client, admin_user):
    response = admin_client.post(_url(Participant, "add"), {
        "first_name": "Émile", "last_name": "Saïd", "languages": "[]", "postcode": 9000,
    })

    assert response.status_code == 302
    participant = Participant.objects.get(last_name="Saïd")
    assert participant.name_key == "emile said"
    assert participant.history.get().history_user == admin_user


@pytest.mark.django_db
def test_a_referral_shows_its_steps_and_result_and_is_changed_only_through_the_services(admin_client):
    # given: a completed referral with its steps and result
    result = ReferralResultFactory(summary="Een haalbaar naaiatelier")
    referral = result.referral
    for status, note in (("sent", ""), ("accepted", "Intake gepland"), ("completed", "")):
        ReferralEventFactory(referral=referral, status=status, note=note)

    # when
    page = admin_client.get(_url(Referral, "change", referral.pk))
    history = admin_client.get(_url(Referral, "history", referral.pk))
    changelist = admin_client.get(_url(Referral, "changelist"), {"status__exact": "completed"})

    # then
    body = page.content.decode()
    assert page.status_code == 200
    assert "Intake gepland" in body and "Een haalbaar naaiatelier" in body
    assert 'name="_save"' not in body  # read only: the services send and answer referrals
    assert history.status_code == 200
    assert [row.pk for row in changelist.context["cl"].result_list] == [referral.pk]
    assert admin_client.get(_url(Referral, "add")).status_code == 403
