"""Coordinators set their own programmes' reminder rules in the admin (and nobody else's); the
reminders list is read-only and scoped; the role groups carry the permissions."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from partners.models import StaffMember
from reminders.models import Reminder, ReminderSettings, Rule
from tests.conftest import otp_login
from tests.reminders.world import D, scan, staff

pytestmark = pytest.mark.django_db

FORM = {
    "no_contact_enabled": "on", "no_contact_days": 14, "phase_stale_enabled": "on", "phase_1_stale_days": 60,
    "phase_2_stale_days": 45, "phase_3_stale_days": 45, "phase_4_stale_days": 90,
    "referral_unanswered_enabled": "on", "referral_answer_days": 5, "session_tomorrow_enabled": "on",
    "outflow_follow_up_enabled": "on", "period_end_enabled": "on", "period_end_days": 14,
}


def signed_in(user) -> Client:
    client = Client()
    otp_login(client, user)
    return client


def url(model, view: str, *args) -> str:
    return reverse(f"admin:reminders_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def settings_rows(world, other_programme):
    ovv = ReminderSettings.objects.create(programme=world.ovv)
    lba = ReminderSettings.objects.create(programme=other_programme)
    return ovv, lba


@pytest.fixture
def coordinator(world):
    world.coordinator.is_staff = True
    world.coordinator.save()
    return signed_in(world.coordinator)


def test_a_coordinator_lists_and_changes_only_their_programmes_settings(world, settings_rows, coordinator):
    ovv, lba = settings_rows

    listed = coordinator.get(url(ReminderSettings, "changelist"))
    changed = coordinator.post(url(ReminderSettings, "change", ovv.pk), FORM)

    assert [row.pk for row in listed.context["cl"].result_list] == [ovv.pk]
    assert changed.status_code == 302
    ovv.refresh_from_db()
    assert ovv.no_contact_days == 14
    assert ovv.history.latest().history_user == world.coordinator


def test_another_programmes_settings_are_out_of_a_coordinators_reach(world, settings_rows, coordinator):
    _, lba = settings_rows

    pages = [coordinator.get(url(ReminderSettings, view, lba.pk)) for view in ("change", "history")]
    posted = coordinator.post(url(ReminderSettings, "change", lba.pk), FORM)

    assert all(page.status_code in (302, 404) for page in pages + [posted])
    assert all(lba.programme.code not in page.content.decode() for page in pages)
    lba.refresh_from_db()
    assert lba.no_contact_days == 21


def test_a_coordinator_adds_settings_only_for_a_programme_they_coordinate(world, other_programme, coordinator):
    form = coordinator.get(url(ReminderSettings, "add")).context["adminform"].form

    assert list(form.fields["programme"].queryset) == [world.ovv]
    refused = coordinator.post(url(ReminderSettings, "add"), FORM | {"programme": other_programme.pk})
    assert refused.status_code == 200  # the form says the choice is not valid
    assert not ReminderSettings.objects.exists()


def test_an_auditor_reads_the_settings_but_cannot_change_them(world, settings_rows):
    ovv, _ = settings_rows
    auditor = staff("auditor", world.orgs["stebo"], StaffMember.Role.AUDITOR, is_staff=True)
    client = signed_in(auditor)

    assert client.get(url(ReminderSettings, "change", ovv.pk)).status_code == 200
    assert client.post(url(ReminderSettings, "change", ovv.pk), FORM).status_code == 403
    ovv.refresh_from_db()
    assert ovv.no_contact_days == 21


def test_the_reminder_list_is_read_only_and_scoped_to_the_coordinators_programmes(
        world, other_programme, coordinator, admin_client):
    world.trajectory(entered_on=D(2017, 1, 10), last_name="Inscope")
    world.trajectory(entered_on=D(2017, 1, 10), last_name="Outscope", programme=other_programme)
    scan(D(2017, 1, 31), Rule.NO_CONTACT)
    inside = Reminder.objects.get(programme=world.ovv)

    listed = coordinator.get(url(Reminder, "changelist"))
    everything = admin_client.get(url(Reminder, "changelist"), {"rule__exact": Rule.NO_CONTACT})

    assert [r.pk for r in listed.context["cl"].result_list] == [inside.pk]
    assert "Outscope" not in listed.content.decode()
    assert everything.context["cl"].result_count == 2
    assert admin_client.get(url(Reminder, "add")).status_code == 403
    page = admin_client.get(url(Reminder, "change", inside.pk)).content.decode()
    assert 'name="_save"' not in page


def test_the_role_groups_hold_the_reminder_permissions():
    coordinator = set(Group.objects.get(name="coordinator").permissions.filter(
        content_type__app_label="reminders").values_list("codename", flat=True))
    auditor = set(Group.objects.get(name="auditor").permissions.filter(
        content_type__app_label="reminders").values_list("codename", flat=True))

    assert coordinator == {"view_remindersettings", "add_remindersettings", "change_remindersettings",
                           "view_reminder"}
    assert {"view_remindersettings", "view_reminder", "view_historicalremindersettings"} <= auditor
    assert all(codename.startswith("view_") for codename in auditor)
    for role in ("coach", "referrer", "partner"):
        assert not Group.objects.get(name=role).permissions.filter(content_type__app_label="reminders").exists()
