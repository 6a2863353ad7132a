"""Protected identifiers, likely duplicates, and the person's rights: access, erasure, retention."""

import datetime
import json
import subprocess

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.test import RequestFactory

from casemgmt.identifiers import identifier_decrypt
from casemgmt.models import AccessLog, Payment
from partners.models import Organisation, StaffMember
from tests.conftest import service_missing
from tests.factories import StaffMemberFactory, UserFactory
from trajectories.models import Participant, Session
from trajectories.selectors import participant_data_export, participant_likely_duplicates
from trajectories.services import (
    identifiers_rotate,
    participant_erase,
    participant_identifier_reveal,
    participant_register,
    session_log_individual,
    trajectory_open,
)

D = datetime.date
NUMBER = "85073003328"  # a valid national register number (python-stdnum's own example)


@pytest.fixture
def stebo(ovv):
    return Organisation.objects.get(code="stebo")


@pytest.fixture
def stebo_coach(stebo):
    return StaffMemberFactory(user=UserFactory(username="coach.a"), organisation=stebo,
                              role=StaffMember.Role.COACH).user


@pytest.fixture
def person(ovv, stebo_coach):
    participant = participant_register(by=stebo_coach, first_name="Amal", last_name="Haddad",
                                       birth_year=1985, birth_month=7, birth_day=30,
                                       national_number="85.07.30-033.28", email="amal@example.org",
                                       business_idea="Een naaiatelier")
    trajectory_open(participant=participant, programme=ovv, by=stebo_coach, coach=stebo_coach,
                    entered_on=D(2017, 1, 10))
    return participant


def request_by(user):
    request = RequestFactory().get("/participants/1/reveal", REMOTE_ADDR="10.1.2.3")
    request.user = user
    return request


def test_the_same_identifier_is_a_likely_duplicate_whatever_its_formatting(person):
    matches = participant_likely_duplicates(first_name="Someone", last_name="Else",
                                            national_number="85 07 30 033 28")

    assert [(m.participant_id, m.reason) for m in matches] == [(person.pk, "identifier")]


def test_the_same_name_without_accents_or_case_and_birth_date_is_a_likely_duplicate(ovv, stebo_coach):
    existing = participant_register(by=stebo_coach, first_name="Zeïnab", last_name="Al-Hàssan",
                                    birth_year=1990, birth_month=3)

    same = participant_likely_duplicates(first_name="ZEINAB", last_name="al-hassan", birth_year=1990,
                                         birth_month=3)
    other_month = participant_likely_duplicates(first_name="Zeinab", last_name="Al-Hassan",
                                                birth_year=1990, birth_month=4)

    assert [(m.participant_id, m.reason) for m in same] == [(existing.pk, "name_and_birth_date")]
    assert other_month == []


def test_the_assigned_coach_may_reveal_the_identifier_and_the_reveal_is_logged(person, stebo_coach):
    number = participant_identifier_reveal(participant=person, request=request_by(stebo_coach))

    assert number == NUMBER
    log = AccessLog.objects.get()
    assert (log.action, log.user, log.participant_id, log.ip_address) == (
        "reveal", stebo_coach, person.pk, "10.1.2.3")


def test_a_coach_without_the_person_in_their_caseload_gets_404_and_a_denied_log(person, stebo):
    other = StaffMemberFactory(user=UserFactory(username="coach.b"), organisation=stebo,
                               role=StaffMember.Role.COACH).user

    with pytest.raises(Http404):
        participant_identifier_reveal(participant=person, request=request_by(other))

    assert list(AccessLog.objects.values_list("action", "participant_id")) == [("denied", person.pk)]


def test_an_auditor_reads_everything_but_may_not_reveal_identifiers(person, stebo):
    auditor = StaffMemberFactory(user=UserFactory(username="auditor.x"), organisation=stebo,
                                 role=StaffMember.Role.AUDITOR).user

    with pytest.raises(Http404):
        participant_identifier_reveal(participant=person, request=request_by(auditor))


