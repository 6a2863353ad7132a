"""Referrals through the API: who sees which referrals and which of their fields, sending one, every
answer allowed to the roles the pages allow it to and refused to everyone else (404 where the referral
is out of sight, 403 where it is in sight but not theirs to answer, 400 where a rule refuses the step,
and nothing changed), the filters, and a fixed number of queries per list at two sizes.

One world is built for the module (tests/trajectories/referral_factories); each test runs in a savepoint
of its own."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casemgmt.clock import today
from casemgmt.models import AccessLog
from tests.conftest import api_error as error
from tests.conftest import rolled_back
from tests.trajectories.api_clients import api
from tests.trajectories.factories import row_counts
from tests.trajectories.referral_factories import (
    ROLES,
    SENT_ON,
    Kind,
    Status,
    build_world,
    guided_trajectory,
    referral_in,
    send,
    share_with,
)
from trajectories.models import Referral, ReferralEvent, ReferralResult

pytestmark = pytest.mark.django_db

D = datetime.date
TWO_FACTOR = {"coordinator", "auditor", "superuser"}
LIST = "/api/v1/referrals/"

# What a partner sees of a referral, and of the person in it: what the referral page shows them.
PARTNER_FIELDS = {"id", "audience", "status", "specialisation", "organisation", "sent_on", "closed_on",
                  "question", "reason", "feedback", "coach", "participant", "steps", "result", "actions"}
PARTNER_PERSON = {"first_name", "last_name", "email", "phone", "languages", "business_idea"}
# Coaches, coordinators, auditors and admins see that, and the ids that lead on.
FULL_FIELDS = PARTNER_FIELDS | {"trajectory", "programme", "referred_by", "consent_override_reason"}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield build_world()



def detail(referral: Referral, action: str = "") -> str:
    return f"{LIST}{referral.pk}/" + (f"{action}/" if action else "")


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}



def counts() -> dict[str, int]:
    return row_counts(Referral, ReferralEvent, ReferralResult)


@pytest.fixture
def two(world):
    """An open referral to microStart (consent given) and one to Zenitor sent by the coordinator without
    consent, both of the coach's trajectory."""
    microstart = send(world)
    zenitor = send(world, kind=Kind.PERSONAL_FEASIBILITY, organisation="zenitor",
                   by=world.user("coordinator"), consent_override_reason="Urgent: the credit depends on it.")
    return microstart, zenitor


# Who sees which referrals


@pytest.mark.parametrize(("role", "sees"), [
    ("coach", {"microstart", "zenitor"}),
    ("coordinator", {"microstart", "zenitor"}),
    ("auditor", {"microstart", "zenitor"}),
    ("superuser", {"microstart", "zenitor"}),
    ("partner_microstart", {"microstart"}),
    ("partner_zenitor", {"zenitor"}),
    ("other_coach", set()),  # Stebo's coaches do not share their caseload
    ("referrer", set()),
])
def test_each_role_lists_the_referrals_the_policy_lets_it_see(world, two, role, sees):
    by_name = dict(zip(("microstart", "zenitor"), two, strict=True))
    client = api(world.user(role))

    listed = ids(client.get(LIST))

    assert listed == {by_name[name].pk for name in sees}
    for name, referral in by_name.items():
        assert client.get(detail(referral)).status_code == (200 if name in sees else 404)


def test_a_partner_sees_only_what_the_referral_needs(world, two):
    microstart, _zenitor = two

    row = api(world.user("partner_microstart")).get(LIST).json()["results"][0]

    assert set(row) == PARTNER_FIELDS
    assert row["audience"] == "partner"
    assert set(row["participant"]) == PARTNER_PERSON
    assert row["specialisation"] == {"code": "microcredit", "name": microstart.specialisation.name,
                                     "result_kind": "microcredit"}
    assert row["organisation"]["code"] == "microstart"
    assert row["coach"]["name"] and "email" in row["coach"]
    assert row["question"] == "Can she get a microcredit for a sewing machine?"
    assert row["actions"] == ["accept", "decline"]
    assert [step["status"] for step in row["steps"]] == ["sent"]


def test_the_people_who_coach_see_the_ids_that_lead_on_and_why_it_went_without_consent(world, two):
    _microstart, zenitor = two

    row = api(world.user("coach")).get(detail(zenitor)).json()

    assert set(row) == FULL_FIELDS
    assert row["audience"] == "full"
    assert set(row["participant"]) == PARTNER_PERSON | {"id"}
    assert (row["trajectory"], row["programme"]) == (world.trajectory.pk, "OVV")
    assert row["participant"]["id"] == world.trajectory.participant_id
    assert row["consent_override_reason"] == "Urgent: the credit depends on it."
    assert row["referred_by"]
    assert row["actions"] == ["withdraw"]


