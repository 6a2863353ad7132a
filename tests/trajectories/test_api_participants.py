"""The participants API: who lists and reads whom, with which fields (the identifier never in full), the
filters, registration (the person, the trajectory in phase 1 and the consent together or not at all, after
the duplicate check), corrections, token authentication and the list's query budget."""

import datetime

import pytest

from casemgmt.models import AccessLog
from partners.models import SpecialisationOffer
from tests.conftest import api_error as error
from tests.trajectories.api_clients import api, auditor_at, current_code, queries, token_client
from tests.trajectories.factories import row_counts
from trajectories.models import ConsentRecord, Participant, Trajectory
from trajectories.services import (
    consent_record,
    participant_erase,
    participant_register,
    referral_send,
    trajectory_advance,
    trajectory_open,
)

pytestmark = pytest.mark.django_db

D = datetime.date
URL = "/api/v1/participants/"
REACHED_ON = D(2017, 1, 10)
NATIONAL_NUMBER = "85073003328"  # valid (python-stdnum's own example)

FULL_FIELDS = {
    "id", "audience", "first_name", "last_name", "birth_year", "birth_month", "birth_day", "gender",
    "nationality", "residence_status", "languages", "dutch_level", "education", "labour_market_status",
    "disability", "homeless", "postcode", "province", "province_name", "email", "phone", "business_idea",
    "national_number_masked", "national_number_kind", "created_at", "erased_on", "trajectories",
}
PARTNER_FIELDS = {"id", "audience", "first_name", "last_name", "email", "phone", "languages", "business_idea"}
STATUS_FIELDS = {"id", "audience", "first_name", "last_name", "trajectories"}


def detail(participant: Participant) -> str:
    return f"{URL}{participant.pk}/"


def person(programme, *, by, coach=None, referred_by=None, phase: int = 1, **fields) -> Participant:
    fields.setdefault("first_name", "Person")
    participant = participant_register(by=by, **fields)
    trajectory_open(participant=participant, programme=programme, by=by, coach=coach, referred_by=referred_by,
                    entered_on=REACHED_ON, phase=phase)
    return participant


@pytest.fixture
def amal(ovv, orgs, stebo_coach, referrer, microstart) -> Participant:
    """Referred in by iDrops, coached by Stebo, in guidance and referred to microStart for microcredit."""
    participant = person(
        ovv, by=referrer, coach=stebo_coach, referred_by=orgs["idrops"], first_name="Amal", last_name="Haddad",
        birth_year=1985, birth_month=7, national_number="85.07.30-033.28", email="amal@example.org",
        phone="0470 12 34 56", business_idea="Een naaiatelier", postcode=9000, languages=["ar", "fr"],
        nationality="SY", gender=Participant.Gender.FEMALE,
    )
    trajectory = participant.trajectories.get()
    trajectory_advance(trajectory=trajectory, phase=4, on=D(2017, 3, 1), by=stebo_coach)
    offer = SpecialisationOffer.objects.select_related("specialisation").get(
        programme=ovv, organisation=orgs["microstart"], specialisation__code="microcredit")
    consent_record(participant=participant, by=stebo_coach, purpose=ConsentRecord.Purpose.SHARE_WITH_PARTNER,
                   organisation=orgs["microstart"], given_on=D(2017, 3, 1), version="1")
    referral_send(trajectory=trajectory, specialisation=offer.specialisation, organisation=orgs["microstart"],
                  question="Microkrediet?", by=stebo_coach)
    return participant


@pytest.fixture
def bilal(ovv, unizo_coach) -> Participant:
    """UNIZO's, found by no one at Stebo but its coordinator of OVV."""
    return person(ovv, by=unizo_coach, coach=unizo_coach, first_name="Bilal", last_name="Öztürk", postcode=2000)


