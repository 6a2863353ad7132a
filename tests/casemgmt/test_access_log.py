"""The access log: each look at a case record in the admin is written down (who, what, which person,
from where), so is each attempt out of scope; the log itself can be read and filtered, never changed."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casemgmt.audit import save_as
from casemgmt.models import AccessLog, User
from partners.models import Organisation, StaffMember
from tests.conftest import otp_login
from tests.factories import ParticipantFactory, ProgrammeFactory, UserFactory
from trajectories.models import Participant, Trajectory
from trajectories.services import trajectory_open

ADDRESS = "10.1.2.3"


def _staff(username: str, code: str, role: str) -> User:
    user = UserFactory(username=username, is_staff=True)
    save_as(StaffMember(user=user, organisation=Organisation.objects.get(code=code), role=role), None)
    return user


@pytest.fixture
def coordinator(ovv) -> User:
    return _staff("coordinator.stebo", "stebo", StaffMember.Role.COORDINATOR)


@pytest.fixture
def stebo_coach(ovv) -> User:
    return _staff("coach.stebo", "stebo", StaffMember.Role.COACH)


@pytest.fixture
def auditor(ovv) -> User:
    return _staff("auditor", "stebo", StaffMember.Role.AUDITOR)


def _trajectory(programme, coach: User, last_name: str) -> Trajectory:
    return trajectory_open(participant=ParticipantFactory(first_name="Person", last_name=last_name),
                           programme=programme, by=coach, coach=coach, entered_on=programme.starts_on)


@pytest.fixture
def inside(ovv, stebo_coach) -> Trajectory:
    """A trajectory in OVV, the programme Stebo coordinates."""
    return _trajectory(ovv, stebo_coach, "Inscopia")


@pytest.fixture
def outside(ovv) -> Trajectory:
    """A trajectory in another programme, out of the Stebo coordinator's scope."""
    coach = _staff("coach.unizo", "unizo", StaffMember.Role.COACH)
    return _trajectory(ProgrammeFactory(code="LBA"), coach, "Outofscopi")


def signed_in(user: User, *, second_factor: bool = True) -> Client:
    client = Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT="pytest browser")
    if second_factor:
        otp_login(client, user)
    else:
        client.force_login(user)
    return client


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_viewing_a_participant_writes_one_view_row_with_who_what_and_where(coordinator, inside):
    participant = inside.participant
    url = _url(Participant, "change", participant.pk)

    response = signed_in(coordinator).get(url)

    assert response.status_code == 200
    row = AccessLog.objects.get()
    assert row.action == AccessLog.Action.VIEW
    assert row.user == coordinator
    assert row.username == "coordinator.stebo"
    assert row.organisation == "Stebo vzw"
    assert (row.object_type, row.object_id) == ("trajectories.Participant", str(participant.pk))
    assert row.participant_id == participant.pk
    assert row.path == url
    assert row.method == "GET"
    assert row.ip_address == ADDRESS
    assert row.user_agent == "pytest browser"
    assert row.at <= timezone.now()


def test_viewing_a_record_about_a_person_logs_that_person(coordinator, inside):
    response = signed_in(coordinator).get(_url(Trajectory, "change", inside.pk))

    assert response.status_code == 200
    row = AccessLog.objects.get()
    assert (row.action, row.object_type, row.participant_id) == (
        AccessLog.Action.VIEW, "trajectories.Trajectory", inside.participant_id
    )


def test_the_history_page_writes_a_history_row(coordinator, inside):
    participant = inside.participant
    url = _url(Participant, "history", participant.pk)

    response = signed_in(coordinator).get(url)

    assert response.status_code == 200
    row = AccessLog.objects.get()
    assert row.action == AccessLog.Action.HISTORY
    assert (row.user, row.participant_id, row.path, row.ip_address) == (
        coordinator, participant.pk, url, ADDRESS
    )


def test_saving_a_change_is_not_logged_as_a_view(coordinator, inside):
    # The log is about looking; a POST leaves its trace in the record's history instead.
    participant = inside.participant
    data = {"first_name": "Person", "last_name": "Inscopia", "languages": "[]", "postcode": 2000}

    response = signed_in(coordinator).post(_url(Participant, "change", participant.pk), data)

    assert response.status_code == 302
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEW).exists()


