"""The referral pages: the partner's inbox and referral page with their answers, the coach's referral
from the participant page and the referral on its timeline; who may see and do what, and the query
budgets of the inbox, the referral page and the participant page with referrals."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casemgmt.audit import save_as
from casemgmt.models import AccessLog
from partners.models import Organisation, SpecialisationOffer, StaffMember
from tests.conftest import otp_login
from tests.factories import StaffMemberFactory, UserFactory
from tests.trajectories.factories import today
from trajectories.models import ConsentRecord, Participant, Referral, ReferralEvent, Trajectory
from trajectories.services import (
    consent_record,
    participant_register,
    referral_accept,
    referral_complete,
    referral_decline,
    referral_send,
    referral_start,
    session_log_individual,
    trajectory_advance,
    trajectory_open,
)

D = datetime.date
DAYS = datetime.timedelta(days=1)
REACHED_ON = D(2017, 1, 10)
GUIDANCE_ON = D(2017, 5, 2)
NOTES = "Vertrouwelijk: gezinssituatie"
QUESTION = "Kan zij een microkrediet krijgen voor een naaimachine?"
GRANTED = {"amount_requested": Decimal("6000.00"), "credit_decision": "granted",
           "amount_granted": Decimal("5000.00"), "decided_on": D(2017, 6, 1)}

pytestmark = pytest.mark.django_db


# The people


def staff(username: str, organisation: Organisation, role: str):
    return StaffMemberFactory(user=UserFactory(username=username), organisation=organisation, role=role).user


def guided(programme, coach, *, first_name: str = "Amal", last_name: str = "Haddad", **fields) -> Trajectory:
    """A person registered, enrolled and screened into phase 4 (guidance) through the services."""
    participant = participant_register(by=coach, first_name=first_name, last_name=last_name, **fields)
    trajectory = trajectory_open(participant=participant, programme=programme, by=coach, coach=coach,
                                 entered_on=REACHED_ON, phase=3)
    return trajectory_advance(trajectory=trajectory, phase=4, on=GUIDANCE_ON, by=coach)


@pytest.fixture
def trajectory(ovv, stebo_coach) -> Trajectory:
    return guided(ovv, stebo_coach, birth_year=1985, birth_month=7, national_number="85.07.30-033.28",
                  email="amal@example.org", phone="0470 12 34 56", business_idea="Een naaiatelier in Gent",
                  postcode=9000, languages=["ar", "fr"], nationality="SY")


@pytest.fixture
def person(trajectory) -> Participant:
    return trajectory.participant


def share(trajectory: Trajectory, organisation: Organisation, by) -> ConsentRecord:
    return consent_record(participant=trajectory.participant, by=by, organisation=organisation,
                          purpose=ConsentRecord.Purpose.SHARE_WITH_PARTNER, given_on=GUIDANCE_ON, version="1")


def offer(trajectory: Trajectory, code: str) -> SpecialisationOffer:
    return SpecialisationOffer.objects.select_related("specialisation", "organisation").get(
        programme=trajectory.programme, specialisation__code=code)


def refer(trajectory: Trajectory, code: str = "microcredit", *, by, question: str = QUESTION,
          on: datetime.date | None = None) -> Referral:
    """Refer to the specialisation `code`, with the participant's consent to share with its partner."""
    chosen = offer(trajectory, code)
    if not ConsentRecord.objects.filter(participant=trajectory.participant, organisation=chosen.organisation).exists():
        share(trajectory, chosen.organisation, by)
    return referral_send(trajectory=trajectory, specialisation=chosen.specialisation,
                         organisation=chosen.organisation, question=question, by=by, on=on)


@pytest.fixture
def referral(trajectory, stebo_coach) -> Referral:
    return refer(trajectory, by=stebo_coach)


def web(user=None, *, second_factor: bool = False) -> Client:
    """A browser in English (the default is Dutch), signed in as `user`."""
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        if second_factor:
            otp_login(client, user)
        else:
            client.force_login(user)
    return client


INBOX = reverse("trajectories:referral_inbox")


