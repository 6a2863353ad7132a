"""The registration page: a person, their trajectory from phase 1 and their consent are saved together
or not at all; mistakes show on their fields; a likely duplicate is flagged before anything is saved."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casemgmt.audit import save_as
from casemgmt.errors import RuleViolation
from casemgmt.models import Programme
from partners.models import Organisation, ProgrammeRole, StaffMember
from tests.conftest import otp_login
from tests.factories import ProgrammeFactory, UserFactory
from tests.trajectories.factories import row_counts
from trajectories.forms.registration import CONSENT_VERSION
from trajectories.models import ConsentRecord, Participant, PhaseEntry, Trajectory
from trajectories.services import participant_register

D = datetime.date
REGISTER = reverse("trajectories:participant_register")
NUMBER = "85.07.30-033.28"  # a valid national register number (python-stdnum's own example)
pytestmark = pytest.mark.django_db


def _staff(username: str, organisation: Organisation, role: str):
    user = UserFactory(username=username)
    save_as(StaffMember(user=user, organisation=organisation, role=role), None)
    return user


@pytest.fixture
def stebo_coach(orgs):
    return _staff("coach.stebo", orgs["stebo"], StaffMember.Role.COACH)


def signed_in(user, *, two_factor: bool = False) -> Client:
    client = Client(headers={"Accept-Language": "en"})  # the assertions read the English texts
    if two_factor:
        otp_login(client, user)
    else:
        client.force_login(user)
    return client


def form_data(chosen: Programme, /, **changes) -> dict:
    data = {
        "first_name": "Amal", "last_name": "Haddad", "birth_year": "1985", "birth_month": "7",
        "birth_day": "30", "gender": "female", "nationality": "sy", "residence_status": "recognised",
        "languages": "AR, fr", "dutch_level": "A2", "education": "isced_3_4",
        "labour_market_status": "unemployed", "postcode": "2000", "email": "amal@example.org",
        "phone": "+32 470 12 34 56", "business_idea": "Een naaiatelier", "national_number": NUMBER,
        "programme": str(chosen.pk), "entered_on": "2017-01-10", "consent": "on",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def field_errors(response, name: str) -> list[str]:
    return response.context["form"].errors.get(name, [])


def test_a_coach_registers_a_person_who_enters_phase_1_with_consent(ovv, stebo_coach):
    # when
    response = signed_in(stebo_coach).post(REGISTER, form_data(ovv), follow=True)

    # then
    participant = Participant.objects.get()
    assert response.redirect_chain[0][0] == reverse("trajectories:participant_detail", args=[participant.pk])
    assert (participant.first_name, participant.last_name) == ("Amal", "Haddad")
    assert (participant.birth_year, participant.birth_month, participant.birth_day) == (1985, 7, 30)
    assert participant.nationality == "SY"
    assert participant.languages == ["ar", "fr"]
    assert participant.postcode == 2000
    assert participant.national_number_kind == "nn" and participant.national_number_hash
    trajectory = Trajectory.objects.get()
    assert (trajectory.participant, trajectory.programme, trajectory.coach) == (participant, ovv, stebo_coach)
    assert trajectory.referred_by is None
    assert list(trajectory.phase_entries.values_list("phase", "entered_on")) == [(1, D(2017, 1, 10))]
    consent = ConsentRecord.objects.get()
    assert (consent.participant, consent.purpose, consent.version, consent.given_on, consent.recorded_by) == (
        participant, ConsentRecord.Purpose.PROGRAMME, CONSENT_VERSION, D(2017, 1, 10), stebo_coach)
    assert "Amal Haddad is registered" in response.content.decode()


def test_a_referrer_registers_a_person_referred_in_by_their_organisation_without_a_coach(ovv, orgs):
    referrer = _staff("referrer.idrops", orgs["idrops"], StaffMember.Role.REFERRER)

    response = signed_in(referrer).post(REGISTER, form_data(ovv))

    assert response.status_code == 302
    trajectory = Trajectory.objects.get()
    assert (trajectory.referred_by, trajectory.referred_by_user, trajectory.coach) == (
        orgs["idrops"], referrer, None)


def test_a_coordinator_registers_a_person_without_a_coach(ovv, orgs):
    coordinator = _staff("coordinator.stebo", orgs["stebo"], StaffMember.Role.COORDINATOR)

    response = signed_in(coordinator, two_factor=True).post(REGISTER, form_data(ovv))

    assert response.status_code == 302
    trajectory = Trajectory.objects.get()
    assert (trajectory.programme, trajectory.coach, trajectory.referred_by) == (ovv, None, None)


def test_the_programmes_offered_are_those_the_organisation_coaches_in(ovv, orgs, stebo_coach):
    lba = ProgrammeFactory(code="LBA")
    save_as(ProgrammeRole(programme=lba, organisation=orgs["stebo"], role=ProgrammeRole.Role.PARTNER), None)
    coached = ProgrammeFactory(code="LAB")
    save_as(ProgrammeRole(programme=coached, organisation=orgs["stebo"], role=ProgrammeRole.Role.COACHING), None)
    client = signed_in(stebo_coach)

    offered = list(client.get(REGISTER).context["form"].fields["programme"].queryset)
    refused = client.post(REGISTER, form_data(lba))

    assert offered == [coached, ovv]
    assert field_errors(refused, "programme")
    assert not Participant.objects.exists()


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"last_name": ""}, "last_name", "This field is required."),
    ({"programme": ""}, "programme", "This field is required."),
    ({"postcode": "999"}, "postcode", "A Belgian postcode has four digits, from 1000 to 9999"),
    ({"postcode": "20000"}, "postcode", "at most 4 characters"),
    ({"national_number": "85.07.30-033.29"}, "national_number", "The check digits do not match"),
    ({"national_number": "1234"}, "national_number", "This number does not have 11 digits"),
    ({"consent": None}, "consent", "A person is registered only with their consent"),
    ({"languages": "ar, eng, 12"}, "languages", "Not a two-letter ISO 639-1 language code: eng, 12."),
    ({"nationality": "SYR"}, "nationality", "at most 2 characters"),
    ({"nationality": "S1"}, "nationality", "Use the two-letter ISO country code"),
    ({"email": "amal@"}, "email", "Enter a valid email address."),
    ({"birth_month": "", "birth_day": "12"}, "birth_day", "A day of birth without a month cannot be stored"),
    ({"birth_year": "", "birth_day": ""}, "birth_month", "A month of birth without a year cannot be stored"),
    ({"birth_month": "2", "birth_day": "30"}, "birth_day", "30/02/1985 is not a date in the calendar."),
    ({"birth_month": "13"}, "birth_month", "less than or equal to 12"),
    ({"entered_on": "2019-03-01"}, "entered_on", "OVV runs from 2016-11-01 to 2018-10-31"),
    ({"entered_on": "2999-01-01"}, "entered_on", "cannot lie in the future"),
])
def test_bad_input_is_shown_on_its_field_and_saves_nothing(ovv, stebo_coach, changes, field, message):
    # given
    before = row_counts(Participant, Trajectory, PhaseEntry, ConsentRecord)

    # when
    response = signed_in(stebo_coach).post(REGISTER, form_data(ovv, **changes))

    # then
    assert response.status_code == 200
    errors = field_errors(response, field)
    assert any(message in error for error in errors), errors
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body  # the message is linked to its input (aria-describedby)
    assert 'aria-invalid="true"' in body and 'role="alert"' in body
    assert row_counts(Participant, Trajectory, PhaseEntry, ConsentRecord) == before


def test_a_partial_date_of_birth_is_accepted(ovv, stebo_coach):
    client = signed_in(stebo_coach)

    year_only = client.post(REGISTER, form_data(ovv, birth_month="", birth_day="", national_number=""))
    year_and_month = client.post(REGISTER, form_data(ovv, first_name="Omar", birth_day="",
                                                     national_number=""))

    assert year_only.status_code == year_and_month.status_code == 302
    assert set(Participant.objects.values_list("birth_year", "birth_month", "birth_day")) == {
        (1985, 7, None), (1985, None, None)}


def test_a_likely_duplicate_is_flagged_and_nothing_saved_until_the_coach_confirms(ovv, orgs, stebo_coach):
    # given: the same person, registered by another organisation's coach with another e-mail address
    other = _staff("coach.unizo", orgs["unizo"], StaffMember.Role.COACH)
    participant_register(by=other, first_name="Amal", last_name="Hàddad", birth_year=1985, birth_month=7,
                         birth_day=30, email="secret@example.org", postcode=9000)
    client = signed_in(stebo_coach)
    before = row_counts(Participant, Trajectory, PhaseEntry, ConsentRecord)

    # when
    warned = client.post(REGISTER, form_data(ovv, national_number=""))

    # then: a warning that says why, without the other record's data
    assert warned.status_code == 200
    body = warned.content.decode()
    assert "This person may already be registered: 1 possible duplicate" in body
    assert "1 person with the same name and date of birth" in body
    assert "secret@example.org" not in body and "Hàddad" not in body
    assert 'name="confirm_not_duplicate"' in body
    assert row_counts(Participant, Trajectory, PhaseEntry, ConsentRecord) == before

    # when the coach confirms it is someone else
    confirmed = client.post(REGISTER, form_data(ovv, national_number="", confirm_not_duplicate="on"))

    # then
    assert confirmed.status_code == 302
    assert Participant.objects.count() == 2
    assert Trajectory.objects.get().coach == stebo_coach


def test_the_same_identifier_is_flagged_as_a_duplicate_whatever_the_name(ovv, orgs, stebo_coach):
    other = _staff("coach.unizo", orgs["unizo"], StaffMember.Role.COACH)
    participant_register(by=other, first_name="Someone", last_name="Else", national_number="85073003328")

    response = signed_in(stebo_coach).post(REGISTER, form_data(ovv))

    body = response.content.decode()
    assert "1 person with the same national register / BIS number" in body
    assert "Someone" not in body
    assert Participant.objects.count() == 1


def test_a_refusal_by_a_later_service_undoes_the_earlier_ones(ovv, stebo_coach, monkeypatch):
    # The form checks the shape of the input, so the services' own refusals are hard to reach from the
    # page; a consent service that refuses stands in for any rule broken after the person was saved.
    def refuse(**kwargs):
        raise RuleViolation("The consent text version is withdrawn.", code="consent_version")

    monkeypatch.setattr("trajectories.views.registration.consent_record", refuse)
    before = row_counts(Participant, Trajectory, PhaseEntry, ConsentRecord)

    response = signed_in(stebo_coach).post(REGISTER, form_data(ovv))

    assert response.status_code == 200
    assert "The consent text version is withdrawn." in response.content.decode()
    assert row_counts(Participant, Trajectory, PhaseEntry, ConsentRecord) == before


def test_the_form_asks_for_consent_naming_the_text_version_and_labels_every_input(ovv, stebo_coach):
    response = signed_in(stebo_coach).get(REGISTER)

    body = response.content.decode()
    assert f"consent text version {CONSENT_VERSION}" in body
    inputs = re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', body)
    assert len(inputs) >= 20
    for input_id in inputs:
        assert f'<label for="{input_id}"' in body, input_id
    assert response.context["form"]["entered_on"].value() is not None  # today, by default
    # No programme is chosen for the user: a wrong default would enrol the person in the wrong one.
    assert '<option value="" selected>choose a programme</option>' in body


@pytest.mark.parametrize("role", [StaffMember.Role.PARTNER_SPECIALIST, StaffMember.Role.AUDITOR])
def test_roles_that_do_not_register_get_404(ovv, orgs, role):
    user = _staff(f"someone.{role}", orgs["microstart"], role)

    client = signed_in(user, two_factor=role == StaffMember.Role.AUDITOR)

    assert client.get(REGISTER).status_code == 404
    assert client.post(REGISTER, form_data(ovv)).status_code == 404
    assert not Participant.objects.exists()


def test_a_signed_out_visitor_is_sent_to_sign_in(ovv):
    response = Client().get(REGISTER)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def _get_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(REGISTER)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_the_registration_page_runs_the_same_queries_at_two_sizes(ovv, orgs, stebo_coach):
    # given: N, then 3N, programmes the organisation coaches in, each with people registered
    client = signed_in(stebo_coach)

    def grow(count: int, start: int) -> None:
        for number in range(start, start + count):
            programme = ProgrammeFactory(code=f"P{number}")
            save_as(ProgrammeRole(programme=programme, organisation=orgs["stebo"],
                                  role=ProgrammeRole.Role.COACHING), None)
            participant_register(by=stebo_coach, first_name="Person", last_name=f"Number{number}")

    grow(3, 0)
    small = _get_queries(client)
    grow(6, 3)
    large = _get_queries(client)

    assert small == large
    assert large <= 8  # session, user, role, programmes; and the session saved
