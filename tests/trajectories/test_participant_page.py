"""The participant page: identity with a masked identifier, the trajectories as timelines, the actions
on them (each refusal showing the rule it broke), who may see and do what, and its query budget."""

import datetime
import html
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
from tests.trajectories.factories import row_counts, today
from trajectories.models import Participant, Screening, Session, Trajectory
from trajectories.services import (
    consent_record,
    participant_register,
    referral_accept,
    referral_complete,
    referral_send,
    referral_start,
    screening_record,
    session_log_individual,
    session_plan_group,
    session_record_attendance,
    trajectory_advance,
    trajectory_end,
    trajectory_open,
    trajectory_record_outcome,
)

D = datetime.date
NATIONAL_NUMBER = "85073003328"  # a valid national register number (python-stdnum's own example)
REACHED_ON = D(2017, 1, 10)
NOTES = "Vertelt over haar gezin"


# The people


def staff(username: str, organisation: Organisation, role: str):
    return StaffMemberFactory(user=UserFactory(username=username), organisation=organisation, role=role).user


@pytest.fixture
def person(ovv, orgs, stebo_coach, referrer) -> Participant:
    participant = participant_register(
        by=referrer, first_name="Amal", last_name="Haddad", birth_year=1985, birth_month=7,
        national_number="85.07.30-033.28", email="amal@example.org", phone="0470 12 34 56",
        business_idea="Een naaiatelier", postcode=2000, languages=["ar", "fr"], nationality="SY",
    )
    trajectory_open(participant=participant, programme=ovv, by=referrer, coach=stebo_coach,
                    referred_by=orgs["idrops"], entered_on=REACHED_ON)
    return participant


@pytest.fixture
def trajectory(person) -> Trajectory:
    return person.trajectories.get()


def web(user=None, *, second_factor: bool = False) -> Client:
    """A browser in English (the default is Dutch), signed in as `user`."""
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        if second_factor:
            otp_login(client, user)
        else:
            client.force_login(user)
    return client


def page_url(participant: Participant) -> str:
    return reverse("trajectories:participant_detail", args=[participant.pk])


def action_url(name: str, trajectory: Trajectory) -> str:
    return reverse(f"trajectories:trajectory_{name}", args=[trajectory.pk])


def text(response) -> str:
    return html.unescape(response.content.decode())


def phases(trajectory: Trajectory) -> list[tuple[int, datetime.date]]:
    return list(trajectory.phase_entries.order_by("phase").values_list("phase", "entered_on"))


# What the page shows, and to whom


def test_coach_sees_identity_and_timeline_with_the_identifier_masked_never_in_full(
    person, trajectory, stebo_coach
):
    session_log_individual(trajectory=trajectory, by=stebo_coach, held_on=D(2017, 2, 1),
                           duration_minutes=45, title="Intake", notes=NOTES)

    response = web(stebo_coach).get(page_url(person))

    body = text(response)
    assert response.status_code == 200
    for shown in ("Amal Haddad", "??/07/1985", "SY", "ar, fr", "2000", "Antwerpen", "amal@example.org",
                  "0470 12 34 56", "Een naaiatelier", "iDrops", "Ondernemen in Vlaanderen voor Vluchtelingen",
                  "Phase 1: sensitisation", "Intake", "45 minutes", NOTES):
        assert shown in body, shown
    assert "••.••.••-•••.28" in body
    assert NATIONAL_NUMBER not in body and "85.07.30-033.28" not in body and "850730" not in body
    assert '<time datetime="2017-01-10">' in body and '<time datetime="2017-02-01">' in body


def test_the_page_is_in_dutch_by_default(person, stebo_coach):
    client = Client()
    client.force_login(stebo_coach)

    body = text(client.get(page_url(person)))

    assert '<html lang="nl">' in body
    assert "Ondernemingsnummer" in body  # the outcome form's label, in the glossary's words