def detail_url(referral: Referral) -> str:
    return reverse("trajectories:referral_detail", args=[referral.pk])


def answer_url(referral: Referral, action: str) -> str:
    return reverse("trajectories:referral_action", args=[referral.pk, action])


def participant_url(participant: Participant) -> str:
    return reverse("trajectories:participant_detail", args=[participant.pk])


def action_url(name: str, trajectory: Trajectory) -> str:
    return reverse(f"trajectories:trajectory_{name}", args=[trajectory.pk])


def text(response) -> str:
    return html.unescape(response.content.decode())


def names(response) -> list[str]:
    """The participants listed in the inbox, in order."""
    return re.findall(r'<th scope="row"><a href="/referrals/\d+/">([^<]+)</a></th>', text(response))


def steps(referral: Referral) -> list[str]:
    return list(referral.events.order_by("on", "pk").values_list("status", flat=True))


def referral_rows() -> tuple[int, ...]:
    """Rows and history rows of referrals, their steps and results: a refused answer leaves them as they were."""
    return (Referral.objects.count(), Referral.history.count(), ReferralEvent.objects.count(),
            ReferralEvent.history.count(), ConsentRecord.objects.count())


# The inbox


def test_inbox_lists_only_the_referrals_to_my_organisation(ovv, trajectory, stebo_coach, microstart):
    refer(trajectory, by=stebo_coach)
    refer(trajectory, "personal-feasibility", by=stebo_coach)  # to Zenitor
    other = guided(ovv, stebo_coach, first_name="Yonas", last_name="Tesfaye")
    refer(other, "personal-feasibility", by=stebo_coach)

    response = web(microstart).get(INBOX)

    assert response.status_code == 200
    assert names(response) == ["Amal Haddad"]
    body = text(response)
    assert "Microkrediet" in body and "Persoonlijke haalbaarheid" not in body and "Yonas" not in body


def test_inbox_shows_the_days_waiting_and_sorts_the_longest_waiting_first(ovv, stebo_coach, microstart):
    for name, days in (("Recent", 2), ("Oldest", 40), ("Middle", 10)):
        refer(guided(ovv, stebo_coach, first_name=name, last_name="Person"), by=stebo_coach,
              on=today() - days * DAYS)

    response = web(microstart).get(INBOX)

    assert names(response) == ["Oldest Person", "Middle Person", "Recent Person"]
    body = text(response)
    assert '<td class="number">40</td>' in body and '<td class="number">2</td>' in body
    assert "3 referrals" in body


def test_inbox_filters_by_status(ovv, stebo_coach, microstart):
    sent = refer(guided(ovv, stebo_coach, first_name="Sent", last_name="Person"), by=stebo_coach)
    accepted = refer(guided(ovv, stebo_coach, first_name="Accepted", last_name="Person"), by=stebo_coach)
    referral_accept(referral=accepted, by=microstart)
    declined = refer(guided(ovv, stebo_coach, first_name="Declined", last_name="Person"), by=stebo_coach)
    referral_decline(referral=declined, by=microstart, reason="Geen plaats")
    client = web(microstart)

    assert names(client.get(INBOX)) == ["Sent Person", "Accepted Person"]  # open ones by default
    assert names(client.get(INBOX, {"status": "accepted"})) == ["Accepted Person"]
    assert names(client.get(INBOX, {"status": "declined"})) == ["Declined Person"]
    assert names(client.get(INBOX, {"status": "all"})) == ["Sent Person", "Accepted Person", "Declined Person"]
    assert names(client.get(INBOX, {"status": "nonsense"})) == ["Sent Person", "Accepted Person"]
    assert "No referral matches these filters." in text(client.get(INBOX, {"status": "completed"}))
    assert sent.pk and declined.pk


def test_inbox_filters_by_age(ovv, stebo_coach, microstart):
    for name, days in (("Week", 3), ("Month", 20), ("Older", 60)):
        refer(guided(ovv, stebo_coach, first_name=name, last_name="Person"), by=stebo_coach,
              on=today() - days * DAYS)
    client = web(microstart)

    assert names(client.get(INBOX, {"age": "7"})) == ["Week Person"]
    assert names(client.get(INBOX, {"age": "30"})) == ["Month Person", "Week Person"]
    assert names(client.get(INBOX, {"age": "older"})) == ["Older Person"]


