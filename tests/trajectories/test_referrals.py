"""Referrals to a specialisation, through the services: who sends and who answers them, from which
status each step goes, the consent gate and its override, the typed result of each kind, and what a
partner may see while a referral runs.

Every expectation is written out from the issue, never read from the rules under test (MOVES,
RESULT_FIELDS). One world is built for the module (see referral_factories); each test runs in a
savepoint of its own, so what one test writes is gone before the next.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from casemgmt.clock import today
from casemgmt.errors import RuleViolation
from tests.conftest import rolled_back
from tests.trajectories.factories import row_counts
from tests.trajectories.referral_factories import (
    GUIDANCE_ON,
    PATHS,
    ROLES,
    SENT_ON,
    VALID_RESULTS,
    Kind,
    Status,
    build_world,
    guided_trajectory,
    referral_in,
    send,
    share_with,
    take_step,
)
from trajectories.models import (
    Attendance,
    ConsentRecord,
    PhaseEntry,
    Referral,
    ReferralEvent,
    ReferralResult,
    Screening,
    Session,
    Trajectory,
)
from trajectories.policies import participants_visible_to, referrals_visible_to, restrict
from trajectories.services import (
    consent_record,
    consent_withdraw,
    referral_complete,
    referral_follow_up,
    screening_record,
    session_log_individual,
    trajectory_end,
)
from trajectories.services.referrals import MOVES

D = datetime.date
DAY = datetime.timedelta(days=1)
pytestmark = pytest.mark.django_db

REFERRAL_MODELS = (Referral, ReferralEvent, ReferralResult)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at its end; each test runs in a
    savepoint of its own (the django_db mark)."""
    with rolled_back(django_db_blocker):
        yield build_world()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def counts() -> dict[str, int]:
    """Rows and history rows of referrals, their steps and results."""
    return row_counts(*REFERRAL_MODELS)


def state_of(referral: Referral) -> dict:
    return Referral.objects.filter(pk=referral.pk).values(
        "status", "closed_on", "reason", "feedback", "consent_override_reason").get()


def last_event(referral: Referral) -> tuple:
    event = referral.events.order_by("-id").first()
    return event.status, event.on, event.by, event.note


def test_the_world_has_what_the_tests_assume(world):
    assert [world.trajectory.phase_entries.get(phase=4).entered_on, world.trajectory.coach] == [
        GUIDANCE_ON, world.user("coach")]
    offers = {(o.specialisation.result_kind, o.organisation.code) for o in world.ovv.specialisation_offers.all()}
    assert offers == {
        (Kind.MICROCREDIT, "microstart"), (Kind.PERSONAL_FEASIBILITY, "zenitor"),
        (Kind.FEASIBILITY, "starterslabos"), (Kind.FEASIBILITY, "unizo"),
        (Kind.PROTECTED, "starterslabos"), (Kind.PROTECTED, "smart"), (Kind.MENTORING, "exchange"),
    }
    assert not Referral.objects.exists()


# 1. Sending


def test_the_coach_sends_a_referral_that_is_dated_signed_and_in_the_history(world):
    coach = world.user("coach")
    before = counts()

    referral = send(world, question="  Can she get a microcredit for a sewing machine?  ")

    referral.refresh_from_db()
    assert (referral.status, referral.sent_on, referral.referred_by, referral.closed_on) == (
        Status.SENT, SENT_ON, coach, None)
    assert referral.question == "Can she get a microcredit for a sewing machine?"
    assert (referral.specialisation.code, referral.organisation.code) == ("microcredit", "microstart")
    assert referral.consent_override_reason == ""
    event = referral.events.get()
    assert (event.status, event.on, event.by, event.note) == (Status.SENT, SENT_ON, coach, "")
    assert [row.history_user for row in referral.history.all()] == [coach]
    assert [row.history_user for row in event.history.all()] == [coach]
    after = counts()
    assert (after["trajectories.Referral"], after["trajectories.ReferralEvent"]) == (
        before["trajectories.Referral"] + 1, before["trajectories.ReferralEvent"] + 1)


def test_a_coordinator_of_the_programme_sends_a_referral_too(world):
    coordinator = world.user("coordinator")

    referral = send(world, by=coordinator)

    assert (referral.status, referral.referred_by) == (Status.SENT, coordinator)
    assert last_event(referral) == (Status.SENT, SENT_ON, coordinator, "")


@pytest.mark.parametrize(
    "role", ["other_coach", "partner_microstart", "partner_zenitor", "referrer", "auditor", "superuser"])