def test_the_partners_view_names_nothing_else_of_the_file(world, two):
    participant = world.trajectory.participant

    body = api(world.user("partner_microstart")).get(LIST).content.decode()

    for hidden in ("national_number", "birth_year", "gender", "nationality", "postcode", "education",
                   "consent_override_reason", "trajectory", "referred_by"):
        assert hidden not in body
    assert f'"id":{participant.pk},"first_name"' not in body.replace(" ", "")


def test_a_partner_who_answers_with_a_step_dated_long_ago_sees_the_answer_and_then_no_more(world):
    referral = referral_in(world, Status.SENT)

    response = api(world.user("partner_microstart")).post(detail(referral, "decline"),
                                                           {"reason": "No capacity.", "on": "2017-03-03"})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["closed_on"]) == ("declined", "2017-03-03")
    assert [step["status"] for step in response.json()["steps"]] == ["sent", "declined"]
    assert api(world.user("partner_microstart")).get(detail(referral)).status_code == 404


def test_a_partner_loses_sight_of_a_referral_some_time_after_it_closed(world):
    declined = referral_in(world, Status.DECLINED)  # closed in 2017, long past the access window

    assert api(world.user("partner_microstart")).get(detail(declined)).status_code == 404
    assert ids(api(world.user("partner_microstart")).get(LIST)) == set()
    assert api(world.user("coach")).get(detail(declined)).status_code == 200


def test_looking_at_a_referral_is_logged_with_the_person(world, two):
    microstart, _zenitor = two

    api(world.user("partner_microstart")).get(detail(microstart))

    log = AccessLog.objects.filter(action=AccessLog.Action.VIEW, object_id=str(microstart.pk)).get()
    assert (log.user, log.participant_id) == (world.user("partner_microstart"), world.trajectory.participant_id)


def test_a_referral_that_does_not_exist_and_a_malformed_id_are_404s_in_the_error_shape(world):
    client = api(world.user("coach"))

    for path in (f"{LIST}999999/", f"{LIST}abc/", f"{LIST}1.5/", f"{LIST}99999999999999999999999/",
                 f"{LIST}999999/accept/", f"{LIST}9.5e-47/accept/"):
        response = client.get(path) if not path.endswith("accept/") else client.post(path, {})
        assert response.status_code == 404
        assert error(response)["code"] == "not_found"


# Sending


def create_body(world, **overrides) -> dict:
    return {"trajectory": world.trajectory.pk, "specialisation": "microcredit", "organisation": "microstart",
            "question": "Can she get a microcredit?", **overrides}


@pytest.mark.parametrize("role", ["coach", "coordinator"])
def test_the_coach_or_a_coordinator_sends_a_referral(world, role):
    response = api(world.user(role)).post(LIST, create_body(world, sent_on="2017-03-02"))

    assert response.status_code == 201, response.content
    data = response.json()
    referral = Referral.objects.get(pk=data["id"])
    assert (referral.status, referral.sent_on, referral.referred_by) == (Status.SENT, SENT_ON, world.user(role))
    assert data["status"] == "sent" and data["audience"] == "full"
    assert referral.events.get().by == world.user(role)


@pytest.mark.parametrize("role", ["partner_microstart", "referrer", "auditor", "superuser"])
def test_no_one_else_sends_a_referral(world, role):
    before = counts()

    response = api(world.user(role)).post(LIST, create_body(world))

    assert response.status_code == 403
    assert error(response)["code"] == "permission_denied"
    assert counts() == before


def test_another_coach_cannot_refer_a_trajectory_they_do_not_coach(world):
    before = counts()

    response = api(world.user("other_coach")).post(LIST, create_body(world))

    assert response.status_code == 400
    assert "trajectory" in error(response)["fields"]
    assert counts() == before


def test_without_consent_a_coach_is_refused_with_the_rule_and_a_coordinator_needs_a_reason(world):
    body = create_body(world, specialisation="personal-feasibility", organisation="zenitor")
    before = counts()

    refused = api(world.user("coach")).post(LIST, body)
    no_reason = api(world.user("coordinator")).post(LIST, body)
    sent = api(world.user("coordinator")).post(LIST, {**body, "consent_override_reason": "Urgent."})

    assert (refused.status_code, error(refused)["code"]) == (400, "referral_needs_consent")
    assert "Zenitor" in error(refused)["message"]
    assert (no_reason.status_code, error(no_reason)["code"]) == (400, "referral_override_needs_reason")
    assert sent.status_code == 201
    assert sent.json()["consent_override_reason"] == "Urgent."
    assert counts()["trajectories.Referral"] == before["trajectories.Referral"] + 1