def test_every_look_at_the_page_writes_a_view_row_in_the_access_log(person, stebo_coach):
    client = web(stebo_coach)

    client.get(page_url(person))
    client.get(page_url(person))

    rows = AccessLog.objects.filter(action=AccessLog.Action.VIEW)
    assert list(rows.values_list("user", "participant_id", "object_type", "organisation")) == [
        (stebo_coach.pk, person.pk, "trajectories.Participant", "Stebo vzw")] * 2


@pytest.mark.parametrize(("username", "organisation", "role"), [
    ("coach.unizo", "unizo", StaffMember.Role.COACH),
    ("partner.microstart", "microstart", StaffMember.Role.PARTNER_SPECIALIST),
    ("referrer.vdab", "vdab", StaffMember.Role.REFERRER),
])
def test_someone_without_the_person_in_their_scope_gets_404(person, orgs, username, organisation, role):
    outsider = staff(username, orgs[organisation], role)

    response = web(outsider).get(page_url(person))

    assert response.status_code == 404
    assert "Haddad" not in text(response)
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEW).exists()


def test_a_missing_participant_is_404_like_one_out_of_scope(stebo_coach):
    assert web(stebo_coach).get(reverse("trajectories:participant_detail", args=[999999])).status_code == 404


def test_signed_out_visitor_is_sent_to_sign_in(person):
    response = web().get(page_url(person))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_referrer_sees_only_the_status_of_the_person_they_referred_in(
    person, trajectory, referrer, stebo_coach
):
    trajectory_advance(trajectory=trajectory, phase=3, on=D(2017, 3, 1), by=stebo_coach)
    session_log_individual(trajectory=trajectory, by=stebo_coach, held_on=D(2017, 3, 2),
                           duration_minutes=45, title="Intake", notes=NOTES)
    screening_record(trajectory=trajectory, by=stebo_coach, screened_on=D(2017, 3, 5), residence_permit_ok=True,
                     basic_management_knowledge=True, language_sufficient=True, financially_feasible=True,
                     potential="high", decision="guidance", notes="Sterk plan")

    response = web(referrer).get(page_url(person))

    body = text(response)
    assert response.status_code == 200
    for shown in ("Amal Haddad", "Ondernemen in Vlaanderen voor Vluchtelingen", "Phase 1: sensitisation",
                  "Phase 3: detection", '<time datetime="2017-03-01">'):
        assert shown in body, shown
    for hidden in ("amal@example.org", "0470 12 34 56", "Een naaiatelier", "••", "Intake", NOTES,
                   "Sterk plan", "Screening", "to guidance", str(stebo_coach.get_full_name()), "<form method=\"post\" action=\"/trajectories"):
        assert hidden not in body, hidden
    assert AccessLog.objects.filter(action=AccessLog.Action.VIEW, user=referrer, participant_id=person.pk).exists()


def test_an_auditor_reads_the_page_without_coaching_notes_or_actions(person, trajectory, orgs, stebo_coach):
    auditor = staff("auditor", orgs["stebo"], StaffMember.Role.AUDITOR)
    session_log_individual(trajectory=trajectory, by=stebo_coach, held_on=D(2017, 2, 1),
                           duration_minutes=45, title="Intake", notes=NOTES)

    body = text(web(auditor, second_factor=True).get(page_url(person)))

    assert "Intake" in body
    assert NOTES not in body
    assert action_url("advance", trajectory) not in body


# Acting: phases


def test_coach_advances_through_phases_2_3_and_4_and_the_timeline_shows_them(person, trajectory, stebo_coach):
    client = web(stebo_coach)

    for phase, on in ((2, "2017-02-01"), (3, "2017-03-01"), (4, "2017-04-03")):
        response = client.post(action_url("advance", trajectory), {"phase": phase, "on": on})
        assert response.status_code == 302, text(response)
        assert response["Location"] == f"{page_url(person)}#trajectory-{trajectory.pk}"

    assert phases(trajectory) == [(1, REACHED_ON), (2, D(2017, 2, 1)), (3, D(2017, 3, 1)), (4, D(2017, 4, 3))]
    body = text(client.get(page_url(person)))
    assert "Phase 4 (guidance) entered on 04/03/2017." in body  # the success message, shown once
    for label, on in (("Phase 2: information", "2017-02-01"), ("Phase 3: detection", "2017-03-01"),
                      ("Phase 4: guidance", "2017-04-03")):
        assert label in body and f'<time datetime="{on}">' in body