def test_only_the_trajectorys_coach_or_a_coordinator_sends_a_referral(world, role):
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        send(world, by=world.user(role))

    assert refused.value.code == "referral_not_the_coach"
    assert counts() == before


@pytest.mark.parametrize("phase", [1, 2, 3])
def test_a_referral_before_phase_4_is_refused_with_a_clear_message(world, phase):
    # given a trajectory not yet in guidance, whose participant agreed to share with microStart
    trajectory = guided_trajectory(programme=world.ovv, coach=world.user("coach"), phase=phase)
    share_with(trajectory, world.organisations["microstart"], by=world.user("coach"))
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        send(world, trajectory=trajectory)

    assert refused.value.code == "referral_before_guidance"
    assert "phase 4" in refused.value.messages[0]
    assert counts() == before


@pytest.mark.parametrize(("kind", "organisation"), [
    (Kind.MICROCREDIT, "zenitor"),
    (Kind.FEASIBILITY, "microstart"),
    (Kind.PERSONAL_FEASIBILITY, "exchange"),
    (Kind.PROTECTED, "unizo"),
    (Kind.MENTORING, "smart"),
    (Kind.MICROCREDIT, "stebo"),
])
def test_a_referral_to_an_organisation_that_does_not_offer_the_specialisation_is_refused(
        world, kind, organisation):
    share_with(world.trajectory, world.organisations[organisation], by=world.user("coach"))
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        send(world, kind=kind, organisation=organisation)

    assert refused.value.code == "referral_not_offered"
    assert str(world.organisations[organisation]) in refused.value.messages[0]
    assert counts() == before


@pytest.mark.parametrize("status", [Status.SENT, Status.ACCEPTED, Status.IN_PROGRESS])
def test_a_second_open_referral_for_the_same_specialisation_is_refused(world, status):
    referral_in(world, status)
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        send(world, on=D(2017, 3, 10))

    assert refused.value.code == "referral_already_open"
    assert counts() == before


def test_an_open_referral_blocks_the_same_specialisation_at_another_organisation_too(world):
    for organisation in ("starterslabos", "unizo"):
        share_with(world.trajectory, world.organisations[organisation], by=world.user("coach"))
    send(world, kind=Kind.FEASIBILITY, organisation="starterslabos")

    with pytest.raises(RuleViolation) as refused:
        send(world, kind=Kind.FEASIBILITY, organisation="unizo")

    assert refused.value.code == "referral_already_open"


def test_an_open_referral_does_not_block_another_specialisation(world):
    share_with(world.trajectory, world.organisations["zenitor"], by=world.user("coach"))
    send(world)

    other = send(world, kind=Kind.PERSONAL_FEASIBILITY, organisation="zenitor")

    assert other.status == Status.SENT
    assert world.trajectory.referrals.filter(status=Status.SENT).count() == 2


@pytest.mark.parametrize("status", [Status.DECLINED, Status.WITHDRAWN, Status.STOPPED, Status.COMPLETED])
def test_the_same_specialisation_can_be_referred_again_once_the_first_referral_closed(world, status):
    first = referral_in(world, status)

    second = send(world, on=D(2017, 3, 10))

    assert second.status == Status.SENT
    assert state_of(first)["status"] == status
    assert world.trajectory.referrals.count() == 2


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_a_referral_without_the_coachs_question_is_refused(world, question):
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        send(world, question=question)

    assert refused.value.code == "referral_question_required"
    assert counts() == before


def test_an_ended_trajectory_is_not_referred(world):
    trajectory_end(trajectory=world.trajectory, by=world.user("coach"), ended_on=D(2017, 3, 5))
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        send(world, on=D(2017, 3, 6))

    assert refused.value.code == "trajectory_ended"
    assert counts() == before


@pytest.mark.parametrize("when", ["before guidance", "tomorrow"])
def test_a_referral_dated_before_the_entry_into_guidance_or_in_the_future_is_refused(world, when):
    on = GUIDANCE_ON - DAY if when == "before guidance" else today() + DAY
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        send(world, on=on)

    assert refused.value.code == "referral_date"
    assert str(GUIDANCE_ON) in refused.value.messages[0]
    assert counts() == before


@pytest.mark.parametrize("when", ["entry into guidance", "today"])
def test_a_referral_may_be_dated_from_the_entry_into_guidance_up_to_today(world, when):
    on = GUIDANCE_ON if when == "entry into guidance" else today()

    referral = send(world, on=on)

    assert (referral.sent_on, last_event(referral)[1]) == (on, on)


