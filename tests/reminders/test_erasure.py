"""An erasure takes the person's names out of the reminders' texts, which were written with the names
when the reminders were made; the rest of each text, and everyone else's name, stays."""

import pytest
from django.db import OperationalError, connection

from casemgmt.batches import NAMES_LOCK
from reminders.models import Reminder, Rule
from tests.reminders.world import D, scan
from trajectories.models import Session
from trajectories.services import (
    ERASED_NAME,
    participant_erase,
    participant_update,
    session_plan_group,
    session_record_attendance,
)

pytestmark = pytest.mark.django_db


def test_erasure_takes_every_name_the_person_had_out_of_the_reminders_and_leaves_the_rest(world):
    person = world.guided(entered_on=D(2017, 1, 10), guidance_on=D(2017, 1, 20), first_name="Amal",
                          last_name="Haddad")
    scan(D(2017, 3, 1), Rule.NO_CONTACT)  # written with the name as it was then
    participant_update(participant=person.participant, by=world.coach, last_name="Haddad-Nasser")
    world.referral(person, sent_on=D(2017, 3, 2))
    other = world.trajectory(entered_on=D(2017, 1, 10), first_name="Omar", last_name="Khan")
    # A name that holds hers: it stays whole.
    longer = world.trajectory(entered_on=D(2017, 1, 10), first_name="Amal", last_name="Haddadi")
    world.trajectory(entered_on=D(2017, 1, 10), first_name="Sara", last_name="Peeters")
    session = session_plan_group(programme=world.ovv, by=world.coach, kind=Session.Kind.INFO,
                                 held_on=D(2017, 3, 20), duration_minutes=90, title="Infosessie Gent")
    session_record_attendance(session=session, by=world.coach, attended=[person.pk, other.pk, longer.pk],
                              absent=[])
    scan(D(2017, 3, 19))
    before = {reminder.pk: reminder.message for reminder in Reminder.objects.all()}
    naming = {pk for pk, message in before.items() if "Haddad" in message}
    assert {Reminder.objects.get(pk=pk).rule for pk in naming} >= {
        Rule.NO_CONTACT, Rule.REFERRAL_UNANSWERED, Rule.SESSION_TOMORROW}, before

    participant_erase(participant=person.participant, by=world.coordinator)

    after = {reminder.pk: reminder.message for reminder in Reminder.objects.all()}
    erased = ERASED_NAME
    assert not [message for message in after.values()
                if "Haddad-Nasser" in message or "Haddad " in message or "Haddad," in message], after
    for pk in naming:
        # The same text, the name put back where it was: nothing else changed.
        restored = after[pk].replace(erased, "Amal Haddad-Nasser", 1)
        assert restored in (before[pk], before[pk].replace("Amal Haddad", "Amal Haddad-Nasser")), after[pk]
    (session_reminder,) = Reminder.objects.filter(rule=Rule.SESSION_TOMORROW)
    assert session_reminder.message.endswith(f"{erased}, Amal Haddadi, Omar Khan."), session_reminder.message
    untouched = {pk: message for pk, message in before.items() if pk not in naming}
    assert untouched and all(after[pk] == message for pk, message in untouched.items())


@pytest.fixture
def other_session(postgres):
    """A second connection to the test database, as another process would hold one."""
    import psycopg

    settings = postgres.settings_dict
    with psycopg.connect(host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
                         password=settings["PASSWORD"] or None, dbname=settings["NAME"],
                         autocommit=True) as other:
        yield other


def _refused_while_held(other_session, function: str, run) -> None:
    other_session.execute(f"SELECT {function}(%s)", [NAMES_LOCK])
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '200ms'")
        with pytest.raises(OperationalError, match="lock timeout"):
            run()
    finally:
        other_session.execute("SELECT pg_advisory_unlock_all()")


def test_an_erasure_waits_for_a_running_scan_and_a_scan_for_an_erasure(world, other_session):
    # A scan between reading a name and writing it holds the names lock shared; an erasure exclusively.
    person = world.trajectory(entered_on=D(2017, 1, 10))

    _refused_while_held(other_session, "pg_advisory_lock_shared",
                        lambda: participant_erase(participant=person.participant, by=world.coordinator))
    _refused_while_held(other_session, "pg_advisory_lock", lambda: scan(D(2017, 3, 1), Rule.NO_CONTACT))
    # Scans do not wait for each other.
    other_session.execute("SELECT pg_advisory_lock_shared(%s)", [NAMES_LOCK])
    assert scan(D(2017, 3, 1), Rule.NO_CONTACT)[Rule.NO_CONTACT][0] == 1