def test_advancing_backwards_is_refused_with_the_rule_and_changes_nothing(person, trajectory, stebo_coach):
    trajectory_advance(trajectory=trajectory, phase=3, on=D(2017, 3, 1), by=stebo_coach)
    before = row_counts()

    response = web(stebo_coach).post(action_url("advance", trajectory), {"phase": 2, "on": "2017-04-01"})

    assert response.status_code == 400
    body = text(response)
    assert ("Phases only move forward: this trajectory is already in phase 3 (detection), so it cannot "
            "enter phase 2.") in body
    assert 'role="alert"' in body
    assert '<details class="action" open>' in body  # the refused form stays open, with what was typed
    assert row_counts() == before


def test_advancing_on_a_future_date_is_refused_with_the_rule(person, trajectory, stebo_coach):
    tomorrow = today() + datetime.timedelta(days=1)

    response = web(stebo_coach).post(action_url("advance", trajectory), {"phase": 2, "on": tomorrow.isoformat()})

    assert response.status_code == 400
    assert "that date lies in the future" in text(response)
    assert phases(trajectory) == [(1, REACHED_ON)]


def test_an_incomplete_form_says_which_field_is_missing(person, trajectory, stebo_coach):
    response = web(stebo_coach).post(action_url("advance", trajectory), {"phase": 2})

    assert response.status_code == 400
    body = text(response)
    assert f'<ul class="errorlist" role="alert" id="t{trajectory.pk}-advance-on_error"><li>' in body
    assert f'aria-describedby="t{trajectory.pk}-advance-on_error"' in body
    assert phases(trajectory) == [(1, REACHED_ON)]


def test_an_action_is_a_post(person, trajectory, stebo_coach):
    assert web(stebo_coach).get(action_url("advance", trajectory)).status_code == 405


# Acting: sessions, screening, outcome, end


def test_coach_logs_an_individual_session(person, trajectory, stebo_coach):
    client = web(stebo_coach)

    response = client.post(action_url("log_session", trajectory), {
        "held_on": "2017-02-15", "duration_minutes": 45, "title": "Intake", "notes": NOTES})

    assert response.status_code == 302
    session = Session.objects.get()
    assert (session.kind, session.held_on, session.duration_minutes, session.coach) == (
        "individual", D(2017, 2, 15), 45, stebo_coach)
    body = text(client.get(page_url(person)))
    assert "Individual contact" in body and "Intake" in body and NOTES in body


def test_a_session_before_the_person_was_reached_is_refused(person, trajectory, stebo_coach):
    response = web(stebo_coach).post(action_url("log_session", trajectory), {
        "held_on": "2016-12-01", "duration_minutes": 45})

    assert response.status_code == 400
    assert "lies outside it" in text(response)
    assert not Session.objects.exists()


def test_coach_records_a_screening(person, trajectory, stebo_coach):
    trajectory_advance(trajectory=trajectory, phase=3, on=D(2017, 3, 1), by=stebo_coach)
    client = web(stebo_coach)

    response = client.post(action_url("screening", trajectory), {
        "screened_on": "2017-03-05", "residence_permit_ok": "on", "language_sufficient": "on",
        "financially_feasible": "on", "potential": "high", "decision": "guidance", "notes": "Sterk plan"})

    assert response.status_code == 302
    screening = Screening.objects.get()
    assert (screening.screened_on, screening.potential, screening.decision, screening.basic_management_knowledge) == (
        D(2017, 3, 5), "high", "guidance", False)
    body = text(client.get(page_url(person)))
    assert "Screening" in body and "to guidance" in body and "potential high" in body and "Sterk plan" in body