# 2. The consent gate and the coordinator's override


def test_without_consent_to_share_the_coach_cannot_refer(world):
    trajectory = guided_trajectory(programme=world.ovv, coach=world.user("coach"))
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        send(world, trajectory=trajectory)

    assert refused.value.code == "referral_needs_consent"
    assert "microStart" in refused.value.messages[0]
    assert counts() == before


def test_a_withdrawn_consent_counts_as_none(world):
    consent_withdraw(consent=world.consent, by=world.user("coach"), on=D(2017, 3, 5))
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        send(world, on=D(2017, 3, 6))

    assert refused.value.code == "referral_needs_consent"
    assert counts() == before


def test_a_withdrawn_consent_counts_as_none_even_for_a_referral_dated_before_the_withdrawal(world):
    # Sending opens the person's data to the partner now: a consent withdrawn since cannot cover that.
    consent_withdraw(consent=world.consent, by=world.user("coach"), on=D(2017, 3, 5))
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        send(world, on=D(2017, 3, 3))

    assert refused.value.code == "referral_needs_consent"
    assert counts() == before


def test_consent_to_share_with_another_organisation_does_not_count(world):
    trajectory = guided_trajectory(programme=world.ovv, coach=world.user("coach"))
    share_with(trajectory, world.organisations["zenitor"], by=world.user("coach"))
    consent_record(participant=trajectory.participant, by=world.user("coach"),
                   purpose=ConsentRecord.Purpose.PROGRAMME, given_on=GUIDANCE_ON, version="1")

    with pytest.raises(RuleViolation) as refused:
        send(world, trajectory=trajectory)

    assert refused.value.code == "referral_needs_consent"


def test_consent_given_after_the_referral_date_does_not_cover_it(world):
    trajectory = guided_trajectory(programme=world.ovv, coach=world.user("coach"))
    share_with(trajectory, world.organisations["microstart"], by=world.user("coach"), on=D(2017, 3, 10))

    with pytest.raises(RuleViolation) as refused:
        send(world, trajectory=trajectory, on=D(2017, 3, 5))

    assert refused.value.code == "referral_needs_consent"


def test_a_coach_cannot_override_missing_consent_even_with_a_reason(world):
    trajectory = guided_trajectory(programme=world.ovv, coach=world.user("coach"))

    with pytest.raises(RuleViolation) as refused:
        send(world, trajectory=trajectory, consent_override_reason="She agreed on the phone.")

    assert refused.value.code == "referral_needs_consent"


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_coordinator_overriding_missing_consent_must_give_a_reason(world, reason):
    trajectory = guided_trajectory(programme=world.ovv, coach=world.user("coach"))
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        send(world, trajectory=trajectory, by=world.user("coordinator"), consent_override_reason=reason)

    assert refused.value.code == "referral_override_needs_reason"
    assert counts() == before


def test_a_coordinator_with_a_reason_sends_without_consent_and_the_reason_is_logged(world):
    coordinator = world.user("coordinator")
    trajectory = guided_trajectory(programme=world.ovv, coach=world.user("coach"))

    referral = send(world, trajectory=trajectory, by=coordinator,
                    consent_override_reason="  Consent form lost in the move; she agreed in person.  ")

    referral.refresh_from_db()
    assert referral.status == Status.SENT
    assert referral.consent_override_reason == "Consent form lost in the move; she agreed in person."
    status, on, by, note = last_event(referral)
    assert (status, on, by) == (Status.SENT, SENT_ON, coordinator)
    assert "without consent" in note
    assert "Consent form lost in the move; she agreed in person." in note
    assert referral.history.get().consent_override_reason == referral.consent_override_reason


def test_with_consent_a_coordinators_override_reason_is_not_recorded(world):
    referral = send(world, by=world.user("coordinator"), consent_override_reason="Just in case.")

    assert state_of(referral)["consent_override_reason"] == ""
    assert last_event(referral)[3] == ""


# 3. Every step, from every status, by every role


# Written out from the issue: sent -> accepted or declined -> in progress -> completed or stopped; the
# coach (or a coordinator) may withdraw until it is completed. The service also lets the partner stop
# an accepted referral that never started.
ALLOWED_FROM = {
    "accept": {Status.SENT},
    "decline": {Status.SENT},
    "start": {Status.ACCEPTED},
    "complete": {Status.IN_PROGRESS},
    "stop": {Status.ACCEPTED, Status.IN_PROGRESS},
    "withdraw": {Status.SENT, Status.ACCEPTED, Status.IN_PROGRESS},
}
TARGET = {"accept": Status.ACCEPTED, "decline": Status.DECLINED, "start": Status.IN_PROGRESS,
          "complete": Status.COMPLETED, "stop": Status.STOPPED, "withdraw": Status.WITHDRAWN}