def listed(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {row["last_name"]: row for row in response.json()["results"]}


# Who sees whom, and what


def test_a_coach_lists_their_own_people_with_the_file_and_the_identifier_masked(amal, bilal, stebo_coach):
    response = api(stebo_coach).get(URL)

    rows = listed(response)
    assert list(rows) == ["Haddad"]
    row = rows["Haddad"]
    assert set(row) == FULL_FIELDS and row["audience"] == "full"
    assert row["national_number_masked"] == "••.••.••-•••.28" and row["national_number_kind"] == "nn"
    assert (row["postcode"], row["province"], row["province_name"]) == (9000, "oost-vlaanderen", "Oost-Vlaanderen")
    assert row["trajectories"] == [{"id": amal.trajectories.get().pk, "programme": "OVV", "phase": 4,
                                    "ended_on": None}]
    body = response.content.decode()
    assert NATIONAL_NUMBER not in body and "850730" not in body and amal.national_number_hash not in body
    assert amal.national_number_encrypted not in body


def test_a_coordinator_lists_everyone_of_their_programme(amal, bilal, coordinator):
    assert list(listed(api(coordinator).get(URL))) == ["Haddad", "Öztürk"]


def test_a_partner_sees_only_the_person_referred_to_them_and_only_what_the_referral_needs(
        amal, bilal, microstart, zenitor):
    rows = listed(api(microstart).get(URL))

    assert list(rows) == ["Haddad"]
    assert set(rows["Haddad"]) == PARTNER_FIELDS and rows["Haddad"]["audience"] == "partner"
    assert rows["Haddad"]["business_idea"] == "Een naaiatelier"
    assert listed(api(zenitor).get(URL)) == {}


def test_a_referrer_sees_the_status_of_the_people_their_organisation_referred_in(amal, bilal, referrer):
    rows = listed(api(referrer).get(URL))

    assert list(rows) == ["Haddad"]
    assert set(rows["Haddad"]) == STATUS_FIELDS
    assert rows["Haddad"]["trajectories"] == [{"id": amal.trajectories.get().pk, "programme": "OVV", "phase": 4}]


@pytest.mark.parametrize("who", ["auditor", "admin"])
def test_auditors_and_admins_read_every_file(amal, bilal, orgs, admin_user, who):
    user = auditor_at(orgs["stebo"]) if who == "auditor" else admin_user

    rows = listed(api(user).get(URL))

    assert list(rows) == ["Haddad", "Öztürk"] and set(rows["Haddad"]) == FULL_FIELDS


def test_signed_out_the_answer_is_401_naming_the_token_in_the_error_shape(amal):
    response = api().get(URL)

    assert response.status_code == 401 and error(response)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_a_coordinator_signed_in_without_the_second_factor_is_refused(amal, coordinator):
    client = api()
    client.force_login(coordinator)

    response = client.get(URL)

    assert response.status_code == 403 and error(response)["code"] == "second_factor_required"


def test_reading_a_participant_is_logged_and_one_outside_the_scope_answers_404(amal, bilal, stebo_coach):
    client = api(stebo_coach)

    response = client.get(detail(amal))
    outside = client.get(detail(bilal))
    malformed = [client.get(f"{URL}{pk}/") for pk in ("abc", "1.5", "99999999999999999999")]

    assert response.status_code == 200 and response.json()["first_name"] == "Amal"
    assert AccessLog.objects.filter(action=AccessLog.Action.VIEW, participant_id=amal.pk,
                                    user=stebo_coach).count() == 1
    assert outside.status_code == 404 and error(outside)["code"] == "not_found"
    assert "Öztürk" not in outside.content.decode()
    assert [(response.status_code, error(response)["code"]) for response in malformed] == [(404, "not_found")] * 3


def test_a_partner_reads_the_person_referred_to_them_and_the_read_is_logged(amal, microstart):
    response = api(microstart).get(detail(amal))

    assert response.status_code == 200 and set(response.json()) == PARTNER_FIELDS
    assert AccessLog.objects.filter(action=AccessLog.Action.VIEW, participant_id=amal.pk, user=microstart).exists()


# Filters and ordering


def test_search_by_name_ignores_accents_and_case(amal, bilal, coordinator):
    assert list(listed(api(coordinator).get(URL, {"q": "ozturk"}))) == ["Öztürk"]


def test_filter_by_programme_phase_and_province(ovv, amal, bilal, coordinator):
    client = api(coordinator)

    assert list(listed(client.get(URL, {"programme": "OVV", "phase": 4}))) == ["Haddad"]
    assert list(listed(client.get(URL, {"phase": 1}))) == ["Öztürk"]
    assert list(listed(client.get(URL, {"province": "antwerpen"}))) == ["Öztürk"]
    assert list(listed(client.get(URL, {"ordering": "-name"}))) == ["Öztürk", "Haddad"]
    assert list(listed(client.get(URL, {"ordering": ","}))) == ["Haddad", "Öztürk"]


@pytest.mark.parametrize(("params", "field"), [
    ({"phase": "7"}, "phase"), ({"programme": "NOPE"}, "programme"), ({"province": "atlantis"}, "province"),
    ({"ordering": "postcode"}, "ordering"),
])
def test_a_wrong_filter_answers_400_naming_the_field(amal, coordinator, params, field):
    response = api(coordinator).get(URL, params)

    assert response.status_code == 400
    body = error(response)
    assert body["code"] == "invalid" and field in body["fields"]


def test_a_partner_cannot_filter_by_the_postcode_they_do_not_see(amal, microstart):
    response = api(microstart).get(URL, {"province": "oost-vlaanderen"})

    assert response.status_code == 400 and "province" in error(response)["fields"]


# Registration

def registration(**fields) -> dict:
    return {"first_name": "Nour", "last_name": "Salem", "birth_year": 1990, "programme": "OVV",
            "entered_on": "2017-02-01", "consent": True, **fields}


def test_a_coach_registers_a_person_into_phase_1_of_their_programme_with_consent(ovv, stebo_coach):
    response = api(stebo_coach).post(URL, registration(national_number="85.07.30-033.28", languages=["ar"]))

    assert response.status_code == 201, response.content
    body = response.json()
    participant = Participant.objects.get(pk=body["id"])
    trajectory = participant.trajectories.get()
    assert body["audience"] == "full" and body["national_number_masked"].endswith("28")
    assert (trajectory.programme, trajectory.coach, trajectory.referred_by) == (ovv, stebo_coach, None)
    assert list(trajectory.phase_entries.values_list("phase", "entered_on")) == [(1, D(2017, 2, 1))]
    consent = participant.consents.get()
    assert (consent.purpose, consent.given_on, consent.recorded_by) == ("programme", D(2017, 2, 1), stebo_coach)
    assert participant.history.get().history_user == stebo_coach


def test_a_referrer_registers_a_person_referred_in_by_their_organisation_and_sees_the_status(
        ovv, orgs, referrer):
    response = api(referrer).post(URL, registration())

    assert response.status_code == 201, response.content
    assert set(response.json()) == STATUS_FIELDS
    trajectory = Trajectory.objects.get(participant_id=response.json()["id"])
    assert (trajectory.referred_by, trajectory.referred_by_user, trajectory.coach) == (orgs["idrops"], referrer, None)


def test_a_possible_duplicate_is_refused_until_confirmed_and_the_other_record_is_not_shown(
        ovv, bilal, stebo_coach, unizo_coach):
    person(ovv, by=unizo_coach, coach=unizo_coach, first_name="Nour", last_name="Sálem", birth_year=1990)
    client = api(stebo_coach)
    before = row_counts()

    refused = client.post(URL, registration())

    assert refused.status_code == 400
    body = error(refused)
    assert body["code"] == "possible_duplicate" and "confirm_not_duplicate" in body["fields"]
    assert body["duplicates"] == {"identifier": 0, "name_and_birth_date": 1}
    assert "Sálem" not in refused.content.decode()
    assert row_counts() == before
    assert client.post(URL, registration(confirm_not_duplicate=True)).status_code == 201


def test_a_refusal_of_any_service_saves_nothing_of_the_registration(ovv, stebo_coach):
    before = row_counts(Participant, Trajectory, ConsentRecord)

    # The person is valid; the trajectory refuses a date before the programme started.
    response = api(stebo_coach).post(URL, registration(entered_on="2016-01-01"))

    assert response.status_code == 400
    assert error(response)["code"] == "phase_date_before_programme"
    assert row_counts(Participant, Trajectory, ConsentRecord) == before


@pytest.mark.parametrize(("fields", "field"), [
    ({"consent": False}, "consent"),
    ({"national_number": "85.07.30-033.29"}, "national_number"),
    ({"programme": "NOPE"}, "programme"),
    ({"programme": "OV\x00V"}, "programme"),  # PostgreSQL cannot compare text with a NUL
    ({"first_name": "  "}, "first_name"),
    ({"nationality": "Syria"}, "nationality"),
    ({"languages": ["arabic"]}, "languages"),
    ({"postcode": 999}, "postcode"),
])
def test_bad_input_answers_400_on_its_field_and_saves_nothing(ovv, stebo_coach, fields, field):
    before = row_counts()

    response = api(stebo_coach).post(URL, registration(**fields))

    assert response.status_code == 400
    assert field in error(response)["fields"]
    assert row_counts() == before


def test_a_birth_date_rule_refused_by_the_service_keeps_its_code(ovv, stebo_coach):
    response = api(stebo_coach).post(URL, registration(birth_day=12))

    assert response.status_code == 400 and error(response)["code"] == "birth_day_without_month"


def test_a_coach_registers_only_into_programmes_their_organisation_coaches_in(ovv, orgs, stebo_coach):
    from tests.factories import ProgrammeFactory

    ProgrammeFactory(code="OTHER")

    response = api(stebo_coach).post(URL, registration(programme="OTHER"))

    assert response.status_code == 400 and "programme" in error(response)["fields"]


@pytest.mark.parametrize("who", ["partner", "auditor"])
def test_partners_and_auditors_do_not_register(ovv, orgs, microstart, who):
    user = microstart if who == "partner" else auditor_at(orgs["stebo"])

    response = api(user).post(URL, registration())

    assert response.status_code == 403 and error(response)["code"] == "permission_denied"
    assert not Participant.objects.exists()


# Corrections


def test_a_coach_corrects_their_participant_through_the_service(amal, stebo_coach):
    response = api(stebo_coach).patch(detail(amal), {"phone": "0470 99 99 99", "nationality": "sy",
                                                     "national_number": ""})

    assert response.status_code == 200, response.content
    amal.refresh_from_db()
    assert (amal.phone, amal.nationality, amal.national_number_encrypted) == ("0470 99 99 99", "SY", "")
    assert response.json()["national_number_masked"] == ""
    assert amal.history.latest("history_date").history_user == stebo_coach


@pytest.mark.parametrize("who", ["unizo_coach", "referrer", "microstart", "auditor"])
def test_no_one_else_corrects_a_participant_it_answers_404(amal, orgs, request, who):
    user = auditor_at(orgs["stebo"]) if who == "auditor" else request.getfixturevalue(who)

    response = api(user).patch(detail(amal), {"phone": "0"})

    assert response.status_code == 404
    amal.refresh_from_db()
    assert amal.phone == "0470 12 34 56"


def test_a_correction_the_rules_refuse_changes_nothing(amal, stebo_coach):
    response = api(stebo_coach).patch(detail(amal), {"birth_month": None, "birth_day": 3})

    assert response.status_code == 400 and error(response)["code"] == "birth_day_without_month"
    amal.refresh_from_db()
    assert (amal.birth_month, amal.birth_day) == (7, None)


def test_the_data_of_an_erased_person_cannot_be_filled_in_again(amal, stebo_coach):
    participant_erase(participant=amal, by=stebo_coach)
    versions = amal.history.count()

    response = api(stebo_coach).patch(detail(amal), {"first_name": "Amal", "phone": "0470 99 99 99"})

    assert response.status_code == 400 and error(response)["code"] == "participant_erased"
    assert "erased on" in error(response)["message"]
    amal.refresh_from_db()
    assert (amal.first_name, amal.phone, amal.history.count()) == ("—", "", versions)


# Tokens


def test_a_coach_uses_the_api_with_a_token(amal, stebo_coach):
    assert list(listed(token_client(stebo_coach).get(URL))) == ["Haddad"]


def test_a_coordinator_gets_a_token_only_with_the_second_factor(amal, coordinator):
    from rest_framework.test import APIClient

    refused = APIClient().post("/api/v1/auth/token/", {"username": coordinator.username,
                                                       "password": "correct-horse-battery-staple"})

    assert refused.status_code == 401 and error(refused)["code"] == "second_factor_required"
    client = token_client(coordinator, otp_token=current_code(coordinator))
    assert list(listed(client.get(URL))) == ["Haddad"]


def test_a_wrong_token_is_refused(amal):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nonsense")

    response = client.get(URL)

    assert response.status_code in (401, 403) and error(response)["code"] == "authentication_failed"


# Query budget: the same queries at two sizes


def refer_to_microstart(participant: Participant, *, by) -> None:
    trajectory = participant.trajectories.get()
    offer = SpecialisationOffer.objects.select_related("specialisation", "organisation").get(
        programme=trajectory.programme, organisation__code="microstart", specialisation__code="microcredit")
    consent_record(participant=participant, by=by, purpose=ConsentRecord.Purpose.SHARE_WITH_PARTNER,
                   organisation=offer.organisation, given_on=REACHED_ON, version="1")
    referral_send(trajectory=trajectory, specialisation=offer.specialisation, organisation=offer.organisation,
                  question="Microkrediet?", by=by)


def _fill(programme, *, coach, referrer, orgs, count: int, start: int) -> None:
    """`count` people referred in by iDrops and coached by `coach`, in every phase, with and without a
    postcode and an identifier; those in guidance referred to microStart."""
    for number in range(start, start + count):
        phase = 1 + number % 4
        participant = person(
            programme, by=referrer, coach=coach, referred_by=orgs["idrops"], last_name=f"Number{number:03d}",
            phase=phase, postcode=(2000, 9000, 3500, None)[number % 4],
            national_number="85.07.30-033.28" if number % 2 else "",
        )
        if phase == 4:
            refer_to_microstart(participant, by=coach)


@pytest.mark.parametrize("who", ["stebo_coach", "coordinator", "referrer", "microstart", "auditor"])
def test_the_list_runs_the_same_queries_at_two_sizes(ovv, orgs, stebo_coach, referrer, request, who):
    user = auditor_at(orgs["stebo"]) if who == "auditor" else request.getfixturevalue(who)
    client = api(user)
    client.get(URL)  # what only a session's first request does (casemgmt.sessions) is not the list's
    _fill(ovv, coach=stebo_coach, referrer=referrer, orgs=orgs, count=4, start=0)
    small = queries(client, URL, {"ordering": "-created"})

    _fill(ovv, coach=stebo_coach, referrer=referrer, orgs=orgs, count=12, start=4)
    large = queries(client, URL, {"ordering": "-created"})

    assert small == large
    assert large <= 10