def test_screening_to_guidance_with_unmet_preconditions_is_refused(person, trajectory, stebo_coach):
    trajectory_advance(trajectory=trajectory, phase=3, on=D(2017, 3, 1), by=stebo_coach)

    response = web(stebo_coach).post(action_url("screening", trajectory), {
        "screened_on": "2017-03-05", "potential": "high", "decision": "guidance"})

    assert response.status_code == 400
    assert "goes to guidance only when the residence permit, language and financial preconditions are met" in text(
        response)
    assert not Screening.objects.exists()


def test_coach_records_a_self_employed_outcome_with_the_enterprise_number(person, trajectory, stebo_coach):
    client = web(stebo_coach)

    response = client.post(action_url("outcome", trajectory), {
        "outcome": "self_employed", "enterprise_number": "0403.019.261", "self_employed_since": "2018-01-15",
        "occupation": "main", "recorded_on": "2018-02-01"})

    assert response.status_code == 302, text(response)
    trajectory.refresh_from_db()
    assert (trajectory.outcome, trajectory.enterprise_number, trajectory.self_employed_since,
            trajectory.occupation) == ("self_employed", "0403019261", D(2018, 1, 15), "main")
    body = text(client.get(page_url(person)))
    assert "Outcome: self-employed" in body
    assert "enterprise number 0403.019.261, main occupation" in body


def test_self_employment_without_an_enterprise_number_is_refused_and_names_smart(person, trajectory, stebo_coach):
    before = row_counts()

    response = web(stebo_coach).post(action_url("outcome", trajectory), {
        "outcome": "self_employed", "self_employed_since": "2018-01-15", "occupation": "main",
        "recorded_on": "2018-02-01"})

    assert response.status_code == 400
    body = text(response)
    assert "Self-employment counts only with the participant's own enterprise number (KBO)" in body
    assert "SMart" in body
    trajectory.refresh_from_db()
    assert trajectory.outcome == ""
    assert row_counts() == before


def test_coach_ends_the_trajectory_and_then_only_sessions_and_outcome_remain(person, trajectory, stebo_coach):
    client = web(stebo_coach)

    response = client.post(action_url("end", trajectory), {"ended_on": "2017-06-30"})

    assert response.status_code == 302
    trajectory.refresh_from_db()
    assert trajectory.ended_on == D(2017, 6, 30)
    body = text(client.get(page_url(person)))
    assert "Trajectory ended" in body and '<time datetime="2017-06-30">' in body
    assert action_url("advance", trajectory) not in body and action_url("end", trajectory) not in body
    assert action_url("outcome", trajectory) in body and action_url("log_session", trajectory) in body


def test_an_ended_trajectory_refuses_a_phase_with_the_rule(person, trajectory, stebo_coach):
    trajectory_end(trajectory=trajectory, by=stebo_coach, ended_on=D(2017, 6, 30))

    response = web(stebo_coach).post(action_url("advance", trajectory), {"phase": 2, "on": "2017-07-01"})

    assert response.status_code == 400
    assert "an ended trajectory does not change phase" in text(response)


# Coaches and coordinators


def test_coordinator_reassigns_the_coach(person, trajectory, coordinator, unizo_coach, referrer):
    client = web(coordinator, second_factor=True)
    body = text(client.get(page_url(person)))
    assert f'<option value="{unizo_coach.pk}">{unizo_coach.get_full_name()} (UNIZO vzw)</option>' in body
    assert "(iDrops)</option>" not in body  # a referrer coaches nobody

    response = client.post(action_url("assign_coach", trajectory), {"coach": unizo_coach.pk})

    assert response.status_code == 302
    trajectory.refresh_from_db()
    assert trajectory.coach == unizo_coach


def test_coordinator_cannot_assign_someone_who_does_not_coach_in_the_programme(
    person, trajectory, coordinator, referrer, stebo_coach
):
    response = web(coordinator, second_factor=True).post(action_url("assign_coach", trajectory),
                                                         {"coach": referrer.pk})

    assert response.status_code == 400
    trajectory.refresh_from_db()
    assert trajectory.coach == stebo_coach