# Only the receiving organisation's staff answer; the coach or a coordinator withdraws.
ACTORS = {action: {"partner_microstart"} for action in ALLOWED_FROM} | {"withdraw": {"coach", "coordinator"}}
CLOSED = {Status.DECLINED, Status.COMPLETED, Status.STOPPED, Status.WITHDRAWN}
NEEDS_REASON = {"decline", "stop", "withdraw"}
STEP_ON = D(2017, 3, 10)  # after every step that brought the referral to its starting status

CASES = [(action, status, role) for action in ALLOWED_FROM for status in Status.values for role in ROLES]
ALLOWED = [(a, s, r) for a, s, r in CASES if s in ALLOWED_FROM[a] and r in ACTORS[a]]
FORBIDDEN = [case for case in CASES if case not in ALLOWED]


def test_the_matrix_covers_every_step_the_service_knows():
    assert set(MOVES) == set(ALLOWED_FROM)
    assert len(ALLOWED) == 12
    assert len(FORBIDDEN) == 6 * 7 * 8 - 12


@pytest.mark.parametrize(("action", "status", "role"), ALLOWED)
def test_the_right_actor_takes_a_step_from_a_status_it_starts_from(world, action, status, role):
    # given a referral brought to `status` through the services
    referral = referral_in(world, status)
    user = world.user(role)
    before = counts()

    # when
    take_step(world, referral, action, by=user, on=STEP_ON, reason="  She found a job.  ")

    # then
    referral.refresh_from_db()
    target = TARGET[action]
    assert referral.status == target
    assert referral.closed_on == (STEP_ON if target in CLOSED else None)
    assert referral.reason == ("She found a job." if action in NEEDS_REASON else "")
    note = "She found a job." if action in NEEDS_REASON else ""
    assert last_event(referral) == (target, STEP_ON, user, note)
    assert referral.history.first().history_user == user
    after = counts()
    assert after["trajectories.ReferralEvent"] == before["trajectories.ReferralEvent"] + 1
    assert after["trajectories.Referral history"] == before["trajectories.Referral history"] + 1
    assert after["trajectories.ReferralResult"] == before["trajectories.ReferralResult"] + (action == "complete")


def expected_refusal(action: str, role: str) -> str:
    """Who may act is checked first, so a stranger learns nothing about the referral's status."""
    if role not in ACTORS[action]:
        return "referral_not_the_coach" if action == "withdraw" else "referral_not_the_partner"
    return "referral_transition"


@pytest.mark.parametrize(("action", "status", "role"), FORBIDDEN)
def test_any_other_step_is_refused_and_changes_nothing(world, action, status, role):
    referral = referral_in(world, status)
    before, was = counts(), state_of(referral)

    with pytest.raises(RuleViolation) as refused:
        take_step(world, referral, action, by=world.user(role), on=STEP_ON)

    assert refused.value.code == expected_refusal(action, role)
    assert counts() == before
    assert state_of(referral) == was


@pytest.mark.parametrize(("action", "status", "role"), [
    ("decline", Status.SENT, "partner_microstart"),
    ("stop", Status.ACCEPTED, "partner_microstart"),
    ("stop", Status.IN_PROGRESS, "partner_microstart"),
    ("withdraw", Status.SENT, "coach"),
    ("withdraw", Status.IN_PROGRESS, "coordinator"),
])
@pytest.mark.parametrize("reason", ["", "  \n "])
def test_declining_stopping_and_withdrawing_need_a_reason(world, action, status, role, reason):
    referral = referral_in(world, status)
    before, was = counts(), state_of(referral)

    with pytest.raises(RuleViolation) as refused:
        take_step(world, referral, action, by=world.user(role), on=STEP_ON, reason=reason)

    assert refused.value.code == "referral_reason_required"
    assert counts() == before
    assert state_of(referral) == was


STEP_FROM = [
    ("accept", Status.SENT, "partner_microstart"),
    ("decline", Status.SENT, "partner_microstart"),
    ("start", Status.ACCEPTED, "partner_microstart"),
    ("complete", Status.IN_PROGRESS, "partner_microstart"),
    ("stop", Status.IN_PROGRESS, "partner_microstart"),
    ("withdraw", Status.ACCEPTED, "coach"),
]