def test_the_data_export_holds_everything_on_the_person(person, stebo_coach):
    trajectory = person.trajectories.get()
    session_log_individual(trajectory=trajectory, by=stebo_coach, held_on=D(2017, 2, 1),
                           duration_minutes=45, title="Intake")
    AccessLog.objects.create(user=stebo_coach, username="coach.a", organisation="Stebo vzw",
                             action="view", participant_id=person.pk)

    export = participant_data_export(participant=person)

    json.dumps(export)  # it is plain JSON
    assert export["participant"]["last_name"] == "Haddad"
    assert export["participant"]["national_number"] == NUMBER
    assert export["trajectories"][0]["programme"] == "OVV"
    assert export["trajectories"][0]["phases"] == [{"phase": 1, "entered_on": "2017-01-10"}]
    assert export["trajectories"][0]["sessions"][0]["session__title"] == "Intake"
    assert export["history"][0]["history_type"] == "+"
    assert export["seen_by_organisations"] == ["Stebo vzw"]


def test_erasure_removes_personal_data_from_the_record_and_its_history_and_keeps_the_counts(
    person, stebo_coach
):
    trajectory = person.trajectories.get()
    session = session_log_individual(trajectory=trajectory, by=stebo_coach, held_on=D(2017, 2, 1),
                                     duration_minutes=45, notes="Vertelt over haar gezin")

    participant_erase(participant=person, by=stebo_coach, on=D(2026, 1, 5))

    person.refresh_from_db()
    assert (person.first_name, person.last_name, person.email, person.national_number_encrypted) == (
        "—", "—", "", "")
    assert (person.birth_year, person.birth_month, person.birth_day) == (1985, None, None)
    assert person.erased_on == D(2026, 1, 5)
    assert not Participant.history.filter(last_name="Haddad").exists()
    assert not Participant.history.filter(email="amal@example.org").exists()
    assert Session.objects.get(pk=session.pk).notes == ""
    assert not Session.history.filter(notes__contains="gezin").exists()
    # the anonymous counts stay: the trajectory and its phases are still there
    assert trajectory.phase_entries.count() == 1


def test_erasure_takes_the_name_out_of_the_admins_log_of_the_persons_records_only(person, stebo_coach, ovv):
    # Changes made in the admin are logged with the record's name, which holds the person's.
    namesake = participant_register(by=stebo_coach, first_name="Amal", last_name="Haddad", birth_year=1990)
    trajectory = person.trajectories.get()

    def logged(obj) -> LogEntry:
        return LogEntry.objects.log_actions(user_id=stebo_coach.pk, queryset=[obj], action_flag=CHANGE,
                                            change_message="[]", single_object=True)

    entries = [logged(person), logged(trajectory), logged(trajectory.phase_entries.get())]
    other = logged(namesake)
    assert all("Amal Haddad" in entry.object_repr for entry in [*entries, other])
    # A session changed in the admin names the attendances it added; a record deleted there is logged
    # with its name, though it no longer leads to the person.
    session = session_log_individual(trajectory=trajectory, by=stebo_coach, held_on=D(2017, 2, 1),
                                     duration_minutes=45)
    added = LogEntry.objects.log_actions(
        user_id=stebo_coach.pk, queryset=[session], action_flag=CHANGE, single_object=True,
        change_message=[{"added": {"name": "attendance", "object": f"{person} @ {session}"}},
                        {"changed": {"name": "attendance", "object": "Amal Haddadi @ x", "fields": ["attended"]}}])
    deleted = LogEntry.objects.log_actions(user_id=stebo_coach.pk, queryset=[session.attendances.get()],
                                           action_flag=DELETION, single_object=True)
    LogEntry.objects.filter(pk=deleted.pk).update(object_id="999999")  # the record is gone

    participant_erase(participant=person, by=stebo_coach)

    message = LogEntry.objects.get(pk=added.pk).get_change_message()
    assert "Haddad " not in message and "— — @" in message and "Amal Haddadi @ x" in message, message
    assert LogEntry.objects.get(pk=deleted.pk).object_repr.startswith("— — @ ")

    reprs = [LogEntry.objects.get(pk=entry.pk).object_repr for entry in entries]
    assert reprs[:2] == ["— —", f"— — – {ovv.code}"]
    assert reprs[2] == f"— — – {ovv.code}: {entries[2].object_repr.split(': ', 1)[1]}"
    assert LogEntry.objects.get(pk=other.pk).object_repr == "Amal Haddad"


def test_retention_erases_only_people_of_programmes_past_their_retention(person, ovv, stebo_coach):
    # given a final payment in 2019: with 5 years' retention, kept until 2024-12-31
    Payment.objects.create(programme=ovv, kind=Payment.Kind.SETTLEMENT, amount="1000.00",
                           paid_on=D(2019, 6, 30))

    call_command("apply_retention", "--dry-run")
    person.refresh_from_db()
    assert person.erased_on is None

    call_command("apply_retention")
    person.refresh_from_db()
    assert person.last_name == "—"