def test_a_coach_may_not_reassign_a_coach(person, trajectory, stebo_coach, unizo_coach):
    client = web(stebo_coach)

    response = client.post(action_url("assign_coach", trajectory), {"coach": unizo_coach.pk})

    assert response.status_code == 404
    trajectory.refresh_from_db()
    assert trajectory.coach == stebo_coach
    assert action_url("assign_coach", trajectory) not in text(client.get(page_url(person)))


def test_a_coach_of_a_shared_caseload_reads_the_page_but_cannot_act(person, trajectory, orgs):
    stebo = orgs["stebo"]
    stebo.coaches_share_caseload = True
    save_as(stebo, None)
    colleague = staff("coach.stebo.2", orgs["stebo"], StaffMember.Role.COACH)
    client = web(colleague)
    before = row_counts()

    response = client.get(page_url(person))

    assert response.status_code == 200
    body = text(response)
    assert "Amal Haddad" in body and "Phase 1: sensitisation" in body
    assert "<details" not in body and "only its coach or a coordinator of the programme can change it" in body
    for name, data in (("advance", {"phase": 2, "on": "2017-02-01"}), ("end", {"ended_on": "2017-06-30"}),
                       ("log_session", {"held_on": "2017-02-01", "duration_minutes": 30})):
        assert client.post(action_url(name, trajectory), data).status_code == 404, name
    assert row_counts() == before


def test_another_coach_gets_404_on_the_actions(person, trajectory, unizo_coach):
    before = row_counts()

    response = web(unizo_coach).post(action_url("advance", trajectory), {"phase": 2, "on": "2017-02-01"})

    assert response.status_code == 404
    assert row_counts() == before


# htmx