@pytest.mark.parametrize(("action", "status", "role"), STEP_FROM)
@pytest.mark.parametrize("when", ["before the previous step", "tomorrow"])
def test_a_step_dated_before_the_previous_step_or_in_the_future_is_refused(world, action, status, role, when):
    referral = referral_in(world, status)
    previous = SENT_ON + len(PATHS[status]) * DAY
    on = previous - DAY if when == "before the previous step" else today() + DAY
    before, was = counts(), state_of(referral)

    with pytest.raises(RuleViolation) as refused:
        take_step(world, referral, action, by=world.user(role), on=on)

    assert refused.value.code == "referral_step_date"
    assert str(previous) in refused.value.messages[0]
    assert counts() == before
    assert state_of(referral) == was


@pytest.mark.parametrize(("action", "status", "role"), STEP_FROM)
def test_a_step_may_be_dated_on_the_day_of_the_previous_one(world, action, status, role):
    referral = referral_in(world, status)
    previous = SENT_ON + len(PATHS[status]) * DAY

    take_step(world, referral, action, by=world.user(role), on=previous)

    assert last_event(referral)[:2] == (TARGET[action], previous)


# 4. The result of each kind of specialisation


# The fields of each kind, from the issue; the required ones as the partner's form asks them.
FIELDS_OF_KIND = {
    Kind.MICROCREDIT: {"amount_requested", "credit_decision", "amount_granted", "decided_on",
                       "repayment_follow_up"},
    Kind.FEASIBILITY: {"feasibility", "summary"},
    Kind.PERSONAL_FEASIBILITY: {"advice"},
    Kind.PROTECTED: {"route", "starts_on", "ends_on"},
    Kind.MENTORING: {"company", "days", "mentor"},
}
REQUIRED = [
    (Kind.MICROCREDIT, "microstart", "amount_requested", "amount requested (EUR)"),
    (Kind.MICROCREDIT, "microstart", "credit_decision", "credit decision"),
    (Kind.FEASIBILITY, "starterslabos", "feasibility", "feasibility"),
    (Kind.FEASIBILITY, "unizo", "summary", "summary"),
    (Kind.PERSONAL_FEASIBILITY, "zenitor", "advice", "advice"),
    (Kind.PROTECTED, "smart", "route", "route"),
    (Kind.PROTECTED, "starterslabos", "starts_on", "starts on"),
    (Kind.MENTORING, "exchange", "company", "company"),
    (Kind.MENTORING, "exchange", "days", "days"),
]
RESULT_FIELDS = [f.name for f in ReferralResult._meta.concrete_fields if f.name not in ("id", "referral")]
COMPLETE_ON = D(2017, 3, 10)


def in_progress(world, kind: str, organisation: str) -> Referral:
    """A referral to `organisation` for a specialisation of `kind`, accepted and started, with the
    participant's consent to share with that organisation."""
    if organisation != "microstart":
        share_with(world.trajectory, world.organisations[organisation], by=world.user("coach"))
    return referral_in(world, Status.IN_PROGRESS, kind=kind, organisation=organisation)


def complete(world, referral: Referral, result: dict, *, feedback: str = "Went well.") -> Referral:
    return referral_complete(referral=referral, by=world.partners[referral.organisation.code],
                             on=COMPLETE_ON, feedback=feedback, result=result)


def filled(result: ReferralResult) -> dict:
    return {name: getattr(result, name) for name in RESULT_FIELDS if getattr(result, name) not in (None, "")}


def assert_unchanged(referral: Referral, before: dict) -> None:
    assert counts() == before
    assert state_of(referral)["status"] == Status.IN_PROGRESS
    assert not ReferralResult.objects.filter(referral=referral).exists()


def test_the_result_holds_exactly_the_fields_of_the_five_kinds():
    assert set(RESULT_FIELDS) == set().union(*FIELDS_OF_KIND.values())