def test_an_htmx_filter_returns_the_table_alone(referral, microstart):
    response = web(microstart).get(INBOX, {"status": "all"}, HTTP_HX_REQUEST="true")

    body = text(response).strip()
    assert "<html" not in body and "Amal Haddad" in body
    assert body.startswith('<p role="status" class="result-count">1 referral</p>')
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("role", [StaffMember.Role.COACH, StaffMember.Role.REFERRER])
def test_the_inbox_is_the_partner_specialists_alone(referral, orgs, role):
    outsider = staff(f"{role}.vdab", orgs["vdab"], role)

    assert web(outsider).get(INBOX).status_code == 404


def test_a_partner_is_sent_from_the_caseload_to_the_inbox_and_the_navigation_shows_it(referral, microstart):
    response = web(microstart).get(reverse("trajectories:caseload"), follow=True)

    assert response.redirect_chain == [(INBOX, 302)]
    body = text(response)
    assert f'<a href="{INBOX}" aria-current="page">Referrals</a>' in body
    assert ">Caseload</a>" not in body


def _inbox_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(INBOX, {"status": "all"})
    assert response.status_code == 200
    return len(queries)


def _referrals_to_microstart(programme, coach, partner, count: int, *, start: int = 0) -> None:
    """`count` referrals to microStart, one person each, in every status a partner sees."""
    for number in range(start, start + count):
        trajectory = guided(programme, coach, first_name=f"Person{number}", last_name="Inbox")
        referral = refer(trajectory, by=coach, on=today() - (number % 40) * DAYS)
        if number % 4 >= 1:
            referral_accept(referral=referral, by=partner)
        if number % 4 >= 2:
            referral_start(referral=referral, by=partner)
        if number % 4 == 3:
            referral_complete(referral=referral, by=partner, feedback="Toegekend", result=GRANTED)


def test_the_inbox_runs_the_same_number_of_queries_for_5_or_20_referrals(ovv, stebo_coach, microstart):
    client = web(microstart)
    _referrals_to_microstart(ovv, stebo_coach, microstart, 5)
    client.get(INBOX)  # the session and the user are read once, as on any page
    small = _inbox_queries(client)
    _referrals_to_microstart(ovv, stebo_coach, microstart, 15, start=5)

    large = _inbox_queries(client)

    assert small == large, f"{small} queries for 5 referrals, {large} for 20"
    # The reminders' count in the navigation and the reminders panel add two.
    assert large <= 10, f"{large} queries"
    assert len(names(client.get(INBOX, {"status": "all"}))) == 20


# The referral page: what the partner sees of the person


def test_referral_page_shows_what_the_referral_needs_and_nothing_else(
    trajectory, person, referral, stebo_coach, microstart
):
    session_log_individual(trajectory=trajectory, by=stebo_coach, held_on=GUIDANCE_ON, duration_minutes=45,
                           title="Intake gesprek", notes=NOTES)
    refer(trajectory, "personal-feasibility", by=stebo_coach, question="Hoe gaat zij om met onzekerheid?")

    response = web(microstart).get(detail_url(referral))

    assert response.status_code == 200
    body = text(response)
    for shown in ("Amal Haddad", "amal@example.org", "0470 12 34 56", "ar, fr", QUESTION,
                  "Een naaiatelier in Gent", stebo_coach.get_full_name(), "Microkrediet", "microStart", "sent"):
        assert shown in body, shown
    for hidden in (NOTES, "Intake gesprek", "Hoe gaat zij om met onzekerheid?", "Zenitor", "Persoonlijke haalbaarheid",
                   "••", "85.07.30", "850730", "1985", "Phase", "guidance", "Ondernemen in Vlaanderen", "9000",
                   participant_url(person)):
        assert hidden not in body, hidden