@pytest.mark.parametrize(("body", "field"), [
    ({"specialisation": "nope"}, "specialisation"),
    ({"organisation": "nope"}, "organisation"),
    ({"question": ""}, "question"),
    ({"sent_on": "02-03-2017"}, "sent_on"),
    ({"trajectory": 999999}, "trajectory"),
])
def test_bad_input_to_send_is_a_400_on_its_field(world, body, field):
    response = api(world.user("coach")).post(LIST, create_body(world, **body))

    assert response.status_code == 400
    assert error(response)["code"] == "invalid"
    assert field in error(response)["fields"]


def test_a_specialisation_the_organisation_does_not_offer_is_refused_by_the_rule(world):
    response = api(world.user("coach")).post(LIST, create_body(world, organisation="zenitor"))

    assert (response.status_code, error(response)["code"]) == (400, "referral_not_offered")


# The answers: allowed to whom the pages allow them, refused to everyone else

PARTNER_STEPS = {
    # action: (status it starts from, body)
    "accept": (Status.SENT, {"on": "2017-03-03"}),
    "decline": (Status.SENT, {"reason": "No capacity this month.", "on": "2017-03-03"}),
    "start": (Status.ACCEPTED, {}),
    "stop": (Status.IN_PROGRESS, {"reason": "The participant moved."}),
    "complete": (Status.IN_PROGRESS, {"feedback": "Credit granted.", "result": {
        "amount_requested": "5000.00", "credit_decision": "granted", "amount_granted": "4000.00",
        "decided_on": "2017-03-10"}}),
}
AFTER = {"accept": Status.ACCEPTED, "decline": Status.DECLINED, "start": Status.IN_PROGRESS,
         "stop": Status.STOPPED, "complete": Status.COMPLETED}
# Who sees a microStart referral of the coach's trajectory (and so gets 403 rather than 404).
SEES = {"coach", "coordinator", "auditor", "superuser", "partner_microstart"}


@pytest.mark.parametrize("action", PARTNER_STEPS)
@pytest.mark.parametrize("role", ROLES)
def test_only_the_receiving_partner_takes_a_partner_step(world, action, role):
    start, body = PARTNER_STEPS[action]
    referral = referral_in(world, start)
    before = counts()

    response = api(world.user(role)).post(detail(referral, action), body)

    if role == "partner_microstart":
        assert response.status_code == 200, response.content
        assert response.json()["status"] == AFTER[action]
        referral.refresh_from_db()
        assert referral.status == AFTER[action]
        assert referral.events.order_by("-id").first().by == world.user(role)
        return
    assert response.status_code == (403 if role in SEES else 404)
    assert error(response)["code"] == ("permission_denied" if role in SEES else "not_found")
    assert counts() == before


@pytest.mark.parametrize("role", ROLES)
def test_only_the_coach_or_a_coordinator_withdraws(world, role):
    referral = referral_in(world, Status.ACCEPTED)
    before = counts()

    response = api(world.user(role)).post(detail(referral, "withdraw"), {"reason": "Found another route."})

    if role in ("coach", "coordinator"):
        assert response.status_code == 200, response.content
        referral.refresh_from_db()
        assert (referral.status, referral.reason) == (Status.WITHDRAWN, "Found another route.")
        return
    assert response.status_code == (403 if role in SEES else 404)
    assert counts() == before


@pytest.mark.parametrize(("start", "action"), [
    (Status.ACCEPTED, "accept"), (Status.SENT, "start"), (Status.SENT, "complete"),
    (Status.DECLINED, "stop"), (Status.COMPLETED, "decline"),
])
def test_a_step_its_status_does_not_allow_is_refused_by_the_rule(world, start, action):
    referral = referral_in(world, start, last_on=today() - datetime.timedelta(days=1))
    before = counts()

    response = api(world.user("partner_microstart")).post(detail(referral, action), PARTNER_STEPS[action][1])

    assert response.status_code == 400
    assert error(response)["code"] == "referral_transition"
    assert counts() == before


def test_a_withdrawal_of_a_closed_referral_is_refused_by_the_rule(world):
    referral = referral_in(world, Status.COMPLETED)

    response = api(world.user("coach")).post(detail(referral, "withdraw"), {"reason": "Too late."})

    assert (response.status_code, error(response)["code"]) == (400, "referral_transition")