GOOD_RESULTS = [
    pytest.param(Kind.MICROCREDIT, "microstart", {
        "amount_requested": Decimal("5000.00"), "credit_decision": "granted", "amount_granted": Decimal("4000.00"),
        "decided_on": D(2017, 3, 8), "repayment_follow_up": "First instalment on 1 May."},
        id="microcredit granted with follow-up"),
    pytest.param(Kind.MICROCREDIT, "microstart", {
        "amount_requested": Decimal("5000.00"), "credit_decision": "granted", "amount_granted": Decimal("5000.00"),
        "decided_on": D(2017, 3, 8)}, id="microcredit granted in full"),
    pytest.param(Kind.MICROCREDIT, "microstart", {
        "amount_requested": Decimal("12000.00"), "credit_decision": "refused", "decided_on": D(2017, 3, 8)},
        id="microcredit refused"),
    pytest.param(Kind.MICROCREDIT, "microstart", {
        "amount_requested": Decimal("3000.00"), "credit_decision": "pending"}, id="microcredit pending"),
    pytest.param(Kind.FEASIBILITY, "starterslabos", {"feasibility": "go", "summary": "There is a market."},
                 id="feasibility go at a Starterslabo"),
    pytest.param(Kind.FEASIBILITY, "unizo", {"feasibility": "no_go", "summary": "Too many competitors."},
                 id="feasibility no-go at UNIZO"),
    pytest.param(Kind.FEASIBILITY, "unizo", {"feasibility": "rework", "summary": "Rework the pricing."},
                 id="feasibility rework"),
    pytest.param(Kind.PERSONAL_FEASIBILITY, "zenitor", {"advice": "Ready; plan child care for market days."},
                 id="personal feasibility advice"),
    pytest.param(Kind.PROTECTED, "smart", {
        "route": "smart", "starts_on": D(2017, 4, 1), "ends_on": D(2017, 9, 30)}, id="protected via SMart"),
    pytest.param(Kind.PROTECTED, "starterslabos", {"route": "starterslabo", "starts_on": D(2017, 4, 1)},
                 id="protected at a Starterslabo, no end yet"),
    pytest.param(Kind.MENTORING, "exchange", {"company": "Brouwerij De Koninck", "days": 5, "mentor": "An Peeters"},
                 id="mentoring with a mentor"),
    pytest.param(Kind.MENTORING, "exchange", {"company": "Bakkerij Aya", "days": 2}, id="job shadowing"),
]


@pytest.mark.parametrize(("kind", "organisation", "result"), GOOD_RESULTS)
def test_completing_records_the_partners_feedback_and_exactly_the_result_of_its_kind(
        world, kind, organisation, result):
    referral = in_progress(world, kind, organisation)
    partner = world.partners[organisation]

    complete(world, referral, dict(result), feedback="  She is ready to start.  ")

    referral.refresh_from_db()
    assert (referral.status, referral.closed_on, referral.feedback) == (
        Status.COMPLETED, COMPLETE_ON, "She is ready to start.")
    stored = ReferralResult.objects.get(referral=referral)
    assert filled(stored) == result
    assert set(filled(stored)) <= FIELDS_OF_KIND[kind]
    assert stored.history.get().history_user == partner
    assert last_event(referral) == (Status.COMPLETED, COMPLETE_ON, partner, "")


@pytest.mark.parametrize(("kind", "organisation", "missing", "label"), REQUIRED)
def test_a_result_missing_a_required_field_is_refused_naming_the_field(world, kind, organisation, missing, label):
    referral = in_progress(world, kind, organisation)
    result = {name: value for name, value in VALID_RESULTS[kind].items() if name != missing}
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        complete(world, referral, result)

    assert refused.value.code == "referral_result_incomplete"
    assert label in refused.value.messages[0]
    assert_unchanged(referral, before)


@pytest.mark.parametrize(("kind", "organisation", "blank", "label"), [
    (Kind.FEASIBILITY, "unizo", "summary", "summary"),
    (Kind.PERSONAL_FEASIBILITY, "zenitor", "advice", "advice"),
    (Kind.MENTORING, "exchange", "company", "company"),
])
def test_a_required_text_of_only_spaces_counts_as_missing(world, kind, organisation, blank, label):
    referral = in_progress(world, kind, organisation)
    result = dict(VALID_RESULTS[kind]) | {blank: "   "}
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        complete(world, referral, result)

    assert refused.value.code == "referral_result_incomplete"
    assert label in refused.value.messages[0]
    assert_unchanged(referral, before)


@pytest.mark.parametrize(("kind", "organisation", "foreign"), [
    (Kind.MICROCREDIT, "microstart", {"advice": "Start small."}),
    (Kind.FEASIBILITY, "starterslabos", {"amount_requested": Decimal("1000.00")}),
    (Kind.PERSONAL_FEASIBILITY, "zenitor", {"route": "smart"}),
    (Kind.PROTECTED, "smart", {"company": "Bakkerij Aya"}),
    (Kind.MENTORING, "exchange", {"feasibility": "go"}),
])
def test_a_field_of_another_kind_is_refused(world, kind, organisation, foreign):
    referral = in_progress(world, kind, organisation)
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        complete(world, referral, dict(VALID_RESULTS[kind]) | foreign)

    assert refused.value.code == "referral_result_foreign_fields"
    assert next(iter(foreign)) in refused.value.messages[0]
    assert_unchanged(referral, before)