def test_every_look_at_a_referral_writes_a_view_row_with_the_participant(person, referral, microstart):
    client = web(microstart)

    client.get(detail_url(referral))
    client.get(detail_url(referral))

    rows = AccessLog.objects.filter(action=AccessLog.Action.VIEW)
    assert list(rows.values_list("user", "participant_id", "object_type", "object_id", "organisation")) == [
        (microstart.pk, person.pk, "trajectories.Referral", str(referral.pk), "microStart")] * 2


def test_a_partner_never_sees_the_participant_page(person, referral, microstart):
    response = web(microstart).get(participant_url(person))

    assert response.status_code == 404
    assert "Haddad" not in text(response)


def test_a_partner_of_another_organisation_gets_404_on_the_referral_and_its_answers(referral, zenitor):
    client = web(zenitor)
    before = referral_rows()

    assert client.get(detail_url(referral)).status_code == 404
    for action, data in (("accept", {}), ("decline", {"reason": "x"}), ("start", {}), ("stop", {"reason": "x"}),
                         ("complete", {"feedback": "x"}), ("follow_up", {"repayment_follow_up": "x"})):
        assert client.post(answer_url(referral, action), data).status_code == 404, action
    assert referral_rows() == before
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEW).exists()


def test_the_coach_reads_the_referral_page_but_does_not_answer(referral, stebo_coach):
    client = web(stebo_coach)

    response = client.get(detail_url(referral))

    assert response.status_code == 200
    assert "This is what the partner organisation sees of this referral." in text(response)
    assert "<details" not in text(response)
    before = referral_rows()
    assert client.post(answer_url(referral, "accept")).status_code == 404
    assert referral_rows() == before


def test_an_unknown_answer_and_a_get_are_refused(referral, microstart):
    client = web(microstart)

    assert client.post(answer_url(referral, "withdraw"), {"reason": "x"}).status_code == 404
    assert client.get(answer_url(referral, "accept")).status_code == 405
    assert steps(referral) == ["sent"]


def test_a_partner_no_longer_sees_a_referral_long_after_it_closed(trajectory, stebo_coach, microstart, settings):
    settings.REFERRAL_PARTNER_ACCESS_DAYS = 30
    referral = refer(trajectory, by=stebo_coach, on=today() - 50 * DAYS)
    referral_decline(referral=referral, by=microstart, reason="Geen plaats", on=today() - 40 * DAYS)
    client = web(microstart)

    assert client.get(detail_url(referral)).status_code == 404
    assert names(client.get(INBOX, {"status": "all"})) == []


# The partner's answers


def test_partner_accepts_starts_and_completes_with_a_granted_microcredit_and_the_coach_sees_it(
    person, referral, stebo_coach, microstart
):
    client = web(microstart)

    response = client.post(answer_url(referral, "accept"))
    assert response.status_code == 302 and response["Location"] == detail_url(referral)
    assert "Referral accepted." in text(client.get(detail_url(referral)))
    assert client.post(answer_url(referral, "start")).status_code == 302
    page = text(client.get(detail_url(referral)))
    assert 'name="amount_requested"' in page and 'name="feasibility"' not in page and 'name="company"' not in page
    response = client.post(answer_url(referral, "complete"), {
        "feedback": "Krediet toegekend voor de naaimachines.", "amount_requested": "6000.00",
        "credit_decision": "granted", "amount_granted": "5000", "decided_on": "2017-06-01"})

    assert response.status_code == 302, text(response)
    referral.refresh_from_db()
    assert referral.status == "completed" and referral.closed_on == today()
    assert steps(referral) == ["sent", "accepted", "in_progress", "completed"]
    result = referral.result
    assert (result.credit_decision, result.amount_requested, result.amount_granted, result.decided_on) == (
        "granted", Decimal("6000.00"), Decimal("5000.00"), D(2017, 6, 1))
    timeline = text(web(stebo_coach).get(participant_url(person)))
    assert "Referral to Microkrediet at microStart" in timeline
    assert "Krediet toegekend voor de naaimachines." in timeline
    assert "Microcredit granted: EUR 5,000.00 of EUR 6,000.00 on June 1, 2017" in timeline
    assert timeline.count(f"by {microstart.get_full_name()}") == 3