@pytest.mark.parametrize(("action", "field"), [("decline", "reason"), ("stop", "reason"),
                                               ("complete", "feedback"), ("complete", "result")])
def test_a_step_without_what_it_needs_is_a_400_on_the_field(world, action, field):
    start, body = PARTNER_STEPS[action]
    referral = referral_in(world, start)
    before = counts()

    response = api(world.user("partner_microstart")).post(
        detail(referral, action), {name: value for name, value in body.items() if name != field})

    assert response.status_code == 400
    assert field in error(response)["fields"]
    assert counts() == before


def test_a_step_dated_before_the_previous_one_is_refused(world):
    referral = referral_in(world, Status.SENT)

    response = api(world.user("partner_microstart")).post(detail(referral, "accept"), {"on": "2017-03-01"})

    assert (response.status_code, error(response)["code"]) == (400, "referral_step_date")


def test_completing_records_the_typed_result_of_the_kind_and_only_its_fields(world):
    referral = referral_in(world, Status.IN_PROGRESS)

    response = api(world.user("partner_microstart")).post(detail(referral, "complete"),
                                                           PARTNER_STEPS["complete"][1])

    assert response.status_code == 200
    data = response.json()
    assert data["feedback"] == "Credit granted."
    assert data["result"] == {"amount_requested": "5000.00", "credit_decision": "granted",
                              "amount_granted": "4000.00", "decided_on": "2017-03-10",
                              "repayment_follow_up": ""}
    assert data["actions"] == ["follow-up"]
    assert ReferralResult.objects.get(referral=referral).amount_granted == 4000


@pytest.mark.parametrize(("result", "code", "field"), [
    ({"amount_requested": "5000.00", "credit_decision": "granted", "amount_granted": "4000.00",
      "decided_on": "2017-03-10", "company": "Brouwerij"}, "referral_result_foreign_fields", None),
    ({"credit_decision": "granted"}, "referral_result_incomplete", None),
    ({"amount_requested": "5000.00", "credit_decision": "granted", "amount_granted": "6000.00",
      "decided_on": "2017-03-10"}, "referral_credit_too_much", None),
    ({"amount_requested": "5000.00", "credit_decision": "maybe"}, "invalid", "result"),
    ({"amount_requested": "5000.00", "credit_decision": "refused", "colour": "red"}, "invalid", "result"),
])
def test_a_result_that_does_not_fit_the_kind_is_refused_and_nothing_is_written(world, result, code, field):
    referral = referral_in(world, Status.IN_PROGRESS)
    before = counts()

    response = api(world.user("partner_microstart")).post(
        detail(referral, "complete"), {"feedback": "Done.", "result": result})

    assert response.status_code == 400
    assert error(response)["code"] == code
    if field:
        assert field in error(response)["fields"]
    assert counts() == before
    referral.refresh_from_db()
    assert referral.status == Status.IN_PROGRESS


def test_the_partner_follows_up_a_granted_credit_after_it_closed(world):
    referral = referral_in(world, Status.COMPLETED, last_on=today())

    response = api(world.user("partner_microstart")).post(
        detail(referral, "follow-up"), {"repayment_follow_up": "Repaying on schedule."})

    assert response.status_code == 200
    assert response.json()["result"]["repayment_follow_up"] == "Repaying on schedule."


def test_a_follow_up_belongs_to_a_granted_credit(world):
    referral = referral_in(world, Status.COMPLETED, last_on=today(),
                           result={"amount_requested": "5000.00", "credit_decision": "refused"})

    response = api(world.user("partner_microstart")).post(detail(referral, "follow-up"),
                                                           {"repayment_follow_up": "n/a"})
    coach = api(world.user("coach")).post(detail(referral, "follow-up"), {"repayment_follow_up": "n/a"})

    assert (response.status_code, error(response)["code"]) == (400, "referral_follow_up_not_credit")
    assert coach.status_code == 403


def test_the_actions_offered_follow_the_status(world):
    client = api(world.user("partner_microstart"))
    offered = {}
    for status in (Status.SENT, Status.ACCEPTED, Status.IN_PROGRESS):
        referral = referral_in(world, status, kind=Kind.MICROCREDIT)
        offered[status] = client.get(detail(referral)).json()["actions"]
        api(world.user("coach")).post(detail(referral, "withdraw"), {"reason": "Next."})

    assert offered == {Status.SENT: ["accept", "decline"], Status.ACCEPTED: ["start", "stop"],
                       Status.IN_PROGRESS: ["complete", "stop"]}


