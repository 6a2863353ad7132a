"""An erasure takes the person's names out of the reminders' texts, which were written with the names
when the reminders were made; the rest of each text, and everyone else's name, stays."""

import pytest

from reminders.models import Reminder, Rule
from tests.reminders.world import D, scan
from trajectories.models import Session
from trajectories.services import (
    ERASED,
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
    world.trajectory(entered_on=D(2017, 1, 10), first_name="Sara", last_name="Peeters")
    session = session_plan_group(programme=world.ovv, by=world.coach, kind=Session.Kind.INFO,
                                 held_on=D(2017, 3, 20), duration_minutes=90, title="Infosessie Gent")
    session_record_attendance(session=session, by=world.coach, attended=[person.pk, other.pk], absent=[])
    scan(D(2017, 3, 19))
    before = {reminder.pk: reminder.message for reminder in Reminder.objects.all()}
    naming = {pk for pk, message in before.items() if "Haddad" in message}
    assert {Reminder.objects.get(pk=pk).rule for pk in naming} >= {
        Rule.NO_CONTACT, Rule.REFERRAL_UNANSWERED, Rule.SESSION_TOMORROW}, before

    participant_erase(participant=person.participant, by=world.coordinator)

    after = {reminder.pk: reminder.message for reminder in Reminder.objects.all()}
    assert not [message for message in after.values() if "Amal" in message or "Haddad" in message], after
    erased = f"{ERASED} {ERASED}"
    for pk in naming:
        # The same text, the name put back where it was: nothing else changed.
        restored = after[pk].replace(erased, "Amal Haddad-Nasser", 1)
        assert restored in (before[pk], before[pk].replace("Amal Haddad", "Amal Haddad-Nasser")), after[pk]
    (session_reminder,) = Reminder.objects.filter(rule=Rule.SESSION_TOMORROW)
    assert "Omar Khan" in session_reminder.message and erased in session_reminder.message
    untouched = {pk: message for pk, message in before.items() if pk not in naming}
    assert untouched and all(after[pk] == message for pk, message in untouched.items())