@pytest.mark.parametrize("without", ["amount_granted", "decided_on"])
def test_a_granted_microcredit_needs_the_amount_granted_and_the_decision_date(world, without):
    referral = in_progress(world, Kind.MICROCREDIT, "microstart")
    result = {name: value for name, value in VALID_RESULTS[Kind.MICROCREDIT].items() if name != without}
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        complete(world, referral, result)

    assert refused.value.code == "referral_credit_incomplete"
    assert_unchanged(referral, before)


def test_more_granted_than_requested_is_refused(world):
    referral = in_progress(world, Kind.MICROCREDIT, "microstart")
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        complete(world, referral, dict(VALID_RESULTS[Kind.MICROCREDIT]) | {"amount_granted": Decimal("5000.01")})

    assert refused.value.code == "referral_credit_too_much"
    assert "5000.01" in refused.value.messages[0]
    assert_unchanged(referral, before)


@pytest.mark.parametrize("decision", ["refused", "pending"])
def test_an_amount_granted_on_a_credit_that_was_not_granted_is_refused(world, decision):
    referral = in_progress(world, Kind.MICROCREDIT, "microstart")
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        complete(world, referral, dict(VALID_RESULTS[Kind.MICROCREDIT]) | {"credit_decision": decision})

    assert refused.value.code == "referral_credit_amount"
    assert_unchanged(referral, before)


def test_a_protected_route_that_ends_before_it_starts_is_refused(world):
    referral = in_progress(world, Kind.PROTECTED, "smart")
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        complete(world, referral, {"route": "smart", "starts_on": D(2017, 4, 1), "ends_on": D(2017, 3, 31)})

    assert refused.value.code == "referral_route_dates"
    assert_unchanged(referral, before)


def test_an_unknown_choice_in_a_result_is_refused_and_changes_nothing(world):
    referral = in_progress(world, Kind.FEASIBILITY, "unizo")
    before = counts()

    with pytest.raises(ValidationError) as refused:
        complete(world, referral, {"feasibility": "maybe", "summary": "Not sure."})

    assert "feasibility" in refused.value.message_dict
    assert_unchanged(referral, before)


@pytest.mark.parametrize("feedback", ["", "   "])
def test_completing_needs_the_partners_feedback(world, feedback):
    referral = in_progress(world, Kind.MICROCREDIT, "microstart")
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        complete(world, referral, dict(VALID_RESULTS[Kind.MICROCREDIT]), feedback=feedback)

    assert refused.value.code == "referral_feedback_required"
    assert_unchanged(referral, before)


# Repayment follow-up of a granted microcredit


def test_the_partner_follows_up_the_repayment_of_a_granted_microcredit(world):
    referral = referral_in(world, Status.COMPLETED)
    partner = world.user("partner_microstart")

    referral_follow_up(referral=referral, by=partner, repayment_follow_up="  Repays on time.  ")

    result = ReferralResult.objects.get(referral=referral)
    assert result.repayment_follow_up == "Repays on time."
    assert result.credit_decision == "granted"
    assert result.history.first().history_user == partner


@pytest.mark.parametrize("role", [role for role in ROLES if role != "partner_microstart"])
def test_only_the_partner_follows_up_a_microcredit(world, role):
    referral = referral_in(world, Status.COMPLETED)
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        referral_follow_up(referral=referral, by=world.user(role), repayment_follow_up="Repays on time.")

    assert refused.value.code == "referral_not_the_partner"
    assert counts() == before


@pytest.mark.parametrize("decision", ["refused", "pending"])
def test_there_is_no_follow_up_of_a_microcredit_that_was_not_granted(world, decision):
    result = {"amount_requested": Decimal("5000.00"), "credit_decision": decision}
    referral = referral_in(world, Status.COMPLETED, result=result)
    before = counts()

    with pytest.raises(RuleViolation) as refused:
        referral_follow_up(referral=referral, by=world.user("partner_microstart"),
                           repayment_follow_up="Repays on time.")

    assert refused.value.code == "referral_follow_up_not_credit"
    assert counts() == before


