"""The permission matrix: every page that can show a case record, for every role, in and out of scope.

The pages come from the URL resolver, not from a list kept by hand: every named admin URL of a
case model of the app `trajectories` is requested as every role, for a record inside the role's
scope (OVV, coordinated by Stebo) and one outside it (LBA). A page outside the scope never shows
the record; a page inside it shows it to the roles with admin access. Any other view of the project,
every route of the API among them (with each of its methods), must be listed in POLICY_COVERED with a
checker, or the meta-tests fail and say so.
"""

import datetime
import html
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse
from django_otp.oath import TOTP
from rest_framework.decorators import api_view
from rest_framework.response import Response

from casemgmt.audit import save_as
from casemgmt.models import Programme, User
from partners.models import Organisation, Specialisation, SpecialisationOffer, StaffMember
from partners.services import programme_seed_file, programme_seed_load
from reminders.models import Reminder, Rule
from tests.conftest import otp_login, rolled_back
from tests.factories import ParticipantFactory, ProgrammeFactory, UserFactory
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
from trajectories.policies import (
    get_visible_or_404,
    participants_visible_to,
    referrals_visible_to,
    restrict,
    sessions_visible_to,
    trajectories_visible_to,
)
from trajectories.services import (
    consent_record,
    referral_accept,
    referral_complete,
    referral_send,
    referral_start,
    screening_record,
    session_log_individual,
    session_plan_group,
    trajectory_advance,
    trajectory_open,
)

pytestmark = pytest.mark.django_db

ROLE_BACKEND = "trajectories.roles.RoleGroupBackend"
ROLES = ("anonymous", "coach", "referrer", "partner", "coordinator", "auditor", "admin")
ADMIN_ROLES = frozenset({"coordinator", "auditor", "admin"})  # the roles that work in the admin
TWO_FACTOR_ROLES = ADMIN_ROLES
INSIDE, OUTSIDE = "inside", "outside"
# Every record outside the scope carries this word in its title (participant name or session
# title), so a page that shows any of them, in any form, is caught.
OUTSIDE_MARK = "Outofscopi"
INSIDE_MARK = "Inscopia"


# The world


@dataclass
class World:
    users: dict[str, User | None]
    records: dict[str, dict[type[models.Model], models.Model]] = field(default_factory=dict)
    # A second trajectory in each place, still in phase 3 (the record's own is in guidance, where its
    # referrals are), for the checks that need one before guidance: advancing.
    early: dict[str, Trajectory] = field(default_factory=dict)

    def record(self, place: str, model: type[models.Model]) -> models.Model:
        try:
            return self.records[place][model]
        except KeyError:
            pytest.fail(f"{model._meta.label} has admin pages but the matrix builds no record of it: "
                        "add one to _case_records in tests/test_permission_matrix.py.")


def _staff(username: str, organisation: Organisation, role: str, *, is_staff: bool = True) -> User:
    user = UserFactory(username=username, is_staff=is_staff)
    save_as(StaffMember(user=user, organisation=organisation, role=role), None)
    return user


# A valid result of each kind of specialisation the world refers to.
RESULTS = {
    Specialisation.ResultKind.MICROCREDIT: {
        "amount_requested": Decimal("6000.00"), "credit_decision": "granted",
        "amount_granted": Decimal("5000.00"), "decided_on": datetime.date(2017, 6, 1)},
    Specialisation.ResultKind.PERSONAL_FEASIBILITY: {"advice": "Start in bijberoep"},
}


def _partner_of(organisation: Organisation) -> User:
    return StaffMember.objects.get(organisation=organisation, role=StaffMember.Role.PARTNER_SPECIALIST).user


def _case_records(*, programme: Programme, coach: User, by: User, referred_by: Organisation | None,
                  mark: str, offer: SpecialisationOffer) -> dict[type[models.Model], models.Model]:
    """One record of every case model, all about one person, made through the services. The person
    enters guidance and agrees to share with the organisation of `offer` (and Zenitor); the coach refers
    them to it twice: once completed with a result, and once still open (the referral record)."""
    participant = ParticipantFactory(first_name="Person", last_name=mark)
    trajectory = trajectory_open(participant=participant, programme=programme, by=by, coach=coach,
                                 referred_by=referred_by, entered_on=programme.starts_on, phase=3)
    consent = consent_record(participant=participant, by=coach, purpose=ConsentRecord.Purpose.PROGRAMME,
                             given_on=programme.starts_on, version="1")
    screening = screening_record(
        trajectory=trajectory, by=coach, screened_on=programme.starts_on, residence_permit_ok=True,
        basic_management_knowledge=True, language_sufficient=True, financially_feasible=True,
        potential=Screening.Potential.HIGH, decision=Screening.Decision.GUIDANCE,
    )
    session = session_log_individual(trajectory=trajectory, by=coach, held_on=programme.starts_on,
                                      duration_minutes=45, title=f"Contact {mark}")
    trajectory_advance(trajectory=trajectory, phase=4, on=programme.starts_on, by=coach)
    for organisation in {offer.organisation, Organisation.objects.get(code="zenitor")}:
        consent_record(participant=participant, by=coach, purpose=ConsentRecord.Purpose.SHARE_WITH_PARTNER,
                       organisation=organisation, given_on=programme.starts_on, version="1")
    partner = _partner_of(offer.organisation)
    completed = referral_send(trajectory=trajectory, specialisation=offer.specialisation,
                              organisation=offer.organisation, question=f"Question {mark}", by=coach)
    referral_accept(referral=completed, by=partner)
    referral_start(referral=completed, by=partner)
    referral_complete(referral=completed, by=partner, feedback=f"Feedback {mark}",
                      result=RESULTS[offer.specialisation.result_kind])
    referral = referral_send(trajectory=trajectory, specialisation=offer.specialisation,
                             organisation=offer.organisation, question=f"Question {mark}", by=coach)
    # An import into the programme by the coach, whose report names a refused person.
    import_job = ImportJob.objects.create(
        programme=programme, by=coach, filename=f"{mark}.csv", status=ImportJob.Status.REFUSED,
        total_rows=1, processed_rows=1, refused_rows=1,
        report=[{"line": 2, "column": "fase1", "value": f"Person {mark}", "message": "No date."}])
    return {
        Participant: participant, ConsentRecord: consent, Trajectory: trajectory,
        PhaseEntry: trajectory.phase_entries.order_by("phase").first(), Screening: screening,
        Session: session, Attendance: session.attendances.get(), Referral: referral,
        ReferralEvent: referral.events.get(), ReferralResult: completed.result, ImportJob: import_job,
    }


def _early_trajectory(*, programme: Programme, coach: User, mark: str) -> Trajectory:
    participant = ParticipantFactory(first_name="Early", last_name=mark)
    return trajectory_open(participant=participant, programme=programme, by=coach, coach=coach,
                           entered_on=programme.starts_on, phase=3)