def test_the_complete_form_has_the_typed_fields_of_the_specialisations_kind_only(
    trajectory, stebo_coach, microstart, orgs
):
    credit = refer(trajectory, by=stebo_coach)
    mentoring = refer(trajectory, "mentoring", by=stebo_coach)
    exchange = staff("partner.exchange", orgs["exchange"], StaffMember.Role.PARTNER_SPECIALIST)
    for referral, partner in ((credit, microstart), (mentoring, exchange)):
        referral_accept(referral=referral, by=partner)
        referral_start(referral=referral, by=partner)

    credit_page = text(web(microstart).get(detail_url(credit)))
    mentoring_page = text(web(exchange).get(detail_url(mentoring)))

    assert re.search(r'<input type="number" name="amount_requested"[^>]* step="0.01"[^>]* required', credit_page)
    assert re.search(r'<input type="date" name="decided_on"', credit_page)
    assert '<select name="credit_decision"' in credit_page and '<option value="granted">granted</option>' in credit_page
    assert 'name="company"' not in credit_page and 'name="advice"' not in credit_page
    assert re.search(r'<input type="number" name="days"[^>]* required', mentoring_page)
    assert 'name="company"' in mentoring_page and 'name="mentor"' in mentoring_page
    assert 'name="amount_requested"' not in mentoring_page


def test_a_result_refused_by_the_rule_shows_the_rule_and_changes_nothing(referral, microstart):
    referral_accept(referral=referral, by=microstart)
    referral_start(referral=referral, by=microstart)
    before = referral_rows()

    response = web(microstart).post(answer_url(referral, "complete"), {
        "feedback": "Toegekend", "amount_requested": "6000", "credit_decision": "granted"})

    assert response.status_code == 400
    body = text(response)
    assert "A granted credit needs the amount granted and the decision date." in body
    assert 'role="alert"' in body and '<details class="action" open>' in body
    assert referral_rows() == before
    referral.refresh_from_db()
    assert referral.status == "in_progress"


def test_a_mistyped_amount_is_refused_on_its_field(referral, microstart):
    referral_accept(referral=referral, by=microstart)
    referral_start(referral=referral, by=microstart)

    response = web(microstart).post(answer_url(referral, "complete"), {
        "feedback": "Toegekend", "amount_requested": "zesduizend", "credit_decision": "granted"})

    assert response.status_code == 400
    assert 'id="complete-amount_requested_error"' in text(response)
    assert steps(referral) == ["sent", "accepted", "in_progress"]


def test_declining_needs_a_reason_and_a_step_out_of_order_shows_the_rule(referral, microstart):
    client = web(microstart)

    assert client.post(answer_url(referral, "decline"), {"reason": ""}).status_code == 400
    response = client.post(answer_url(referral, "start"))
    assert response.status_code == 400
    assert "This referral is sent: the step “start” is possible only from accepted." in text(response)
    assert steps(referral) == ["sent"]

    response = client.post(answer_url(referral, "decline"), {"reason": "Geen plaats deze maand"})

    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.reason) == ("declined", "Geen plaats deze maand")
    page = text(client.get(detail_url(referral)))
    assert "Geen plaats deze maand" in page and "<details" not in page  # closed: nothing left to answer


def test_a_partner_stops_a_referral_in_progress_with_the_reason(referral, microstart):
    client = web(microstart)
    referral_accept(referral=referral, by=microstart)

    response = client.post(answer_url(referral, "stop"), {"reason": "Deelnemer niet bereikbaar"})

    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.reason) == ("stopped", "Deelnemer niet bereikbaar")


def test_a_partner_follows_up_the_repayment_of_a_granted_credit(person, referral, microstart, stebo_coach):
    referral_accept(referral=referral, by=microstart)
    referral_start(referral=referral, by=microstart)
    referral_complete(referral=referral, by=microstart, feedback="Toegekend", result=GRANTED)
    client = web(microstart)
    assert "Follow up the repayment" in text(client.get(detail_url(referral)))

    response = client.post(answer_url(referral, "follow_up"), {"repayment_follow_up": "Aflossingen op schema"})

    assert response.status_code == 302
    referral.result.refresh_from_db()
    assert referral.result.repayment_follow_up == "Aflossingen op schema"
    assert "Aflossingen op schema" in text(web(stebo_coach).get(participant_url(person)))