def test_an_htmx_action_returns_the_trajectory_section_to_swap_in(person, trajectory, stebo_coach):
    response = web(stebo_coach).post(action_url("advance", trajectory), {"phase": 2, "on": "2017-02-01"},
                                     HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    body = text(response).strip()
    assert body.startswith(f'<section id="trajectory-{trajectory.pk}"')
    assert "<html" not in body
    assert '<p class="notice" role="status">Phase 2 (information) entered on 02/01/2017.</p>' in body
    assert "Phase 2: information" in body
    assert AccessLog.objects.filter(action=AccessLog.Action.VIEW, participant_id=person.pk).count() == 1


def test_a_refused_htmx_action_returns_the_section_with_the_rule_and_status_200(person, trajectory, stebo_coach):
    response = web(stebo_coach).post(action_url("end", trajectory), {"ended_on": "2016-12-01"},
                                     HTTP_HX_REQUEST="true")

    assert response.status_code == 200  # htmx swaps only successful answers
    body = text(response).strip()
    assert body.startswith(f'<section id="trajectory-{trajectory.pk}"')
    assert "The end date lies between the last phase entry (2017-01-10)" in body
    assert 'role="alert"' in body and '<details class="action" open>' in body
    trajectory.refresh_from_db()
    assert trajectory.ended_on is None


def test_the_action_forms_post_plainly_and_with_htmx(person, trajectory, stebo_coach):
    body = text(web(stebo_coach).get(page_url(person)))

    url = action_url("advance", trajectory)
    assert (f'<form method="post" action="{url}" hx-post="{url}" hx-target="#trajectory-{trajectory.pk}" '
            'hx-swap="outerHTML">') in body
    assert "<script>" not in body and " style=" not in body and "hx-on" not in body  # the CSP allows neither


# Queries


def _build(*, trajectories: int, sessions: int, coach, referrer, programme, orgs, referrals: int = 1) -> Participant:
    """A person with `trajectories` trajectories in one programme (all but the last ended), each with
    phases, a screening and an outcome, and `sessions` sessions (individual and group) and `referrals`
    referrals (completed with a result, but the first, with their steps) on the last, in guidance."""
    participant = participant_register(by=referrer, first_name="Amal", last_name="Haddad", birth_year=1985,
                                       national_number="85.07.30-033.28", postcode=9000)
    for number in range(trajectories):
        start = D(2017, 1, 2) + datetime.timedelta(days=100 * number)
        trajectory = trajectory_open(participant=participant, programme=programme, by=referrer, coach=coach,
                                     referred_by=orgs["idrops"], entered_on=start, phase=3)
        screening_record(trajectory=trajectory, by=coach, screened_on=start, residence_permit_ok=True,
                         basic_management_knowledge=True, language_sufficient=True, financially_feasible=True,
                         potential="high", decision="guidance", notes="notes")
        trajectory_record_outcome(trajectory=trajectory, by=coach, outcome="employed", recorded_on=start)
        if number < trajectories - 1:
            trajectory_end(trajectory=trajectory, by=coach, ended_on=start + datetime.timedelta(days=50))
    for number in range(sessions):
        held_on = start + datetime.timedelta(days=number)
        if number % 2:
            session_log_individual(trajectory=trajectory, by=coach, held_on=held_on, duration_minutes=30,
                                   notes=f"notes {number}")
        else:
            group = session_plan_group(programme=programme, by=coach, kind="theme", held_on=held_on,
                                       duration_minutes=90, title=f"Theme {number}")
            session_record_attendance(session=group, by=coach, attended=[trajectory.pk])
    trajectory_advance(trajectory=trajectory, phase=4, on=start, by=coach)
    offers = SpecialisationOffer.objects.filter(programme=programme).select_related("organisation", "specialisation")
    for number, offer in enumerate(offers.order_by("pk")[:referrals]):
        consent_record(participant=participant, by=coach, purpose="share_with_partner", given_on=start,
                       version="1", organisation=offer.organisation)
        referral = referral_send(trajectory=trajectory, specialisation=offer.specialisation,
                                 organisation=offer.organisation, question=f"Question {number}", by=coach, on=start)
        if number:
            partner = StaffMemberFactory(organisation=offer.organisation, role=StaffMember.Role.PARTNER_SPECIALIST).user
            referral_accept(referral=referral, by=partner, on=start)
            referral_start(referral=referral, by=partner, on=start)
            referral_complete(referral=referral, by=partner, on=start, feedback=f"Feedback {number}",
                              result=RESULTS[offer.specialisation.result_kind])
    return participant


# A result of each kind of specialisation.
RESULTS = {
    "microcredit": {"amount_requested": Decimal("6000.00"), "credit_decision": "granted",
                    "amount_granted": Decimal("5000.00"), "decided_on": D(2017, 6, 1)},
    "feasibility": {"feasibility": "go", "summary": "Goed plan"},
    "personal_feasibility": {"advice": "Start in bijberoep"},
    "protected": {"route": "smart", "starts_on": D(2017, 6, 1)},
    "mentoring": {"company": "Bakkerij Peeters", "days": 5},
}


def _queries(client: Client, participant: Participant) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page_url(participant))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["coach", "coordinator", "referrer"])
def test_the_page_runs_the_same_number_of_queries_for_1_or_3_trajectories_5_or_30_sessions_1_or_5_referrals(
    ovv, orgs, stebo_coach, coordinator, referrer, role
):
    small = _build(trajectories=1, sessions=5, coach=stebo_coach, referrer=referrer, programme=ovv, orgs=orgs,
                   referrals=1)
    large = _build(trajectories=3, sessions=30, coach=stebo_coach, referrer=referrer, programme=ovv, orgs=orgs,
                   referrals=5)
    user = {"coach": stebo_coach, "coordinator": coordinator, "referrer": referrer}[role]
    client = web(user, second_factor=role == "coordinator")
    client.get(page_url(small))  # the session and the user are read once, as on any page

    counts = (_queries(client, small), _queries(client, large))

    assert counts[0] == counts[1], f"{role}: {counts[0]} queries for the small record, {counts[1]} for the large"
    # Referrals add four: the consents to share, the referrals with their results, their steps, and
    # what the trajectory may be referred to. The reminders' count in the navigation adds one.
    assert counts[1] <= 20, f"{role}: {counts[1]} queries"
    body = text(client.get(page_url(large)))
    assert body.count('class="event event-session"') == (0 if role == "referrer" else 30)
    assert body.count('class="event event-referral"') == (0 if role == "referrer" else 5)