def build_world() -> World:
    ovv = programme_seed_load(data=programme_seed_file("ovv"))  # coordinated by Stebo
    lba = ProgrammeFactory(code="LBA", name="Lokaal Bestuur Aan de slag")  # coordinated by nobody here
    orgs = {org.code: org for org in Organisation.objects.all()}
    Role = StaffMember.Role
    users = {
        "anonymous": None,
        # Staff status (as the demo accounts have) opens the admin's door, not the case records.
        "coach": _staff("coach.stebo", orgs["stebo"], Role.COACH),
        "referrer": _staff("referrer.idrops", orgs["idrops"], Role.REFERRER, is_staff=False),
        "partner": _staff("partner.microstart", orgs["microstart"], Role.PARTNER_SPECIALIST),
        "coordinator": _staff("coordinator.stebo", orgs["stebo"], Role.COORDINATOR),
        "auditor": _staff("auditor", orgs["stebo"], Role.AUDITOR),
        "admin": UserFactory(username="admin", is_staff=True, is_superuser=True),
    }
    other_coach = _staff("coach.unizo", orgs["unizo"], Role.COACH)
    # Zenitor's specialist answers the referrals outside the scope (microStart's answers those inside).
    _staff("partner.zenitor", orgs["zenitor"], Role.PARTNER_SPECIALIST)
    microcredit = SpecialisationOffer.objects.get(programme=ovv, organisation=orgs["microstart"])
    personal = save_as(SpecialisationOffer(programme=lba, organisation=orgs["zenitor"],
                                           specialisation=Specialisation.objects.get(code="personal-feasibility")),
                       None)
    world = World(users=users)
    world.records[INSIDE] = _case_records(programme=ovv, coach=users["coach"], by=users["referrer"],
                                          referred_by=orgs["idrops"], mark=INSIDE_MARK, offer=microcredit)
    world.records[OUTSIDE] = _case_records(programme=lba, coach=other_coach, by=other_coach,
                                           referred_by=None, mark=OUTSIDE_MARK, offer=personal)
    world.early[INSIDE] = _early_trajectory(programme=ovv, coach=users["coach"], mark=INSIDE_MARK)
    world.early[OUTSIDE] = _early_trajectory(programme=lba, coach=other_coach, mark=OUTSIDE_MARK)
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Built once for the module inside a transaction rolled back at its end; each test runs in a
    savepoint of its own (the django_db mark), so the access-log rows a test writes are gone after it."""
    with rolled_back(django_db_blocker):
        yield build_world()


def signed_in(world: World, role: str) -> Client:
    client = Client()
    user = world.users[role]
    if user is None:
        return client
    if role in TWO_FACTOR_ROLES:
        otp_login(client, user)  # with the second factor given, as these roles must
    else:
        client.force_login(user)
    return client



def shows(response, record: models.Model) -> bool:
    body = response.content.decode()
    return str(record) in body or html.escape(str(record)) in body


def refused(response) -> bool:
    """403, 404, or a redirect to the sign-in page or (Django admin's answer for a missing record) the
    admin index."""
    if response.status_code in (403, 404):
        return True
    if response.status_code == 302:
        target = urlsplit(response["Location"]).path
        return target in (reverse("admin:login"), reverse("admin:index"))
    return False


def describe(response) -> str:
    location = f" -> {response['Location']}" if response.status_code in (301, 302) else ""
    return f"{response.status_code}{location}"


# The routes


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or "" when the pattern has no name
    pattern: str
    callback: Callable
    namespaces: tuple[str, ...]

    @property
    def module(self) -> str:
        return getattr(self.callback, "__module__", "") or ""


def routes(patterns=None, prefix: str = "", namespaces: tuple[str, ...] = ()) -> Iterator[Route]:
    """Every URL pattern of the project, with its full name and the module its view comes from."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = ":".join((*namespaces, pattern.name)) if pattern.name else ""
            yield Route(name, prefix + str(pattern.pattern), pattern.callback, namespaces)


CASE_MODELS = {
    model._meta.model_name: model for model in admin.site._registry if model._meta.app_label == "trajectories"
}
CASE_ROUTE = re.compile(rf"^admin:trajectories_(?P<model>{'|'.join(CASE_MODELS)})_(?P<view>\w+)$")


def case_routes() -> list[tuple[str, type[models.Model], str]]:
    found = []
    for route in routes():
        match = CASE_ROUTE.match(route.name)
        if match:
            found.append((route.name, CASE_MODELS[match["model"]], match["view"]))
    return sorted(found)


CASE_ROUTES = case_routes()


# The admin matrix


def _history_id(record: models.Model) -> int:
    return record.history.order_by("history_id").values_list("history_id", flat=True).first()


# How to address each kind of admin view for one record (None: the view is not about one record).
OBJECT_ARGS: dict[str, Callable[[models.Model], tuple] | None] = {
    "changelist": None,
    "add": None,
    "change": lambda record: (record.pk,),
    "history": lambda record: (record.pk,),
    "delete": lambda record: (record.pk,),
    "simple_history": lambda record: (record.pk, _history_id(record)),  # one version of the record
    # The person's rights and the identifier, on a participant's page
    "reveal": lambda record: (record.pk,),
    "export": lambda record: (record.pk,),
    "erase": lambda record: (record.pk,),
}
# Views that only a coordinator of the person's programme may open (identifier, export, erasure).
COORDINATOR_ONLY = {"reveal", "export", "erase"}


def admin_sees(role: str, place: str) -> bool:
    """Who, among the roles with admin access, may see a record of each place (the policy by hand)."""
    if role in ("auditor", "admin"):
        return True
    return role == "coordinator" and place == INSIDE


def admin_may(role: str, view: str) -> bool:
    """Whether the role's permissions open the view on a record it may see."""
    if view == "delete":
        return role == "admin"  # coordinators correct, they do not delete; auditors only read
    if view in COORDINATOR_ONLY:
        return role == "coordinator"
    return role in ADMIN_ROLES


def _matrix_params() -> list:
    params = []
    for name, model, view in CASE_ROUTES:
        for role in ROLES:
            params.append(pytest.param(role, name, model, view, id=f"{role}-{name.removeprefix('admin:')}",
                                       marks=[]))
    return params


def test_the_matrix_found_the_admin_pages_of_every_case_model():
    views = {(model, view) for _, model, view in CASE_ROUTES}
    for model in CASE_MODELS.values():
        for view in ("changelist", "change", "history", "delete"):
            assert (model, view) in views, f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
    unknown = sorted({name for name, _, view in CASE_ROUTES if view not in OBJECT_ARGS})
    assert not unknown, (
        f"view {', '.join(unknown)} is not covered by the permission matrix: add it to OBJECT_ARGS "
        "in tests/test_permission_matrix.py"
    )


@pytest.mark.parametrize(("role", "name", "model", "view"), _matrix_params())
def test_admin_page_shows_a_case_record_only_to_roles_in_scope(world, role, name, model, view):
    client = signed_in(world, role)
    args_of = OBJECT_ARGS.get(view, ...)
    if args_of is ...:
        pytest.fail(f"view {name} is not covered by the permission matrix: add it to OBJECT_ARGS")

    if args_of is None:
        response = client.get(reverse(name))
        _check_page_without_record(response, world, role, model, view)
        return
    for place in (INSIDE, OUTSIDE):
        record = world.record(place, model)
        response = client.get(reverse(name, args=args_of(record)))
        where = f"{role} GET {name} of the record {place} the coordinator's scope ({record!r}): {describe(response)}"
        if role in ADMIN_ROLES and admin_sees(role, place) and admin_may(role, view):
            assert response.status_code == 200, where
            assert shows(response, record), f"{where}: the page does not show {str(record)!r}"
        else:
            assert refused(response), where
            assert not shows(response, record), f"{where}: the page shows {str(record)!r}"
        if not admin_sees(role, OUTSIDE):
            assert OUTSIDE_MARK not in response.content.decode(), f"{where}: an out-of-scope record shows"


def _check_page_without_record(response, world: World, role: str, model, view: str) -> None:
    where = f"{role} GET {view} of {model._meta.label}: {describe(response)}"
    if role not in ADMIN_ROLES:
        assert refused(response), where
        assert INSIDE_MARK not in response.content.decode() and OUTSIDE_MARK not in response.content.decode()
        return
    if view == "changelist":
        assert response.status_code == 200, where
        listed = {record.pk for record in response.context["cl"].result_list}
        for place in (INSIDE, OUTSIDE):
            record = world.record(place, model)
            assert (record.pk in listed) == admin_sees(role, place), f"{where}: {place} record listed: {listed}"
    else:
        # An empty form: open to whoever may add (and where adding is done in the admin), never a list.
        assert response.status_code in (200, 403), where
    if not admin_sees(role, OUTSIDE):
        assert OUTSIDE_MARK not in response.content.decode(), f"{where}: an out-of-scope record shows"


# Writes out of scope


def test_coordinator_cannot_revert_a_record_of_another_programme_through_its_history(world):
    client = signed_in(world, "coordinator")
    participant = world.record(OUTSIDE, Participant)
    url = reverse("admin:trajectories_participant_simple_history", args=(participant.pk, _history_id(participant)))

    response = client.post(url, {"first_name": "Changed", "last_name": OUTSIDE_MARK, "languages": "[]"})

    participant.refresh_from_db()
    assert participant.first_name == "Person", describe(response)
    assert refused(response)


def test_auditor_cannot_change_a_record_through_its_history_page(world):
    client = signed_in(world, "auditor")
    participant = world.record(INSIDE, Participant)
    url = reverse("admin:trajectories_participant_simple_history", args=(participant.pk, _history_id(participant)))

    response = client.post(url, {"first_name": "Changed", "last_name": INSIDE_MARK, "languages": "[]"})

    participant.refresh_from_db()
    assert participant.first_name == "Person", describe(response)
    assert response.status_code == 403


def test_phase_entries_cannot_be_edited_through_their_history_page(world):
    # Phases are entered through the services only, so the funnel stays consistent.
    client = signed_in(world, "admin")
    entry = world.record(INSIDE, PhaseEntry)
    url = reverse("admin:trajectories_phaseentry_simple_history", args=(entry.pk, _history_id(entry)))

    response = client.post(url, {"trajectory": entry.trajectory_id, "phase": 4,
                                 "entered_on": entry.entered_on.isoformat(), "recorded_by": entry.recorded_by_id})

    entry.refresh_from_db()
    assert entry.phase == 1, describe(response)
    assert response.status_code == 403


def test_coordinator_cannot_change_a_record_of_another_programme(world):
    client = signed_in(world, "coordinator")
    participant = world.record(OUTSIDE, Participant)

    response = client.post(reverse("admin:trajectories_participant_change", args=(participant.pk,)),
                           {"first_name": "Changed", "last_name": OUTSIDE_MARK, "languages": "[]"})

    participant.refresh_from_db()
    assert participant.first_name == "Person"
    assert refused(response), describe(response)


def test_autocomplete_offers_only_records_in_scope(world):
    # The autocomplete widgets of case forms list records through the related model's admin.
    client = signed_in(world, "coordinator")
    fields = [(model, name) for model, model_admin in admin.site._registry.items()
              if model._meta.model_name in CASE_MODELS for name in model_admin.autocomplete_fields
              if model._meta.get_field(name).related_model._meta.model_name in CASE_MODELS]
    assert fields, "no autocomplete of a case record found"

    for model, field_name in fields:
        response = client.get(reverse("admin:autocomplete"), {
            "app_label": model._meta.app_label, "model_name": model._meta.model_name,
            "field_name": field_name, "term": "",
        })
        assert response.status_code == 200, (model, field_name)
        texts = [result["text"] for result in response.json()["results"]]
        assert any(INSIDE_MARK in text for text in texts), (model, field_name, texts)
        assert not any(OUTSIDE_MARK in text for text in texts), (model, field_name, texts)


# The roles' permissions


def test_roles_get_their_group_permissions_through_the_configured_backend():
    from django.conf import settings

    assert ROLE_BACKEND in settings.AUTHENTICATION_BACKENDS


def test_role_groups_exist_with_their_permissions():
    coordinator = set(Group.objects.get(name="coordinator").permissions.values_list("codename", flat=True))
    auditor = set(Group.objects.get(name="auditor").permissions.values_list("codename", flat=True))

    assert {"view_participant", "change_participant", "change_trajectory"} <= coordinator
    assert not {codename for codename in coordinator if codename.startswith("delete_")}
    # The access log spans every programme and organisation: auditors read it, coordinators do not.
    assert "view_accesslog" not in coordinator
    assert {"view_participant", "view_trajectory", "view_accesslog"} <= auditor
    assert all(codename.startswith("view_") for codename in auditor)
    for role in ("coach", "referrer", "partner"):
        assert not Group.objects.get(name=role).permissions.exists()


# Every other view of the project


class Checker:
    """Requests a listed view as every role and asserts that it keeps to the policy."""

    def __call__(self, world: World, role: str, url_name: str) -> None:
        raise NotImplementedError


# What each role may see of the world's records, per the policy (the same facts as in
# tests/trajectories/test_policies.py, for this smaller world).
POLICY_SEES: dict[str, dict[type[models.Model], set[str]]] = {
    "anonymous": {},
    "coach": {model: {INSIDE} for model in CASE_MODELS.values()},  # the coach of the OVV record
    "referrer": {Trajectory: {INSIDE}, PhaseEntry: {INSIDE}},  # iDrops referred the OVV person in
    # The OVV person is referred to microStart: its specialist sees the referral and the person.
    "partner": {model: {INSIDE} for model in (Participant, Referral, ReferralEvent, ReferralResult)},
    "coordinator": {model: {INSIDE} for model in CASE_MODELS.values()},
    "auditor": {model: {INSIDE, OUTSIDE} for model in CASE_MODELS.values()},
    "admin": {model: {INSIDE, OUTSIDE} for model in CASE_MODELS.values()},
}


@dataclass(frozen=True)
class ScopedObjectPage(Checker):
    """A page about one record, addressed by `kwarg`: shown in scope, 404 (as if missing) outside."""

    model: type[models.Model]
    kwarg: str = "pk"

    def __call__(self, world: World, role: str, url_name: str) -> None:
        client = signed_in(world, role)
        for place in (INSIDE, OUTSIDE):
            record = world.record(place, self.model)
            response = client.get(reverse(url_name, kwargs={self.kwarg: record.pk}))
            where = f"{role} GET {url_name} of the {place} record: {describe(response)}"
            if place in POLICY_SEES[role].get(self.model, set()):
                assert response.status_code == 200, where
                assert shows(response, record), where
            elif role == "anonymous":
                assert sent_to_sign_in(response), where
            else:
                assert response.status_code == 404, where
            if place not in POLICY_SEES[role].get(self.model, set()):
                assert not shows(response, record), where


@dataclass(frozen=True)
class ScopedListPage(Checker):
    """A list of records: it shows those in scope and none outside."""

    model: type[models.Model]

    def __call__(self, world: World, role: str, url_name: str) -> None:
        response = signed_in(world, role).get(reverse(url_name))
        sees = POLICY_SEES[role].get(self.model, set())
        where = f"{role} GET {url_name}: {describe(response)}"
        if role == "anonymous":
            assert refused(response), where
            return
        assert response.status_code in ((200,) if sees else (200, 403, 404)), where
        for place in (INSIDE, OUTSIDE):
            record = world.record(place, self.model)
            assert shows(response, record) == (place in sees), f"{where}: {place} record shown?"


def sent_to_sign_in(response) -> bool:
    """refused(), or a redirect to the workspace's own sign-in page (LOGIN_URL)."""
    if refused(response):
        return True
    return response.status_code == 302 and urlsplit(response["Location"]).path == resolve_url(
        settings.LOGIN_URL)


@dataclass(frozen=True)
class ScopedNameListPage(Checker):
    """A list that shows each record by its participant's name (a caseload row has the name in one
    cell and the programme in another, so str(record) never shows whole): the name of every record
    in scope, none outside."""

    model: type[models.Model]

    def __call__(self, world: World, role: str, url_name: str) -> None:
        response = signed_in(world, role).get(reverse(url_name))
        body = response.content.decode()
        where = f"{role} GET {url_name}: {describe(response)}"
        if role == "anonymous":
            assert sent_to_sign_in(response), where
            assert INSIDE_MARK not in body and OUTSIDE_MARK not in body, where
            return
        assert response.status_code == 200, where
        sees = POLICY_SEES[role].get(self.model, set())
        for place in (INSIDE, OUTSIDE):
            name = str(world.record(place, self.model).participant)
            assert (html.escape(name) in body) == (place in sees), f"{where}: {place} record shown?"
        assert (OUTSIDE_MARK in body) == (OUTSIDE in sees), f"{where}: an out-of-scope mark shows?"


@dataclass(frozen=True)
class FormForRoles(Checker):
    """A page with a form and no record on it: open to `roles`, 404 to every other signed-in role
    (as if it did not exist); it never shows a case record."""

    roles: frozenset[str]

    def __call__(self, world: World, role: str, url_name: str) -> None:
        response = signed_in(world, role).get(reverse(url_name))
        body = response.content.decode()
        where = f"{role} GET {url_name}: {describe(response)}"
        if role == "anonymous":
            assert sent_to_sign_in(response), where
        else:
            assert response.status_code == (200 if role in self.roles else 404), where
        assert INSIDE_MARK not in body and OUTSIDE_MARK not in body, f"{where}: a case record shows"


def _import_file(programme: Programme):
    """A file of one new person, reached on the programme's first day."""
    content = f"voornaam;achternaam;fase1\r\nNieuwe;Deelnemer;{programme.starts_on:%d/%m/%Y}\r\n".encode()
    upload = io.BytesIO(content)
    upload.name = "deelnemers.csv"
    return upload


@dataclass(frozen=True)
class ImportUpload(Checker):
    """The import page: to `roles` its form and the earlier imports they may see (none outside the
    scope), 404 to every other signed-in role; an upload imports only into a programme the role registers
    in (else 400: the programme is not offered) and changes nothing else."""

    roles: frozenset[str]

    def __call__(self, world: World, role: str, url_name: str) -> None:
        client = signed_in(world, role)
        response = client.get(reverse(url_name))
        body = response.content.decode()
        where = f"{role} GET {url_name}: {describe(response)}"
        if role in self.roles:
            assert response.status_code == 200, where
            sees = POLICY_SEES[role].get(ImportJob, set())
            assert (world.record(INSIDE, ImportJob).filename in body) == (INSIDE in sees), f"{where}: inside import?"
        else:
            _refused_page(response, role, where)
            assert INSIDE_MARK not in body, where
        assert OUTSIDE_MARK not in body, f"{where}: an out-of-scope import shows"
        for place in (INSIDE, OUTSIDE):
            programme = _programme_of(world, place)
            response, changed = _post_and_roll_back(client, reverse(url_name), {
                "file": _import_file(programme), "programme": programme.pk, "consent": "on"})
            where = f"{role} POST {url_name} into {programme.code}: {describe(response)}"
            if role in self.roles and place == INSIDE:
                assert response.status_code == 302 and changed, where
                continue
            assert not changed, f"{where}: someone was imported"
            if role in self.roles:
                assert response.status_code == 400, where
            else:
                _refused_page(response, role, where)


# The workspace's participant page, its actions and the group-session pages


@dataclass(frozen=True)
class ParticipantPage(Checker):
    """The participant page: the whole record to the roles that see the participant file and the
    trajectory; the status alone (name, programme, phases: no sessions) to a role that sees only the
    person's trajectory (a referrer of the person); 404 to everyone else, as if the person did not
    exist, also to a partner who sees the person only through a referral (on the referral page)."""

    def __call__(self, world: World, role: str, url_name: str) -> None:
        client = signed_in(world, role)
        sees = POLICY_SEES[role]
        for place in (INSIDE, OUTSIDE):
            participant = world.record(place, Participant)
            contact = world.record(place, Session).title  # an individual session's title
            response = client.get(reverse(url_name, kwargs={"pk": participant.pk}))
            body = html.unescape(response.content.decode())
            where = f"{role} GET {url_name} of the {place} person: {describe(response)}"
            if place in sees.get(Participant, set()) and place in sees.get(Trajectory, set()):
                assert response.status_code == 200, where
                assert shows(response, participant) and contact in body, where
            elif place in sees.get(Trajectory, set()):
                assert response.status_code == 200, where
                assert shows(response, participant), where
                assert contact not in body, f"{where}: a status page shows a session"
            elif role == "anonymous":
                assert sent_to_sign_in(response), where
            else:
                assert response.status_code == 404, where
            if place not in sees.get(Trajectory, set()):
                assert not shows(response, participant), where


# Who may change the world's trajectories (the coach of the OVV person and OVV's coordinator).
POLICY_CHANGES: dict[str, set[str]] = {"coach": {INSIDE}, "coordinator": {INSIDE}}
AUDITED_CASE_MODELS = (Trajectory, PhaseEntry, Screening, Session, Attendance, ConsentRecord, Referral,
                       ReferralEvent, ReferralResult)


def _case_history() -> tuple[int, ...]:
    """The number of change-history rows of every case model a workspace action writes."""
    return tuple(model.history.count() for model in AUDITED_CASE_MODELS)


def _post_and_roll_back(client: Client, url: str, data: dict) -> tuple[HttpResponse, bool]:
    """POST, tell whether anything changed, and undo it, so the next check starts from the same world."""
    with transaction.atomic():
        before = _case_history()
        response = client.post(url, data)
        changed = _case_history() != before
        transaction.set_rollback(True)
    return response, changed


@dataclass(frozen=True)
class TrajectoryAction(Checker):
    """A POST that changes a trajectory, sent with a valid form so that a refusal is the policy's: it
    changes the trajectory only for the roles that may change it (`coordinator_only`: coordinators
    alone); every other signed-in role, in scope or not, gets 404 and changes nothing."""

    data: Callable[[Trajectory], dict]
    coordinator_only: bool = False
    # The trajectory acted on: the record's own (in guidance) unless the action needs an earlier phase.
    early: bool = False

    def __call__(self, world: World, role: str, url_name: str) -> None:
        client = signed_in(world, role)
        for place in (INSIDE, OUTSIDE):
            trajectory = world.early[place] if self.early else world.record(place, Trajectory)
            response, changed = _post_and_roll_back(
                client, reverse(url_name, kwargs={"pk": trajectory.pk}), self.data(trajectory))
            where = f"{role} POST {url_name} on the {place} trajectory: {describe(response)}"
            may = place in POLICY_CHANGES.get(role, set()) and (role == "coordinator" or not self.coordinator_only)
            if may:
                assert response.status_code == 302 and changed, where
                continue
            assert not changed, f"{where}: the trajectory changed"
            if role == "anonymous":
                assert sent_to_sign_in(response), where
            else:
                assert response.status_code == 404, where


# The roles that run group sessions; to the others the group-session pages do not exist.
RUNS_SESSIONS = frozenset({"coach", "coordinator"})


def plan_group_sessions(world: World) -> dict[str, Session]:
    """An info session in each place, planned by the coach of that place's person."""
    sessions = {}
    for place, mark in ((INSIDE, INSIDE_MARK), (OUTSIDE, OUTSIDE_MARK)):
        trajectory = world.record(place, Trajectory)
        sessions[place] = session_plan_group(
            programme=trajectory.programme, by=trajectory.coach, kind=Session.Kind.INFO,
            held_on=trajectory.programme.starts_on, duration_minutes=60, title=f"Info {mark}")
    return sessions


def _refused_page(response, role: str, where: str) -> None:
    if role == "anonymous":
        assert sent_to_sign_in(response), where
    else:
        assert response.status_code == 404, where


@dataclass(frozen=True)
class GroupSessionList(Checker):
    """The group sessions: those in scope to the roles that run sessions, none outside; 404 to others."""

    def __call__(self, world: World, role: str, url_name: str) -> None:
        with transaction.atomic():
            plan_group_sessions(world)
            response = signed_in(world, role).get(reverse(url_name))
            transaction.set_rollback(True)
        body = response.content.decode()
        where = f"{role} GET {url_name}: {describe(response)}"
        if role in RUNS_SESSIONS:
            assert response.status_code == 200 and f"Info {INSIDE_MARK}" in body, where
        else:
            _refused_page(response, role, where)
            assert INSIDE_MARK not in body, where
        assert OUTSIDE_MARK not in body, f"{where}: an out-of-scope session shows"


@dataclass(frozen=True)
class GroupSessionNew(Checker):
    """Planning a group session: only in a programme the user runs, by the roles that run sessions."""

    def __call__(self, world: World, role: str, url_name: str) -> None:
        client = signed_in(world, role)
        inside, outside = (world.record(place, Trajectory).programme for place in (INSIDE, OUTSIDE))
        response = client.get(reverse(url_name))
        where = f"{role} GET {url_name}: {describe(response)}"
        if role in RUNS_SESSIONS:
            assert response.status_code == 200, where
            body = response.content.decode()
            assert f'<option value="{inside.pk}">' in body and f'<option value="{outside.pk}"' not in body, where
        else:
            _refused_page(response, role, where)
        for programme in (inside, outside):
            response, changed = _post_and_roll_back(client, reverse(url_name), {
                "programme": programme.pk, "kind": Session.Kind.INFO, "held_on": programme.starts_on,
                "duration_minutes": 60, "title": "Info"})
            where = f"{role} POST {url_name} in {programme.code}: {describe(response)}"
            if role in RUNS_SESSIONS and programme == inside:
                assert response.status_code == 302 and changed, where
            else:
                assert not changed, f"{where}: a session was planned"
                if role in RUNS_SESSIONS:
                    assert response.status_code == 400, where
                else:
                    _refused_page(response, role, where)


@dataclass(frozen=True)
class GroupSessionDetail(Checker):
    """A group session and its attendance: shown, and recorded, only for a session in scope and the
    trajectories the user may change; 404 for a session out of scope and to the other roles."""

    def __call__(self, world: World, role: str, url_name: str) -> None:
        client = signed_in(world, role)
        trajectories = {place: world.record(place, Trajectory) for place in (INSIDE, OUTSIDE)}
        for place in (INSIDE, OUTSIDE):
            with transaction.atomic():
                session = plan_group_sessions(world)[place]
                url = reverse(url_name, kwargs={"pk": session.pk})
                response = client.get(url)
                body = response.content.decode()
                posts = {
                    whose: _post_and_roll_back(client, url, {"attended": [trajectory.pk], "shown": [trajectory.pk]})
                    for whose, trajectory in trajectories.items()
                }
                transaction.set_rollback(True)
            where = f"{role} GET {url_name} of the {place} session: {describe(response)}"
            in_scope = role in RUNS_SESSIONS and place in POLICY_CHANGES.get(role, set())
            if in_scope:
                assert response.status_code == 200, where
                assert f"Info {INSIDE_MARK}" in body and html.escape(str(trajectories[INSIDE].participant)) in body, where
            else:
                _refused_page(response, role, where)
            assert OUTSIDE_MARK not in body, f"{where}: an out-of-scope record shows"
            for whose, (posted, changed) in posts.items():
                where = f"{role} POST {url_name} of the {place} session for the {whose} person: {describe(posted)}"
                if in_scope and whose == INSIDE:
                    assert posted.status_code == 302 and changed, where
                    continue
                assert not changed, f"{where}: attendance was recorded"
                if in_scope:
                    assert posted.status_code == 400, where  # not among the trajectories offered
                else:
                    _refused_page(posted, role, where)


def _on_start(trajectory: Trajectory) -> str:
    return trajectory.programme.starts_on.isoformat()


# The referral pages: the partner's inbox, the referral page and the partner's answers


@dataclass(frozen=True)
class RedirectsRole(Checker):
    """A page that sends `role` elsewhere (a partner from the caseload to their inbox) and otherwise
    keeps to the policy as `then` checks it."""

    role: str
    to: str
    then: Checker

    def __call__(self, world: World, role: str, url_name: str) -> None:
        if role != self.role:
            return self.then(world, role, url_name)
        response = signed_in(world, role).get(reverse(url_name))
        where = f"{role} GET {url_name}: {describe(response)}"
        assert response.status_code == 302 and response["Location"] == reverse(self.to), where
        assert INSIDE_MARK not in response.content.decode() and OUTSIDE_MARK not in response.content.decode()


@dataclass(frozen=True)
class ReferralInbox(Checker):
    """The partner's inbox: to a partner specialist the names of the people referred to their
    organisation, none other; 404 to every other signed-in role."""

    def __call__(self, world: World, role: str, url_name: str) -> None:
        response = signed_in(world, role).get(reverse(url_name))
        body = response.content.decode()
        where = f"{role} GET {url_name}: {describe(response)}"
        if role == "partner":
            assert response.status_code == 200, where
            for place in (INSIDE, OUTSIDE):
                name = str(world.record(place, Referral).trajectory.participant)
                sees = place in POLICY_SEES[role].get(Referral, set())
                assert (html.escape(name) in body) == sees, f"{where}: {place} referral shown?"
        else:
            _refused_page(response, role, where)
            assert INSIDE_MARK not in body, where
        assert OUTSIDE_MARK not in body, f"{where}: an out-of-scope referral shows"


# Who may answer the world's referrals: the specialist of the organisation the OVV person is referred to.
POLICY_ANSWERS: dict[str, set[str]] = {"partner": {INSIDE}}


def _referral_history() -> tuple[int, ...]:
    return tuple(model.history.count() for model in (Referral, ReferralEvent, ReferralResult))


@dataclass(frozen=True)
class ReferralAnswer(Checker):
    """The partner's answers (one URL per answer): each changes the referral only for the specialist of
    the organisation it was sent to; every other signed-in role, in scope or not, gets 404 and changes
    nothing. Each answer is sent with a valid form, to a referral first brought (by its own partner,
    through the services) to the status the answer starts from, so that a refusal is the policy's."""

    # answer: (the steps first taken through the services, the form's data for a referral)
    ANSWERS = {
        "accept": ((), lambda referral: {}),
        "decline": ((), lambda referral: {"reason": "Geen plaats"}),
        "start": ((referral_accept,), lambda referral: {}),
        "stop": ((referral_accept,), lambda referral: {"reason": "Niet bereikbaar"}),
        "complete": ((referral_accept, referral_start), lambda referral: {
            "feedback": "Afgerond", **RESULTS[referral.specialisation.result_kind]}),
    }

    def __call__(self, world: World, role: str, url_name: str) -> None:
        client = signed_in(world, role)
        for place in (INSIDE, OUTSIDE):
            for answer, (first, data) in self.ANSWERS.items():
                self._check(client, world, role, url_name, place, answer, world.record(place, Referral), first, data)
            # A granted credit is followed up after the referral closed.
            completed = world.record(place, ReferralResult).referral
            self._check(client, world, role, url_name, place, "follow_up", completed, (),
                        lambda referral: {"repayment_follow_up": "Op schema"})

    def _check(self, client, world, role, url_name, place, answer, referral, first, data) -> None:
        with transaction.atomic():
            partner = _partner_of(referral.organisation)
            for step in first:
                step(referral=referral, by=partner)
            before = _referral_history()
            response = client.post(reverse(url_name, kwargs={"pk": referral.pk, "action": answer}), data(referral))
            changed = _referral_history() != before
            transaction.set_rollback(True)
        where = f"{role} POST {url_name} {answer} on the {place} referral: {describe(response)}"
        if place in POLICY_ANSWERS.get(role, set()) and (answer != "follow_up" or place == INSIDE):
            assert response.status_code == 302 and changed, where
            return
        assert not changed, f"{where}: the referral changed"
        if role == "anonymous":
            assert sent_to_sign_in(response), where
        else:
            assert response.status_code == 404, where


def _offer_of(trajectory: Trajectory, code: str) -> SpecialisationOffer:
    return SpecialisationOffer.objects.get(programme=trajectory.programme, specialisation__code=code)


def _open_referral(trajectory: Trajectory) -> int:
    return trajectory.referrals.get(status__in=Referral.OPEN).pk


# The reminder pages: a reminder is only ever shown to, and dismissed by, its recipient.


def make_reminders(world: World) -> dict[str, Reminder]:
    """An open reminder for the coach and one for the partner about the records inside the scope, and
    one for the other coach about the record outside it; each message carries its place's mark."""
    made = {}
    for whose, place, referral in (("coach", INSIDE, False), ("partner", INSIDE, True), (OUTSIDE, OUTSIDE, False)):
        trajectory = world.record(place, Trajectory)
        mark = INSIDE_MARK if place == INSIDE else OUTSIDE_MARK
        about = world.record(place, Referral) if referral else None
        made[whose] = Reminder.objects.create(
            rule=Rule.REFERRAL_UNANSWERED if referral else Rule.NO_CONTACT,
            recipient=_partner_of(about.organisation) if referral else trajectory.coach,
            programme=trajectory.programme, trajectory=trajectory, referral=about,
            object_type="trajectories.referral" if referral else "trajectories.trajectory",
            object_id=str(about.pk if referral else trajectory.pk), counted_from=trajectory.programme.starts_on,
            due_on=trajectory.programme.starts_on, message=f"Reminder for {whose} about {mark}",
        )
    return made


@dataclass(frozen=True)
class ReminderList(Checker):
    """The reminder list: to every signed-in user their own open reminders, and no one else's."""

    def __call__(self, world: World, role: str, url_name: str) -> None:
        with transaction.atomic():
            reminders = make_reminders(world)
            response = signed_in(world, role).get(reverse(url_name))
            transaction.set_rollback(True)
        body = response.content.decode()
        where = f"{role} GET {url_name}: {describe(response)}"
        if role == "anonymous":
            assert sent_to_sign_in(response), where
        else:
            assert response.status_code == 200, where
        for whose, reminder in reminders.items():
            assert (reminder.message in body) == (whose == role), f"{where}: the reminder for {whose} shown?"
        assert OUTSIDE_MARK not in body, f"{where}: an out-of-scope reminder shows"


@dataclass(frozen=True)
class ReminderDismiss(Checker):
    """Dismissing a reminder: only by its recipient; to everyone else 404, and it stays open."""

    def __call__(self, world: World, role: str, url_name: str) -> None:
        client = signed_in(world, role)
        for whose in ("coach", "partner", OUTSIDE):
            with transaction.atomic():
                reminder = make_reminders(world)[whose]
                response = client.post(reverse(url_name, kwargs={"pk": reminder.pk}))
                reminder.refresh_from_db()
                transaction.set_rollback(True)
            where = f"{role} POST {url_name} of the reminder for {whose}: {describe(response)}"
            if whose == role:
                assert response.status_code == 302 and reminder.status == Reminder.Status.DISMISSED, where
                continue
            assert reminder.status == Reminder.Status.OPEN, f"{where}: the reminder was dismissed"
            if role == "anonymous":
                assert sent_to_sign_in(response), where
            else:
                assert response.status_code == 404, where


# The reports: a programme's report pages to its coordinators, auditors and admins; its funnel through
# the API also (suppressed) to the staff of the organisations that take part in it.
REPORT_READERS: dict[str, set[str]] = {"coordinator": {INSIDE}, "auditor": {INSIDE, OUTSIDE},
                                       "admin": {INSIDE, OUTSIDE}}
API_READERS: dict[str, set[str]] = {**REPORT_READERS, "coach": {INSIDE}, "referrer": {INSIDE}, "partner": {INSIDE}}


def _programme_of(world: World, place: str) -> Programme:
    return world.record(place, Trajectory).programme


@dataclass(frozen=True)
class ReportIndex(Checker):
    """The list of reports: to the roles that read reports, the programmes they may see and no other;
    404 to every other signed-in role. It names nobody."""

    def __call__(self, world: World, role: str, url_name: str) -> None:
        response = signed_in(world, role).get(reverse(url_name))
        body = response.content.decode()
        where = f"{role} GET {url_name}: {describe(response)}"
        if role in REPORT_READERS:
            assert response.status_code == 200, where
            for place in (INSIDE, OUTSIDE):
                link = reverse("reports:funnel", kwargs={"code": _programme_of(world, place).code})
                assert (link in body) == (place in REPORT_READERS[role]), f"{where}: {place} programme listed?"
        else:
            _refused_page(response, role, where)
        assert INSIDE_MARK not in body and OUTSIDE_MARK not in body, f"{where}: a person is named"


@dataclass(frozen=True)
class ReportPage(Checker):
    """A programme's report page (and, with `downloads`, its CSV): shown for a programme whose reports
    the role reads, 404 (as if it did not exist) for any other. A page that names people (`names`)
    names those of its own programme, never anyone of another."""

    query: tuple[tuple[str, str], ...] = ()
    downloads: bool = True
    names: bool = False

    def __call__(self, world: World, role: str, url_name: str) -> None:
        client = signed_in(world, role)
        for place in (INSIDE, OUTSIDE):
            address = reverse(url_name, kwargs={"code": _programme_of(world, place).code})
            questions = [dict(self.query)]
            if self.downloads:
                questions.append({**dict(self.query), "format": "csv"})
            for query in questions:
                response = client.get(address, query)
                body = response.content.decode("utf-8-sig")
                where = f"{role} GET {url_name} {query} of the {place} programme: {describe(response)}"
                sees = place in REPORT_READERS.get(role, set())
                if sees:
                    assert response.status_code == 200, where
                elif role == "anonymous":
                    assert sent_to_sign_in(response), where
                else:
                    assert response.status_code == 404, where
                own, other = (INSIDE_MARK, OUTSIDE_MARK) if place == INSIDE else (OUTSIDE_MARK, INSIDE_MARK)
                assert other not in body, f"{where}: a person of another programme is named"
                if self.names and sees and "format" not in query:
                    assert own in body, f"{where}: the programme's incomplete record is not listed"
                if not sees or "format" in query:
                    assert own not in body, f"{where}: a person is named"


# The API: the same policy through /api/v1/, answered in JSON. A list holds only records of the policy's
# queryset for the user; a record outside the scope answers 404, as if it did not exist (403 where the role
# sees the record but the step is another role's); a caller who is not signed in gets 401 or 403; every
# refusal has the API's error shape and changes nothing. The requests are signed in as for the pages (a
# session, with the second factor where the role needs it); tests/test_api_schema.py signs its own with
# tokens. Each checker says which methods of its route it covers, so a method added to a route fails the
# matrix until a checker covers it too.

# What each role sees of the world through the API: as on the pages, and a referrer reads the status of
# the people their organisation referred in (name, programme, phases) as a participant too.
API_SEES: dict[str, dict[type[models.Model], set[str]]] = {
    **POLICY_SEES, "referrer": {**POLICY_SEES["referrer"], Participant: {INSIDE}},
}
# The programmes each role works in: those its organisation has a role in (Stebo coordinates and coaches
# OVV, iDrops refers in to it, microStart is its partner); every programme for auditors and admins.
API_PROGRAMMES: dict[str, set[str]] = {role: {INSIDE} for role in ("coach", "referrer", "partner", "coordinator")}
API_PROGRAMMES |= {"auditor": {INSIDE, OUTSIDE}, "admin": {INSIDE, OUTSIDE}}
# The roles that register people (in the programmes their organisation works in).
REGISTERS = frozenset({"coach", "referrer", "coordinator"})
PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's


def _seen_participants(user: User):
    """The people a user may read through the API: their files, and the people whose trajectory they see
    (a referrer reads the status of those their organisation referred in)."""
    return Participant.objects.filter(Q(pk__in=participants_visible_to(user).values("pk"))
                                      | Q(pk__in=trajectories_visible_to(user).values("participant_id")))


# The policy's queryset of each kind of record listed by the API, for a user.
API_POLICY: dict[type[models.Model], Callable[[User], models.QuerySet]] = {
    Participant: _seen_participants, Trajectory: trajectories_visible_to, Referral: referrals_visible_to,
    Session: sessions_visible_to,
}


def api_get(client: Client, url: str, query: dict | None = None) -> HttpResponse:
    return client.get(url, query or {}, headers={"accept": "application/json"})


def api_send(client: Client, method: str, url: str, data: dict | None = None) -> HttpResponse:
    return client.generic(method, url, json.dumps(data or {}, default=str), content_type="application/json",
                          headers={"accept": "application/json"})


def api_refused(response, role: str, where: str, status: int = 404) -> None:
    """Refused in the API's error shape: 401 or 403 to a caller who is not signed in, else `status`."""
    assert response.status_code in ((401, 403) if role == "anonymous" else (status,)), where
    error = response.json().get("error") if response["Content-Type"].startswith("application/json") else None
    assert isinstance(error, dict) and error.get("code") and error.get("message"), (
        f"{where}: not the API's error shape: {response.content[:300]!r}")


def _api_state() -> tuple[int, ...]:
    """The number of change-history rows of everything an API write can change, and of closed reminders."""
    return (*(model.history.count() for model in (Participant, *AUDITED_CASE_MODELS)),
            Reminder.objects.exclude(status=Reminder.Status.OPEN).count())


def _send_and_roll_back(client: Client, method: str, url: str, data: dict,
                        first: Callable[[], None] | None = None) -> tuple[HttpResponse, bool]:
    """Send, tell whether anything changed, and undo it (and `first`, the steps taken before)."""
    with transaction.atomic():
        if first is not None:
            first()
        before = _api_state()
        response = api_send(client, method, url, data)
        changed = _api_state() != before
        transaction.set_rollback(True)
    return response, changed


class ApiChecker(Checker):
    methods: frozenset[str] = frozenset({"get"})


@dataclass(frozen=True)
class All(ApiChecker):
    """Every check of a route that answers several methods (a list and the creation of a record)."""

    checks: tuple[ApiChecker, ...]

    @property
    def methods(self) -> frozenset[str]:
        return frozenset().union(*(check.methods for check in self.checks))

    def __call__(self, world: World, role: str, url_name: str) -> None:
        for check in self.checks:
            check(world, role, url_name)


@dataclass(frozen=True)
class ApiList(ApiChecker):
    """A list: only records of the policy's queryset for the user, among them the world's records the role
    sees and none it does not; refused to a caller who is not signed in."""

    model: type[models.Model]

    def __call__(self, world: World, role: str, url_name: str) -> None:
        response = api_get(signed_in(world, role), reverse(url_name), {"page_size": 200})
        where = f"{role} GET {url_name}: {describe(response)}"
        if role == "anonymous":
            api_refused(response, role, where)
            assert INSIDE_MARK not in response.content.decode(), where
            return
        assert response.status_code == 200, where
        page = response.json()
        listed = {row["id"] for row in page["results"]}
        assert page["count"] == len(listed), f"{where}: the list is not on one page, or repeats a record"
        allowed = set(API_POLICY[self.model](world.users[role]).values_list("pk", flat=True))
        assert listed <= allowed, f"{where}: lists {self.model.__name__} {sorted(listed - allowed)} outside the policy"
        sees = API_SEES[role].get(self.model, set())
        for place in (INSIDE, OUTSIDE):
            assert (world.record(place, self.model).pk in listed) == (place in sees), f"{where}: {place} record listed?"
        assert (OUTSIDE_MARK in response.content.decode()) == (OUTSIDE in sees), f"{where}: an out-of-scope mark?"


@dataclass(frozen=True)
class ApiDetail(ApiChecker):
    """One record: shown to the roles that see it, 404 (as if it did not exist) to the others."""

    model: type[models.Model]

    def __call__(self, world: World, role: str, url_name: str) -> None:
        client = signed_in(world, role)
        sees = API_SEES[role].get(self.model, set())
        for place in (INSIDE, OUTSIDE):
            record = world.record(place, self.model)
            response = api_get(client, reverse(url_name, kwargs={"pk": record.pk}))
            where = f"{role} GET {url_name} of the {place} record: {describe(response)}"
            if place in sees:
                assert response.status_code == 200 and response.json()["id"] == record.pk, where
            else:
                api_refused(response, role, where)
            if OUTSIDE not in sees:
                assert OUTSIDE_MARK not in response.content.decode(), f"{where}: an out-of-scope record shows"
        malformed = api_get(client, reverse(url_name, kwargs={"pk": "1.5"}))
        api_refused(malformed, role, f"{role} GET {url_name} of a malformed id: {describe(malformed)}")


@dataclass(frozen=True)
class ApiParticipantChange(ApiChecker):
    """Correcting a person's data: only by those who may change their file; 404 to everyone else."""

    methods: frozenset[str] = frozenset({"patch"})

    def __call__(self, world: World, role: str, url_name: str) -> None:
        client = signed_in(world, role)
        for place in (INSIDE, OUTSIDE):
            participant = world.record(place, Participant)
            response, changed = _send_and_roll_back(client, "PATCH", reverse(url_name, kwargs={"pk": participant.pk}),
                                                    {"phone": "0470 12 34 56"})
            where = f"{role} PATCH {url_name} of the {place} person: {describe(response)}"
            if place in POLICY_CHANGES.get(role, set()):
                assert response.status_code == 200 and changed, where
            else:
                assert not changed, f"{where}: the person changed"
                api_refused(response, role, where)


def _registration(world: World, place: str) -> dict:
    programme = _programme_of(world, place)
    return {"first_name": "Nieuwe", "last_name": "Deelnemer", "programme": programme.code,
            "entered_on": programme.starts_on, "consent": True, "confirm_not_duplicate": True}


def _referral(world: World, place: str) -> dict:
    trajectory = world.record(place, Trajectory)
    offer = _offer_of(trajectory, "personal-feasibility")
    return {"trajectory": trajectory.pk, "specialisation": offer.specialisation.code,
            "organisation": offer.organisation.code, "question": "Hoe gaat zij om met onzekerheid?"}


def _contact(world: World, place: str) -> dict:
    trajectory = world.record(place, Trajectory)
    return {"trajectory": trajectory.pk, "held_on": _on_start(trajectory), "duration_minutes": 30,
            "title": "Contact"}


def _group_session(world: World, place: str) -> dict:
    programme = _programme_of(world, place)
    return {"programme": programme.code, "kind": Session.Kind.INFO, "held_on": programme.starts_on,
            "duration_minutes": 60, "title": "Info"}


@dataclass(frozen=True)
class ApiCreate(ApiChecker):
    """Creating a record with a POST to a list, with valid data naming each place's record (a programme,
    a trajectory): created only by the roles that create such records (`creators`) inside their scope;
    those roles get a 400 on the field naming a record outside it, every other role a 403, and a refusal
    creates nothing."""

    data: Callable[[World, str], dict]
    creators: frozenset[str]
    methods: frozenset[str] = frozenset({"post"})

    def __call__(self, world: World, role: str, url_name: str) -> None:
        client = signed_in(world, role)
        for place in (INSIDE, OUTSIDE):
            response, changed = _send_and_roll_back(client, "POST", reverse(url_name), self.data(world, place))
            where = f"{role} POST {url_name} for the {place} record: {describe(response)}"
            if role in self.creators and place == INSIDE:
                assert response.status_code == 201 and changed, where
                continue
            assert not changed, f"{where}: a record was created"
            api_refused(response, role, where, 400 if role in self.creators else 403)


@dataclass(frozen=True)
class ApiTrajectoryAction(ApiChecker):
    """A POST that changes a trajectory, sent with valid data so that a refusal is the policy's: it changes
    the trajectory only for the roles that may change it (`coordinator_only`: coordinators alone); every
    other role, in scope or not, gets 404 and changes nothing."""

    data: Callable[[Trajectory], dict]
    coordinator_only: bool = False
    early: bool = False  # act on a trajectory still in phase 3
    answer: int = 200
    methods: frozenset[str] = frozenset({"post"})

    def __call__(self, world: World, role: str, url_name: str) -> None:
        client = signed_in(world, role)
        for place in (INSIDE, OUTSIDE):
            trajectory = world.early[place] if self.early else world.record(place, Trajectory)
            response, changed = _send_and_roll_back(client, "POST", reverse(url_name, kwargs={"pk": trajectory.pk}),
                                                    self.data(trajectory))
            where = f"{role} POST {url_name} on the {place} trajectory: {describe(response)}"
            if place in POLICY_CHANGES.get(role, set()) and (role == "coordinator" or not self.coordinator_only):
                assert response.status_code == self.answer and changed, where
            else:
                assert not changed, f"{where}: the trajectory changed"
                api_refused(response, role, where)


@dataclass(frozen=True)
class ApiReferralStep(ApiChecker):
    """One answer to a referral, sent with valid data to a referral first brought (by its own partner,
    through the services) to the status the answer starts from: it changes the referral only for the
    role whose step it is (`by`: the partner specialist of the receiving organisation, or the coach side);
    a role that sees the referral gets 403, any other 404, and nothing changes."""

    first: tuple[Callable, ...] = ()
    data: Callable[[Referral], dict] = lambda referral: {}
    by: str = "partner"
    completed: bool = False  # a step on the completed referral (following up a granted credit)
    methods: frozenset[str] = frozenset({"post"})

    def __call__(self, world: World, role: str, url_name: str) -> None:
        client = signed_in(world, role)
        for place in (INSIDE, OUTSIDE):
            referral = world.record(place, ReferralResult).referral if self.completed else world.record(place, Referral)
            partner = _partner_of(referral.organisation)

            def first(referral=referral, partner=partner):
                for step in self.first:
                    step(referral=referral, by=partner)

            response, changed = _send_and_roll_back(client, "POST", reverse(url_name, kwargs={"pk": referral.pk}),
                                                    self.data(referral), first)
            where = f"{role} POST {url_name} on the {place} referral: {describe(response)}"
            steps = POLICY_ANSWERS if self.by == "partner" else POLICY_CHANGES
            if place in steps.get(role, set()):
                assert response.status_code == 200 and changed, where
                continue
            assert not changed, f"{where}: the referral changed"
            api_refused(response, role, where, 403 if place in API_SEES[role].get(Referral, set()) else 404)


@dataclass(frozen=True)
class ApiAttendance(ApiChecker):
    """Recording who came to a group session: only for a session in scope and the trajectories the user may
    change (another is a 400); 404 for a session out of scope and to the roles that do not run sessions."""

    methods: frozenset[str] = frozenset({"post"})

    def __call__(self, world: World, role: str, url_name: str) -> None:
        client = signed_in(world, role)
        trajectories = {place: world.record(place, Trajectory) for place in (INSIDE, OUTSIDE)}
        for place in (INSIDE, OUTSIDE):
            with transaction.atomic():
                url = reverse(url_name, kwargs={"pk": plan_group_sessions(world)[place].pk})
                posts = {whose: _send_and_roll_back(client, "POST", url, {"attended": [trajectory.pk]})
                         for whose, trajectory in trajectories.items()}
                transaction.set_rollback(True)
            in_scope = role in RUNS_SESSIONS and place in POLICY_CHANGES.get(role, set())
            for whose, (response, changed) in posts.items():
                where = f"{role} POST {url_name} of the {place} session for the {whose} person: {describe(response)}"
                if in_scope and whose == INSIDE:
                    assert response.status_code == 200 and changed, where
                    continue
                assert not changed, f"{where}: attendance was recorded"
                api_refused(response, role, where, 400 if in_scope else 404)


@dataclass(frozen=True)
class ApiReminderList(ApiChecker):
    """The reminders: to every signed-in user their own, and no one else's."""

    def __call__(self, world: World, role: str, url_name: str) -> None:
        with transaction.atomic():
            reminders = make_reminders(world)
            response = api_get(signed_in(world, role), reverse(url_name), {"page_size": 200})
            own = set(Reminder.objects.filter(recipient=world.users[role]).values_list("pk", flat=True))
            transaction.set_rollback(True)
        where = f"{role} GET {url_name}: {describe(response)}"
        if role == "anonymous":
            api_refused(response, role, where)
            return
        assert response.status_code == 200, where
        listed = {row["id"] for row in response.json()["results"]}
        assert listed <= own, f"{where}: lists reminders of someone else: {sorted(listed - own)}"
        for whose, reminder in reminders.items():
            assert (reminder.pk in listed) == (whose == role), f"{where}: the reminder for {whose} listed?"


@dataclass(frozen=True)
class ApiReminderDismiss(ApiChecker):
    """Dismissing a reminder: only by its recipient; to everyone else 404, and it stays open."""

    methods: frozenset[str] = frozenset({"post"})

    def __call__(self, world: World, role: str, url_name: str) -> None:
        client = signed_in(world, role)
        for whose in ("coach", "partner", OUTSIDE):
            with transaction.atomic():
                reminder = make_reminders(world)[whose]
                response = api_send(client, "POST", reverse(url_name, kwargs={"pk": reminder.pk}))
                reminder.refresh_from_db()
                transaction.set_rollback(True)
            where = f"{role} POST {url_name} of the reminder for {whose}: {describe(response)}"
            if whose == role:
                assert response.status_code == 200 and reminder.status == Reminder.Status.DISMISSED, where
                continue
            assert reminder.status == Reminder.Status.OPEN, f"{where}: the reminder was dismissed"
            api_refused(response, role, where)


@dataclass(frozen=True)
class ApiProgrammes(ApiChecker):
    """The programmes a role works in: listed (`detail`: shown) to it, and no other (404)."""

    detail: bool = False

    def __call__(self, world: World, role: str, url_name: str) -> None:
        client = signed_in(world, role)
        works_in = API_PROGRAMMES.get(role, set())
        if not self.detail:
            response = api_get(client, reverse(url_name))
            where = f"{role} GET {url_name}: {describe(response)}"
            if role == "anonymous":
                api_refused(response, role, where)
                return
            assert response.status_code == 200, where
            listed = {row["code"] for row in response.json()["results"]}
            for place in (INSIDE, OUTSIDE):
                assert (_programme_of(world, place).code in listed) == (place in works_in), f"{where}: {place} listed?"
            return
        for place in (INSIDE, OUTSIDE):
            code = _programme_of(world, place).code
            response = api_get(client, reverse(url_name, kwargs={"code": code}))
            where = f"{role} GET {url_name} of the {place} programme: {describe(response)}"
            if place in works_in:
                assert response.status_code == 200 and response.json()["code"] == code, where
            else:
                api_refused(response, role, where)


@dataclass(frozen=True)
class ApiToken(ApiChecker):
    """Tokens: a password gets one for the roles without a second factor; the others need the current code
    of their authenticator too; a token acts as its user, and DELETE revokes it. Wrong credentials get a
    401 and no token."""

    methods: frozenset[str] = frozenset({"post", "delete"})

    def __call__(self, world: World, role: str, url_name: str) -> None:
        url = reverse(url_name)
        client = Client()
        cache.clear()  # the token endpoint's throttle: this check starts afresh
        with transaction.atomic():
            if role == "anonymous":
                wrong = api_send(client, "POST", url, {"username": "coach.stebo", "password": "not-the-password"})
                api_refused(wrong, role, f"wrong password: {describe(wrong)}", 401)
                nothing = api_send(client, "DELETE", url)
                api_refused(nothing, role, f"DELETE without a token: {describe(nothing)}", 401)
                transaction.set_rollback(True)
                return
            user = world.users[role]
            response = api_send(client, "POST", url, {"username": user.username, "password": PASSWORD})
            where = f"{role} POST {url_name} with a password alone: {describe(response)}"
            if role in TWO_FACTOR_ROLES:
                api_refused(response, role, where, 401)
                assert response.json()["error"]["code"] == "second_factor_required", where
                device = otp_login(Client(), user)
                code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
                response = api_send(client, "POST", url, {"username": user.username, "password": PASSWORD,
                                                          "otp_token": f"{code:0{device.digits}d}"})
                where = f"{role} POST {url_name} with the second factor: {describe(response)}"
            assert response.status_code == 201, where
            token = {"authorization": f"Token {response.json()['token']}"}
            mine = client.get(reverse("api-reminder-list"), headers=token)
            assert mine.status_code == 200, f"{role} with the token: {describe(mine)}"
            revoked = client.delete(url, headers=token)
            assert revoked.status_code == 204, f"{role} DELETE {url_name}: {describe(revoked)}"
            after = client.get(reverse("api-reminder-list"), headers=token)
            api_refused(after, "anonymous", f"{role} with the revoked token: {describe(after)}")
            transaction.set_rollback(True)


@dataclass(frozen=True)
class NeedsSignIn(ApiChecker):
    """The API's schema and its documentation: to every signed-in user, to nobody else."""

    def __call__(self, world: World, role: str, url_name: str) -> None:
        response = signed_in(world, role).get(reverse(url_name))
        where = f"{role} GET {url_name}: {describe(response)}"
        assert response.status_code in ((401, 403) if role == "anonymous" else (200,)), where


@dataclass(frozen=True)
class ApiUnknown(ApiChecker):
    """An address under /api/ that names no endpoint: 404 in the API's error shape, to everyone, for every
    method (the address of a record without its trailing slash too)."""

    methods: frozenset[str] = frozenset({"get", "post", "put", "patch", "delete"})

    def __call__(self, world: World, role: str, url_name: str) -> None:
        client = signed_in(world, role)
        participant = world.record(INSIDE, Participant)
        for url in ("/api/v1/no-such-thing/", "/api/v2/participants/", f"/api/v1/participants/{participant.pk}",
                    "/api/v1/programmes/O%00V/"):  # a programme's code is a slug (no NUL to reach PostgreSQL)
            for method in sorted(self.methods):
                response, changed = _send_and_roll_back(client, method.upper(), url, {"phone": "0470 12 34 56"})
                where = f"{role} {method.upper()} {url}: {describe(response)}"
                assert response.status_code == 404 and not changed, where
                api_refused(response, "signed-in", where)
                assert INSIDE_MARK not in response.content.decode(), where


@dataclass(frozen=True)
class ReportApi(ApiChecker):
    """A report through the API: to the roles that read the programme's figures (`exact_only`: those who
    read its reports on screen), 404 for any other programme; refused to a caller who is not signed in.
    It names nobody of another programme."""

    query: tuple[tuple[str, str], ...] = (("as_of", "2017-01-31"),)
    exact_only: bool = False

    def __call__(self, world: World, role: str, url_name: str) -> None:
        readers = REPORT_READERS if self.exact_only else API_READERS
        client = signed_in(world, role)
        cache.clear()  # the reports' throttle counts per user across the whole run: start afresh
        for place in (INSIDE, OUTSIDE):
            code = _programme_of(world, place).code
            response = api_get(client, reverse(url_name, kwargs={"code": code}), dict(self.query))
            body = response.content.decode()
            where = f"{role} GET {url_name} of the {place} programme: {describe(response)}"
            if place in readers.get(role, set()):
                assert response.status_code == 200 and response.json()["programme"] == code, where
            else:
                api_refused(response, role, where)
            own, other = (INSIDE_MARK, OUTSIDE_MARK) if place == INSIDE else (OUTSIDE_MARK, INSIDE_MARK)
            assert other not in body, f"{where}: a person of another programme is named"
            if place not in readers.get(role, set()):
                assert own not in body, f"{where}: a person is named"


@dataclass(frozen=True)
class HealthProbe(Checker):
    """The health probe (casemgmt.health): the same answer to every role, without a sign-in and without
    the second factor, naming the services and nobody."""

    def __call__(self, world: World, role: str, url_name: str) -> None:
        clients = [signed_in(world, role)]
        if role in TWO_FACTOR_ROLES:  # signed in with the password alone: not held at the two-factor page
            clients.append(Client())
            clients[-1].force_login(world.users[role])
        for client in clients:
            response = client.get(reverse(url_name))
            where = f"{role} GET {url_name}: {describe(response)}"
            assert response.status_code == 200, where
            body = response.json()
            assert set(body) == {"status", "database", "redis", "worker", "beat"} and body["database"]["ok"], where
            text = response.content.decode()
            assert INSIDE_MARK not in text and OUTSIDE_MARK not in text, f"{where}: a person is named"


# Every view outside the admin and Django's own apps, with the checker that proves it keeps to the
# policy. A new workspace view is listed here, e.g.:
#   "workspace:participant_detail": ScopedObjectPage(Participant),
#   "workspace:participant_list": ScopedListPage(Participant),
POLICY_COVERED: dict[str, Checker] = {
    "trajectories:caseload": RedirectsRole("partner", "trajectories:referral_inbox", ScopedNameListPage(Trajectory)),
    "trajectories:participant_register": FormForRoles(frozenset({"coach", "referrer", "coordinator"})),
    "trajectories:participant_import": ImportUpload(frozenset({"coach", "referrer", "coordinator"})),
    "trajectories:participant_import_job": ScopedObjectPage(ImportJob),
    "trajectories:participant_import_template": FormForRoles(frozenset({"coach", "referrer", "coordinator"})),
    "trajectories:participant_detail": ParticipantPage(),
    "trajectories:trajectory_advance": TrajectoryAction(lambda t: {"phase": 4, "on": _on_start(t)}, early=True),
    "trajectories:trajectory_log_session": TrajectoryAction(
        lambda t: {"held_on": _on_start(t), "duration_minutes": 30, "title": "Contact"}),
    "trajectories:trajectory_screening": TrajectoryAction(lambda t: {
        "screened_on": _on_start(t), "residence_permit_ok": "on", "basic_management_knowledge": "on",
        "language_sufficient": "on", "financially_feasible": "on", "potential": "high", "decision": "guidance"}),
    "trajectories:trajectory_outcome": TrajectoryAction(lambda t: {"outcome": "employed", "recorded_on": _on_start(t)}),
    "trajectories:trajectory_end": TrajectoryAction(lambda t: {"ended_on": _on_start(t)}),
    "trajectories:trajectory_assign_coach": TrajectoryAction(lambda t: {"coach": t.coach_id}, coordinator_only=True),
    # The person agreed to share with Zenitor, and has no open referral to its specialisation.
    "trajectories:trajectory_refer": TrajectoryAction(lambda t: {
        "offer": _offer_of(t, "personal-feasibility").pk, "question": "Hoe gaat zij om met onzekerheid?"}),
    "trajectories:trajectory_share_consent": TrajectoryAction(lambda t: {
        "organisation": _offer_of(t, "personal-feasibility").organisation_id, "given_on": _on_start(t)}),
    "trajectories:trajectory_withdraw_referral": TrajectoryAction(lambda t: {
        "referral": _open_referral(t), "reason": "Kiest voor loondienst"}),
    "trajectories:referral_inbox": ReferralInbox(),
    "trajectories:referral_detail": ScopedObjectPage(Referral),
    "trajectories:referral_action": ReferralAnswer(),
    "trajectories:group_sessions": GroupSessionList(),
    "trajectories:group_session_new": GroupSessionNew(),
    "trajectories:group_session_detail": GroupSessionDetail(),
    "reminders:list": ReminderList(),
    "reminders:dismiss": ReminderDismiss(),
    "reports:index": ReportIndex(),
    "reports:funnel": ReportPage((("as_of", "2017-01-31"),)),
    "reports:financing": ReportPage((("as_of", "2017-01-31"),)),
    "reports:money": ReportPage((("as_of", "2017-01-31"),)),
    "reports:double_funding": ReportPage(downloads=False),
    # Everyone in the world entered on their programme's first day, and none has a complete ESF record.
    "reports:esf": ReportPage((("from", "2016-11-01"), ("to", "2030-12-31")), names=True),
    # The API (tests/test_api_schema.py sends every operation generated requests against its schema)
    "api_schema": NeedsSignIn(),
    "api_docs": NeedsSignIn(),
    "api_token": ApiToken(),
    "api_programme_list": ApiProgrammes(),
    "api_programme_detail": ApiProgrammes(detail=True),
    "api-participant-list": All((ApiList(Participant), ApiCreate(_registration, REGISTERS))),
    "api-participant-detail": All((ApiDetail(Participant), ApiParticipantChange())),
    "api-trajectory-list": ApiList(Trajectory),
    "api-trajectory-detail": ApiDetail(Trajectory),
    "api-trajectory-advance": ApiTrajectoryAction(lambda t: {"phase": 4, "on": _on_start(t)}, early=True),
    "api-trajectory-screening": ApiTrajectoryAction(lambda t: {
        "screened_on": _on_start(t), "residence_permit_ok": True, "basic_management_knowledge": True,
        "language_sufficient": True, "financially_feasible": True, "potential": "high", "decision": "guidance"},
        answer=201),
    "api-trajectory-outcome": ApiTrajectoryAction(lambda t: {"outcome": "employed", "recorded_on": _on_start(t)}),
    "api-trajectory-end": ApiTrajectoryAction(lambda t: {"ended_on": _on_start(t)}),
    "api-trajectory-assign-coach": ApiTrajectoryAction(lambda t: {"coach": t.coach_id}, coordinator_only=True),
    "api-session-list": ApiList(Session),
    "api-session-detail": ApiDetail(Session),
    "api-session-individual": ApiCreate(_contact, RUNS_SESSIONS),
    "api-session-group": ApiCreate(_group_session, RUNS_SESSIONS),
    "api-session-attendance": ApiAttendance(),
    "api-referral-list": All((ApiList(Referral), ApiCreate(_referral, frozenset(POLICY_CHANGES)))),
    "api-referral-detail": ApiDetail(Referral),
    "api-referral-accept": ApiReferralStep(),
    "api-referral-decline": ApiReferralStep(data=lambda referral: {"reason": "Geen plaats"}),
    "api-referral-start": ApiReferralStep((referral_accept,)),
    "api-referral-stop": ApiReferralStep((referral_accept,), lambda referral: {"reason": "Niet bereikbaar"}),
    "api-referral-complete": ApiReferralStep((referral_accept, referral_start), lambda referral: {
        "feedback": "Afgerond", "result": RESULTS[referral.specialisation.result_kind]}),
    "api-referral-follow-up": ApiReferralStep(data=lambda referral: {"repayment_follow_up": "Op schema"},
                                              completed=True),
    "api-referral-withdraw": ApiReferralStep(data=lambda referral: {"reason": "Kiest voor loondienst"}, by="coach"),
    "api-reminder-list": ApiReminderList(),
    "api-reminder-dismiss": ApiReminderDismiss(),
    "api_not_found": ApiUnknown(),
    "api_programme_funnel": ReportApi(),
    "api_programme_financing": ReportApi(),
    "api_programme_money": ReportApi(),
    "api_programme_esf": ReportApi((("from", "2016-11-01"), ("to", "2030-12-31"))),
    "api_programme_double_funding": ReportApi((), exact_only=True),
    # For load balancers and monitoring
    "health": HealthProbe(),
}

# Views outside the admin that show no case record: Django's own apps (auth, i18n) and the two-factor
# sign-in pages. (The API's schema and documentation are listed above: they need a signed-in user.)
EXEMPT_MODULES = (
    "django.contrib.auth.", "django.views.i18n", "django.views.static", "django.contrib.staticfiles.",
    "casemgmt.twofactor",
)
PROJECT_MODULES = ("casemgmt.", "partners.", "trajectories.")


def _uncovered(route: Route) -> str | None:
    """Why `route` is not covered, or None when it is."""
    if CASE_ROUTE.match(route.name):
        return None if CASE_ROUTE.match(route.name)["view"] in OBJECT_ARGS else (
            f"view {route.name} is not covered by the permission matrix: add it to OBJECT_ARGS"
        )
    if route.name in POLICY_COVERED:
        return None
    if route.namespaces[:1] == ("admin",) and not route.module.startswith(PROJECT_MODULES):
        # Django's and third-party apps' admin pages (configuration, the beat schedule, devices),
        # guarded by model permissions; the project's own admin views are covered above or listed.
        return None
    if route.module.startswith(EXEMPT_MODULES):
        return None
    label = route.name or f"(unnamed: name it) {route.pattern}"
    return (f"view {label} ({route.module}) is not covered by the permission matrix: add it to "
            "POLICY_COVERED in tests/test_permission_matrix.py with a checker")


def test_every_view_of_the_project_is_covered_by_the_permission_matrix():
    uncovered = [reason for route in routes() if (reason := _uncovered(route))]

    assert not uncovered, "\n".join(uncovered)


def test_every_listed_view_exists():
    names = {route.name for route in routes()}

    assert not set(POLICY_COVERED) - names, "POLICY_COVERED lists views the project no longer has"


def _methods(route: Route) -> set[str]:
    """The HTTP methods an API route answers (besides OPTIONS and HEAD)."""
    actions = getattr(route.callback, "actions", None)  # a DRF viewset's route
    if actions is not None:  # DRF adds HEAD beside GET once the route has answered a request
        return set(actions) - {"options", "head"}
    view = getattr(route.callback, "cls", None) or getattr(route.callback, "view_class", None)
    if view is None:  # a function view: it answers every method
        return {"get", "post", "put", "patch", "delete"}
    return {method for method in view.http_method_names if hasattr(view, method)} - {"options", "head"}


API_ROUTES = [route for route in routes() if route.pattern.startswith("api/")]


def test_every_api_route_and_method_has_a_checker():
    missing = []
    for route in API_ROUTES:
        check = POLICY_COVERED.get(route.name)
        if not route.name or check is None:
            missing.append(f"API route {route.name or '(unnamed: name it)'} {route.pattern} has no checker: add "
                           "one to POLICY_COVERED in tests/test_permission_matrix.py")
        elif uncovered := _methods(route) - set(getattr(check, "methods", ())):
            missing.append(f"API route {route.name}: {', '.join(sorted(uncovered)).upper()} not covered by "
                           f"{type(check).__name__}: extend its checker")

    assert API_ROUTES, "no route under api/ found"
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("url_name", POLICY_COVERED)
@pytest.mark.parametrize("role", ROLES)
def test_every_listed_view_keeps_to_the_policy(world, role, url_name):
    POLICY_COVERED[url_name](world, role, url_name)


# The checkers themselves, against two reference views: one that starts from the policy and one
# that forgets to. A checker that passed both would prove nothing.


@login_required
def _reference_detail(request, pk):
    participant = get_visible_or_404(participants_visible_to(request.user), pk=pk)
    return HttpResponse(html.escape(str(participant)))


@login_required
def _reference_list(request):
    names = restrict(Participant.objects.all(), request.user).values_list("first_name", "last_name")
    return HttpResponse("\n".join(html.escape(f"{first} {last}") for first, last in names))


@login_required
def _leaky_detail(request, pk):
    return HttpResponse(html.escape(str(Participant.objects.get(pk=pk))))


@api_view(["GET"])
def _reference_api_list(request):
    people = _seen_participants(request.user).order_by("pk")
    return Response({"count": len(people), "results": [{"id": person.pk, "name": str(person)} for person in people]})


@api_view(["GET"])
def _reference_api_detail(request, pk):
    person = get_visible_or_404(_seen_participants(request.user), pk=pk)
    return Response({"id": person.pk, "name": str(person)})


@api_view(["GET"])
def _leaky_api_list(request):
    people = Participant.objects.order_by("pk")
    return Response({"count": len(people), "results": [{"id": person.pk, "name": str(person)} for person in people]})


@api_view(["GET"])
def _leaky_api_detail(request, pk):
    person = get_visible_or_404(Participant.objects.all(), pk=pk)
    return Response({"id": person.pk, "name": str(person)})


urlpatterns = [
    path("reference/participants/", _reference_list, name="reference_list"),
    path("reference/participants/<int:pk>/", _reference_detail, name="reference_detail"),
    path("leaky/participants/<int:pk>/", _leaky_detail, name="leaky_detail"),
    path("reference/api/participants/", _reference_api_list, name="reference_api_list"),
    path("reference/api/participants/<str:pk>/", _reference_api_detail, name="reference_api_detail"),
    path("leaky/api/participants/", _leaky_api_list, name="leaky_api_list"),
    path("leaky/api/participants/<str:pk>/", _leaky_api_detail, name="leaky_api_detail"),
    path("", include("casemgmt.urls")),
]


@pytest.mark.parametrize("role", ROLES)
def test_checkers_pass_a_view_that_starts_from_the_policy(world, role, settings):
    settings.ROOT_URLCONF = __name__
    settings.LOGIN_URL = "admin:login"

    ScopedObjectPage(Participant)(world, role, "reference_detail")
    ScopedListPage(Participant)(world, role, "reference_list")


@pytest.mark.parametrize("role", ["coach", "coordinator", "partner"])
def test_checker_fails_a_view_that_forgets_the_policy(world, role, settings):
    settings.ROOT_URLCONF = __name__

    with pytest.raises(AssertionError):
        ScopedObjectPage(Participant)(world, role, "leaky_detail")


@pytest.mark.parametrize("role", ROLES)
def test_api_checkers_pass_an_endpoint_that_starts_from_the_policy(world, role, settings):
    settings.ROOT_URLCONF = __name__

    ApiList(Participant)(world, role, "reference_api_list")
    ApiDetail(Participant)(world, role, "reference_api_detail")


@pytest.mark.parametrize("role", ["coach", "coordinator", "partner", "referrer"])
@pytest.mark.parametrize(("checker", "url_name"), [(ApiList(Participant), "leaky_api_list"),
                                                   (ApiDetail(Participant), "leaky_api_detail")])
def test_api_checkers_fail_an_endpoint_that_forgets_the_policy(world, role, checker, url_name, settings):
    settings.ROOT_URLCONF = __name__

    with pytest.raises(AssertionError):
        checker(world, role, url_name)