def test_an_attempt_out_of_scope_writes_a_denied_row_and_no_view(coordinator, outside):
    participant = outside.participant
    url = _url(Participant, "change", participant.pk)

    response = signed_in(coordinator).get(url)

    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    assert set(AccessLog.objects.values_list("action", flat=True)) == {AccessLog.Action.DENIED}
    row = AccessLog.objects.first()
    assert (row.user, row.object_type, row.object_id, row.path, row.ip_address) == (
        coordinator, "trajectories.Participant", str(participant.pk), url, ADDRESS
    )
    # The person is not named: the coordinator may not know who is behind the id.
    assert row.participant_id is None


def test_an_attempt_out_of_scope_writes_exactly_one_denied_row(coordinator, outside):
    signed_in(coordinator).get(_url(Participant, "change", outside.participant_id))

    assert AccessLog.objects.filter(action=AccessLog.Action.DENIED).count() == 1


def test_a_history_attempt_out_of_scope_is_a_404_with_one_denied_row(coordinator, outside):
    response = signed_in(coordinator).get(_url(Participant, "history", outside.participant_id))

    assert response.status_code == 404
    assert list(AccessLog.objects.values_list("action", flat=True)) == [AccessLog.Action.DENIED]


def test_a_missing_record_is_not_logged_as_denied(coordinator, inside):
    missing = Participant.objects.order_by("-pk").first().pk + 1000

    response = signed_in(coordinator).get(_url(Participant, "change", missing))

    assert response.status_code == 302
    assert not AccessLog.objects.exists()


def test_a_malformed_id_is_answered_as_a_missing_record(coordinator, inside):
    response = signed_in(coordinator).get(_url(Participant, "change", "abc"))

    assert response.status_code == 302
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("view", ["change", "history"])
def test_a_page_refused_for_lack_of_permission_is_not_logged_as_seen(stebo_coach, inside, view):
    response = signed_in(stebo_coach, second_factor=False).get(_url(Participant, view, inside.participant_id))

    # staff status alone does not open the admin: sent to sign in as someone with admin access
    assert response.status_code in (302, 403)
    assert not AccessLog.objects.filter(action__in=[AccessLog.Action.VIEW, AccessLog.Action.HISTORY]).exists()


# The log's own admin


@pytest.mark.parametrize("who", ["auditor", "superuser"])
def test_the_access_log_cannot_be_added_changed_or_deleted_in_the_admin(who, auditor, admin_user, inside):
    user = auditor if who == "auditor" else admin_user
    client = signed_in(user)
    client.get(_url(Participant, "change", inside.participant_id))  # writes a row
    row = AccessLog.objects.get()

    changelist = client.get(_url(AccessLog, "changelist"))
    change = client.get(_url(AccessLog, "change", row.pk))
    post = client.post(_url(AccessLog, "change", row.pk), {"action": AccessLog.Action.DENIED})

    assert changelist.status_code == 200
    assert not changelist.context["has_add_permission"]
    action_form = changelist.context["action_form"]
    actions = [name for name, _ in action_form.fields["action"].choices] if action_form else []
    assert "delete_selected" not in actions
    assert change.status_code == 200 and not change.context["has_change_permission"]
    assert not change.context["has_delete_permission"]
    assert client.get(_url(AccessLog, "add")).status_code == 403
    assert post.status_code == 403
    assert client.get(_url(AccessLog, "delete", row.pk)).status_code == 403
    assert client.post(_url(AccessLog, "delete", row.pk), {"post": "yes"}).status_code == 403
    row.refresh_from_db()
    assert row.action == AccessLog.Action.VIEW
    assert AccessLog.objects.filter(pk=row.pk).exists()


def test_auditor_filters_the_access_log_by_user_and_date(auditor, coordinator, inside):
    signed_in(coordinator).get(_url(Participant, "change", inside.participant_id))
    signed_in(coordinator).get(_url(Participant, "history", inside.participant_id))
    client = signed_in(auditor)
    client.get(_url(Trajectory, "change", inside.pk))
    # As the admin's date filter links give it: local midnight, with its offset.
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)

    def listed(**params) -> list[tuple[str, str]]:
        response = client.get(_url(AccessLog, "changelist"), params)
        assert response.status_code == 200, params
        return sorted((row.username, row.action) for row in response.context["cl"].result_list)

    by_coordinator_today = listed(user__id__exact=coordinator.pk, at__gte=str(today))
    from_tomorrow = listed(user__id__exact=coordinator.pk, at__gte=str(today + datetime.timedelta(days=1)))

    assert by_coordinator_today == [("coordinator.stebo", "history"), ("coordinator.stebo", "view")]
    assert from_tomorrow == []
    everyone = listed()
    assert {username for username, _ in everyone} == {"coordinator.stebo", "auditor"}