def test_follow_up_is_offered_only_after_a_granted_credit(referral, microstart):
    referral_accept(referral=referral, by=microstart)
    referral_start(referral=referral, by=microstart)
    referral_complete(referral=referral, by=microstart, feedback="Geweigerd", result={
        "amount_requested": Decimal("6000.00"), "credit_decision": "refused"})
    client = web(microstart)

    assert "Follow up the repayment" not in text(client.get(detail_url(referral)))
    response = client.post(answer_url(referral, "follow_up"), {"repayment_follow_up": "x"})
    assert response.status_code == 400
    assert "Repayment follow-up belongs to a granted microcredit." in text(response)


def _detail_queries(client: Client, referral: Referral) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(detail_url(referral))
    assert response.status_code == 200
    return len(queries)


def test_the_referral_page_runs_the_same_number_of_queries_for_2_or_10_steps(ovv, stebo_coach, microstart):
    small = refer(guided(ovv, stebo_coach, first_name="Small", last_name="Person"), by=stebo_coach)
    referral_accept(referral=small, by=microstart)
    large = refer(guided(ovv, stebo_coach, first_name="Large", last_name="Person"), by=stebo_coach)
    referral_accept(referral=large, by=microstart)
    referral_start(referral=large, by=microstart)
    referral_complete(referral=large, by=microstart, feedback="Toegekend", result=GRANTED)
    # Six more steps, each by another colleague: the services allow four per referral.
    for number in range(6):
        colleague = staff(f"partner.microstart.{number}", large.organisation, StaffMember.Role.PARTNER_SPECIALIST)
        save_as(ReferralEvent(referral=large, status="in_progress", on=today(), by=colleague,
                              note=f"Gesprek {number}"), colleague)
    client = web(microstart)
    client.get(detail_url(small))

    counts = (_detail_queries(client, small), _detail_queries(client, large))

    assert counts[0] == counts[1], f"{counts[0]} queries for 2 steps, {counts[1]} for 10"
    # The reminders' count in the navigation adds one.
    assert counts[1] <= 11, f"{counts[1]} queries"
    assert text(client.get(detail_url(large))).count("Gesprek ") == 6


# The coach: referring, consent, withdrawing, and the timeline


def test_the_refer_form_offers_the_specialisations_of_the_programme_in_guidance_only(ovv, trajectory, stebo_coach):
    early = trajectory_open(participant=participant_register(by=stebo_coach, first_name="Early", last_name="Person"),
                            programme=ovv, by=stebo_coach, coach=stebo_coach, entered_on=REACHED_ON, phase=3)
    client = web(stebo_coach)

    body = text(client.get(participant_url(trajectory.participant)))
    early_body = text(client.get(participant_url(early.participant)))

    assert action_url("refer", trajectory) in body
    credit = offer(trajectory, "microcredit")
    assert f'<option value="{credit.pk}">Microkrediet — microStart</option>' in body
    assert "Haalbaarheid van het ondernemersidee — UNIZO vzw" in body
    assert 'name="consent_override_reason"' not in body  # a coach may not refer without consent
    assert action_url("refer", early) not in early_body


def test_the_coach_refers_after_recording_the_missing_consent(person, trajectory, stebo_coach, microstart):
    client = web(stebo_coach)
    credit = offer(trajectory, "microcredit")

    response = client.post(action_url("refer", trajectory), {"offer": credit.pk, "question": QUESTION})

    assert response.status_code == 400
    assert "The participant has not agreed to share their data with microStart: record that consent first" in text(
        response)
    assert not Referral.objects.exists()

    response = client.post(action_url("share_consent", trajectory), {
        "organisation": credit.organisation_id, "given_on": today().isoformat()})
    assert response.status_code == 302, text(response)
    page = text(client.get(participant_url(person)))
    assert "agreed to share their data with microStart." in page
    response = client.post(action_url("refer", trajectory), {"offer": credit.pk, "question": QUESTION})

    assert response.status_code == 302, text(response)
    referral = Referral.objects.get()
    assert (referral.trajectory, referral.specialisation, referral.organisation, referral.question,
            referral.referred_by, referral.status) == (
        trajectory, credit.specialisation, credit.organisation, QUESTION, stebo_coach, "sent")
    page = text(client.get(participant_url(person)))
    assert "Referred to Microkrediet at microStart." in page
    assert "Referral to Microkrediet at microStart" in page and QUESTION in page
    assert names(web(microstart).get(INBOX)) == ["Amal Haddad"]