def test_a_get_on_an_action_is_a_405_in_the_error_shape(world, two):
    response = api(world.user("partner_microstart")).get(detail(two[0], "accept"))

    assert response.status_code == 405
    assert error(response)["code"] == "method_not_allowed"


# Filters and ordering


def test_the_list_filters_by_status_organisation_specialisation_and_dates(world, two):
    microstart, zenitor = two
    share_with(world.trajectory, world.organisations["exchange"], by=world.user("coach"))
    declined = referral_in(world, Status.DECLINED, kind=Kind.MENTORING, organisation="exchange")
    client = api(world.user("coach"))

    assert ids(client.get(LIST, {"status": "open"})) == {microstart.pk, zenitor.pk}
    assert ids(client.get(LIST, {"status": "declined"})) == {declined.pk}
    assert ids(client.get(LIST, {"organisation": "zenitor"})) == {zenitor.pk}
    assert ids(client.get(LIST, {"specialisation": "microcredit"})) == {microstart.pk}
    assert ids(client.get(LIST, {"programme": "ovv"})) == {microstart.pk, zenitor.pk, declined.pk}
    assert ids(client.get(LIST, {"trajectory": world.trajectory.pk, "sent_from": "2017-03-02",
                                 "sent_to": "2017-03-02"})) == {microstart.pk, zenitor.pk, declined.pk}
    assert ids(client.get(LIST, {"sent_from": "2017-03-03"})) == set()


def test_the_list_is_ordered_newest_first_unless_asked(world):
    other = guided_trajectory(programme=world.ovv, coach=world.user("coach"))
    share_with(other, world.organisations["microstart"], by=world.user("coach"))
    first = send(world, on=D(2017, 3, 2))
    second = send(world, trajectory=other, on=D(2017, 3, 5))
    client = api(world.user("coach"))

    newest_first = [row["id"] for row in client.get(LIST).json()["results"]]
    oldest_first = [row["id"] for row in client.get(LIST, {"ordering": "sent_on"}).json()["results"]]

    assert newest_first == [second.pk, first.pk]
    assert oldest_first == [first.pk, second.pk]


@pytest.mark.parametrize("query", [{"status": "lost"}, {"sent_from": "yesterday"}, {"trajectory": "x"},
                                   {"trajectory": "-1.7976931348623157e+308"}, {"trajectory": "1.5"},
                                   {"trajectory": str(2**70)}])
def test_a_bad_filter_is_a_400_in_the_error_shape(world, query):
    response = api(world.user("coach")).get(LIST, query)

    assert response.status_code == 400
    assert error(response)["code"] == "invalid"
    assert set(query) <= set(error(response)["fields"])


def test_pages_are_bounded(world, two):
    client = api(world.user("coach"))

    page = client.get(LIST, {"page_size": 1}).json()
    huge = client.get(LIST, {"page_size": 100000}).json()

    assert (page["count"], len(page["results"]), bool(page["next"])) == (2, 1, True)
    assert len(huge["results"]) == 2
    assert client.get(LIST, {"page": 99}).status_code == 404


# A fixed number of queries


def referrals_for_everyone(world, count: int) -> None:
    """`count` more trajectories of the coach in guidance, each with a referral to microStart and Zenitor
    at every stage, with steps and a result."""
    coach = world.user("coach")
    for _number in range(count):
        trajectory = guided_trajectory(programme=world.ovv, coach=coach)
        share_with(trajectory, world.organisations["microstart"], by=coach)
        share_with(trajectory, world.organisations["zenitor"], by=coach)
        referral_in(world, Status.COMPLETED, trajectory=trajectory, last_on=today())
        referral_in(world, Status.IN_PROGRESS, kind=Kind.PERSONAL_FEASIBILITY, organisation="zenitor",
                    trajectory=trajectory)


def list_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["coach", "coordinator", "auditor", "partner_microstart"])
def test_the_list_runs_the_same_queries_for_three_times_the_referrals(world, role):
    referrals_for_everyone(world, 2)
    client = api(world.user(role))
    few = list_queries(client)
    rows_few = client.get(LIST).json()["count"]

    referrals_for_everyone(world, 4)
    many = list_queries(client)

    assert client.get(LIST).json()["count"] == 3 * rows_few > 0
    assert few == many
    assert many <= 12


def test_one_referral_runs_a_fixed_number_of_queries(world):
    referral = referral_in(world, Status.COMPLETED, last_on=today())
    client = api(world.user("partner_microstart"))

    with CaptureQueriesContext(connection) as captured:
        assert client.get(detail(referral)).status_code == 200

    assert len(captured) <= 12