def test_there_is_no_follow_up_before_the_microcredit_is_decided(world):
    referral = referral_in(world, Status.IN_PROGRESS)

    with pytest.raises(RuleViolation) as refused:
        referral_follow_up(referral=referral, by=world.user("partner_microstart"),
                           repayment_follow_up="Repays on time.")

    assert refused.value.code == "referral_follow_up_not_credit"


def test_there_is_no_repayment_follow_up_of_another_kind_of_specialisation(world):
    share_with(world.trajectory, world.organisations["zenitor"], by=world.user("coach"))
    referral = referral_in(world, Status.COMPLETED, kind=Kind.PERSONAL_FEASIBILITY, organisation="zenitor")

    with pytest.raises(RuleViolation) as refused:
        referral_follow_up(referral=referral, by=world.user("partner_zenitor"),
                           repayment_follow_up="Repays on time.")

    assert refused.value.code == "referral_follow_up_not_credit"
    assert filled(ReferralResult.objects.get(referral=referral)) == VALID_RESULTS[Kind.PERSONAL_FEASIBILITY]


# 5. What a partner sees


def sees_participant(world, role: str, *, for_change: bool = False) -> bool:
    return participants_visible_to(world.user(role), for_change=for_change).filter(
        pk=world.trajectory.participant_id).exists()


@pytest.mark.parametrize("status", [Status.SENT, Status.ACCEPTED, Status.IN_PROGRESS])
def test_the_partner_sees_the_referred_participant_while_the_referral_is_open(world, status):
    referral = referral_in(world, status)

    assert sees_participant(world, "partner_microstart")
    assert list(referrals_visible_to(world.user("partner_microstart"))) == [referral]
    assert list(restrict(ReferralEvent.objects.all(), world.user("partner_microstart"))) == list(
        referral.events.all())


@pytest.mark.parametrize("status", sorted(CLOSED))
@pytest.mark.parametrize(("days_ago", "sees"), [(0, True), (10, True), (11, False), (400, False)])
def test_the_partner_sees_the_participant_for_a_set_number_of_days_after_the_referral_closed(
        world, settings, status, days_ago, sees):
    settings.REFERRAL_PARTNER_ACCESS_DAYS = 10
    referral_in(world, status, last_on=today() - datetime.timedelta(days=days_ago))

    assert sees_participant(world, "partner_microstart") is sees
    assert referrals_visible_to(world.user("partner_microstart")).exists() is sees
    assert not sees_participant(world, "partner_microstart", for_change=True)


@pytest.mark.parametrize("status", Status.values)
def test_a_partner_of_another_organisation_never_sees_the_participant(world, status):
    referral_in(world, status, last_on=today() if status in CLOSED else None)

    assert sees_participant(world, "partner_microstart")
    assert not sees_participant(world, "partner_zenitor")
    assert not referrals_visible_to(world.user("partner_zenitor")).exists()


def test_the_partner_does_not_see_a_participant_without_a_referral_to_them(world):
    other = guided_trajectory(programme=world.ovv, coach=world.user("coach"))
    share_with(other, world.organisations["microstart"], by=world.user("coach"))
    referral_in(world, Status.SENT)

    visible = set(participants_visible_to(world.user("partner_microstart")).values_list("pk", flat=True))

    assert visible == {world.trajectory.participant_id}


@pytest.mark.parametrize("model", [Trajectory, PhaseEntry, Screening, Session, Attendance, ConsentRecord])
@pytest.mark.parametrize("role", ["partner_microstart", "partner_zenitor"])
def test_a_partner_never_sees_the_trajectory_its_sessions_or_its_screening(world, model, role):
    # given an open referral, and every kind of case record about the referred person
    coach = world.user("coach")
    screening_record(trajectory=world.trajectory, by=coach, screened_on=GUIDANCE_ON, residence_permit_ok=True,
                     basic_management_knowledge=True, language_sufficient=True, financially_feasible=True,
                     potential=Screening.Potential.HIGH, decision=Screening.Decision.GUIDANCE)
    session_log_individual(trajectory=world.trajectory, by=coach, held_on=D(2017, 3, 3), duration_minutes=45,
                           title="Preparing the microcredit file", notes="Worried about her debts.")
    referral_in(world, Status.IN_PROGRESS)
    assert model.objects.exists()

    # when / then
    for for_change in (False, True):
        assert not restrict(model.objects.all(), world.user(role), for_change=for_change).exists()


def test_without_a_referral_a_partner_sees_nobody(world):
    for role in ("partner_microstart", "partner_zenitor"):
        assert not participants_visible_to(world.user(role)).exists()