def test_a_coordinator_refers_without_consent_with_the_reason(trajectory, coordinator):
    client = web(coordinator, second_factor=True)
    credit = offer(trajectory, "microcredit")
    assert 'name="consent_override_reason"' in text(client.get(participant_url(trajectory.participant)))

    refused = client.post(action_url("refer", trajectory), {"offer": credit.pk, "question": QUESTION})
    response = client.post(action_url("refer", trajectory), {
        "offer": credit.pk, "question": QUESTION, "consent_override_reason": "Dringend: huur vervalt"})

    assert refused.status_code == 400
    assert "a coordinator gives the reason for referring anyway" in text(refused)
    assert response.status_code == 302
    assert Referral.objects.get().consent_override_reason == "Dringend: huur vervalt"


def test_referring_to_an_offer_of_another_programme_is_refused_on_the_field(trajectory, stebo_coach):
    foreign = SpecialisationOffer.objects.exclude(programme=trajectory.programme).first()
    response = web(stebo_coach).post(action_url("refer", trajectory), {"offer": foreign.pk if foreign else 999999,
                                                                        "question": QUESTION})

    assert response.status_code == 400
    assert f'id="t{trajectory.pk}-refer-offer_error"' in text(response)
    assert not Referral.objects.exists()


def test_the_coach_withdraws_an_open_referral_with_the_reason(person, trajectory, referral, stebo_coach, microstart):
    client = web(stebo_coach)
    body = text(client.get(participant_url(person)))
    assert action_url("withdraw_referral", trajectory) in body

    response = client.post(action_url("withdraw_referral", trajectory), {
        "referral": referral.pk, "reason": "Deelnemer kiest voor loondienst"})

    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.reason, referral.closed_on) == (
        "withdrawn", "Deelnemer kiest voor loondienst", today())
    page = text(client.get(participant_url(person)))
    assert "The referral to Microkrediet was withdrawn." in page
    assert "withdrawn" in page and "Deelnemer kiest voor loondienst" in page
    assert action_url("withdraw_referral", trajectory) not in page  # nothing open left to withdraw
    assert names(web(microstart).get(INBOX)) == []


def test_a_withdrawal_needs_a_reason(trajectory, referral, stebo_coach):
    response = web(stebo_coach).post(action_url("withdraw_referral", trajectory), {"referral": referral.pk})

    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == "sent"


def test_a_partner_cannot_refer_or_withdraw(trajectory, referral, microstart):
    client = web(microstart)
    before = referral_rows()

    assert client.post(action_url("withdraw_referral", trajectory), {
        "referral": referral.pk, "reason": "x"}).status_code == 404
    assert client.post(action_url("refer", trajectory), {
        "offer": offer(trajectory, "microcredit").pk, "question": "x"}).status_code == 404
    assert referral_rows() == before


def test_the_timeline_shows_each_referral_with_its_steps_and_a_declined_ones_reason(
    person, trajectory, referral, stebo_coach, zenitor
):
    other = refer(trajectory, "personal-feasibility", by=stebo_coach)
    referral_decline(referral=other, by=zenitor, reason="Wachtlijst tot september")

    body = text(web(stebo_coach).get(participant_url(person)))

    assert body.count('class="event event-referral"') == 2
    assert "Referral to Persoonlijke haalbaarheid als ondernemer at Zenitor" in body
    assert "Wachtlijst tot september" in body and "declined" in body
    assert f'href="{detail_url(referral)}"' in body  # what the partner sees, one click away
