"""An erasure takes the person's names out of the reminders' texts, which were written with the names
when the reminders were made; the rest of each text, and everyone else's name, stays."""

import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from casemgmt.batches import SCAN_LOCK
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
    other_session.execute(f"SELECT {function}(%s)", [SCAN_LOCK])
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '200ms'")
        with pytest.raises(OperationalError, match="lock timeout"):
            run()
    finally:
        other_session.execute("SELECT pg_advisory_unlock_all()")


def test_an_erasure_waits_for_a_running_scan_and_a_scan_for_an_erasure(world, other_session):
    # A scan between reading a name and writing it holds the scan lock shared; an erasure exclusively.
    person = world.trajectory(entered_on=D(2017, 1, 10))

    _refused_while_held(other_session, "pg_advisory_lock_shared",
                        lambda: participant_erase(participant=person.participant, by=world.coordinator))
    _refused_while_held(other_session, "pg_advisory_lock", lambda: scan(D(2017, 3, 1), Rule.NO_CONTACT))
    # Scans do not wait for each other.
    other_session.execute("SELECT pg_advisory_lock_shared(%s)", [SCAN_LOCK])
    assert scan(D(2017, 3, 1), Rule.NO_CONTACT)[Rule.NO_CONTACT][0] == 1


def test_deleting_a_row_a_reminder_points_at_waits_for_a_running_scan_then_deletes_its_reminders(
        world, other_session):
    # The reminder's keys carry no database constraint (reminders.models): what keeps a reminder from
    # pointing at nothing is that the deletion takes the scan lock before Django deletes its reminders.
    session = session_plan_group(programme=world.ovv, by=world.coach, kind=Session.Kind.INFO,
                                 held_on=D(2017, 3, 20), duration_minutes=90, title="Infosessie Gent")
    scan(D(2017, 3, 19), Rule.SESSION_TOMORROW)
    assert Reminder.objects.filter(session=session).count() == 1

    def delete():
        with transaction.atomic():  # Django deletes without a savepoint of its own: the test's stays usable
            session.delete()

    _refused_while_held(other_session, "pg_advisory_lock_shared", delete)

    with CaptureQueriesContext(connection) as statements:
        session.delete()
    sent = [query["sql"] for query in statements.captured_queries]
    locked = next(place for place, sql in enumerate(sent) if "pg_advisory_xact_lock(" in sql)
    reminders_deleted = next(place for place, sql in enumerate(sent)
                             if sql.startswith('DELETE FROM "reminders_reminder"'))
    assert locked < reminders_deleted, sent
    assert not Reminder.objects.filter(session_id=session.pk).exists()