def test_rotating_keys_re_encrypts_every_identifier_under_the_new_key(person, settings):
    old_token = person.national_number_encrypted
    settings.IDENTIFIER_KEYS = ["bmV3LWtleS1mb3ItdGhlLXJvdGF0aW9uLXRlc3QtMzI=", *settings.IDENTIFIER_KEYS]

    assert identifiers_rotate() == 1

    person.refresh_from_db()
    assert person.national_number_encrypted != old_token
    settings.IDENTIFIER_KEYS = settings.IDENTIFIER_KEYS[:1]
    assert identifier_decrypt(person.national_number_encrypted) == NUMBER


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_dump_holds_no_national_register_number_in_plain_text(postgres):
    # given participants with a national register number and a BIS number, committed
    user = UserFactory(username="dumper")
    participant_register(by=user, first_name="A", last_name="B", national_number="85.07.30-033.28")
    participant_register(by=user, first_name="C", last_name="D", national_number="98 47 28 997 65")
    settings_dict = connection.settings_dict

    # when the whole database is dumped
    try:
        dump = subprocess.run(
            ["pg_dump", "-h", settings_dict["HOST"] or "127.0.0.1", "-p", str(settings_dict["PORT"] or 5432),
             "-U", settings_dict["USER"] or "postgres", settings_dict["NAME"]],
            capture_output=True, text=True, check=True, timeout=120,
        ).stdout
    except FileNotFoundError:
        service_missing("needs pg_dump (the PostgreSQL client)")

    # then neither number appears, in any notation
    assert "Participant" in dump or "trajectories_participant" in dump
    for number in ("85073003328", "85.07.30-033.28", "98472899765", "98.47.28-997.65"):
        assert number not in dump


# The same rights, as a coordinator uses them in the admin


@pytest.fixture
def coordinator_client(stebo):
    from django.test import Client

    from tests.conftest import otp_login

    user = StaffMemberFactory(user=UserFactory(username="coordinator.x", is_staff=True), organisation=stebo,
                              role=StaffMember.Role.COORDINATOR).user
    client = Client()
    otp_login(client, user)
    return client


def test_a_coordinator_downloads_the_persons_data_as_json_and_the_download_is_logged(person, coordinator_client):
    response = coordinator_client.get(f"/admin/trajectories/participant/{person.pk}/export/")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="participant-{person.pk}.json"'
    assert response.json()["participant"]["national_number"] == NUMBER
    assert AccessLog.objects.filter(action="data_export", participant_id=person.pk).count() == 1


def test_a_coordinator_sees_the_identifier_masked_and_reveals_it_with_a_log_row(person, coordinator_client):
    page = coordinator_client.get(f"/admin/trajectories/participant/{person.pk}/change/").content.decode()
    assert "••.••.••-•••.28" in page
    assert NUMBER not in page and "85.07.30" not in page

    revealed = coordinator_client.get(f"/admin/trajectories/participant/{person.pk}/reveal/")

    assert NUMBER in revealed.content.decode()
    assert AccessLog.objects.filter(action="reveal", participant_id=person.pk).count() == 1


def test_a_coordinator_erases_after_confirming(person, coordinator_client):
    confirm = coordinator_client.get(f"/admin/trajectories/participant/{person.pk}/erase/")
    person.refresh_from_db()
    assert confirm.status_code == 200 and person.last_name == "Haddad"  # a GET only asks

    coordinator_client.post(f"/admin/trajectories/participant/{person.pk}/erase/")

    person.refresh_from_db()
    assert person.last_name == "—" and person.erased_on is not None


def test_registering_in_the_admin_warns_of_a_likely_duplicate(person, admin_client):
    data = {"first_name": "AMAL", "last_name": "haddad", "birth_year": 1985, "birth_month": 7,
            "birth_day": 30, "languages": "[]"}

    response = admin_client.post("/admin/trajectories/participant/add/", data, follow=True,
                                 HTTP_ACCEPT_LANGUAGE="en")

    assert Participant.objects.filter(name_key="amal haddad").count() == 2
    assert "Possibly registered twice" in response.content.decode()
