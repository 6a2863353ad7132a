"""The change history is complete (create, update, delete, bulk delete) and cannot be altered."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction

from casemgmt.audit import TrailIsAppendOnly, history_rewrite
from casemgmt.models import AccessLog
from tests.factories import ParticipantFactory
from trajectories.models import Participant, Session
from trajectories.services import participant_register, participant_update, session_plan_group

D = datetime.date


def test_creating_a_participant_writes_a_history_row_naming_who_did_it(coach):
    participant = participant_register(by=coach, first_name="Amal", last_name="Haddad", birth_year=1990)

    rows = list(participant.history.all())
    assert [(row.history_type, row.history_user) for row in rows] == [("+", coach)]


def test_an_update_keeps_the_value_before_and_after(coach):
    participant = participant_register(by=coach, first_name="Amal", last_name="Haddad")

    participant_update(participant=participant, by=coach, last_name="Haddad-Saleh")

    newest, oldest = participant.history.order_by("-history_id")[:2]
    delta = newest.diff_against(oldest)
    changes = {change.field: (change.old, change.new) for change in delta.changes}
    assert changes["last_name"] == ("Haddad", "Haddad-Saleh")
    assert newest.history_type == "~"
    assert newest.history_user == coach


def test_a_deleted_object_keeps_its_history(ovv, coach):
    session = session_plan_group(programme=ovv, by=coach, kind=Session.Kind.INFO,
                                 held_on=D(2017, 3, 1), duration_minutes=90, title="Infosessie")
    pk = session.pk

    session.delete()

    trail = Session.history.filter(id=pk).order_by("history_id")
    assert [row.history_type for row in trail] == ["+", "-"]
    assert trail.last().title == "Infosessie"


def test_a_bulk_delete_writes_a_history_row_for_every_row(db):
    ParticipantFactory.create_batch(3, last_name="Bulk")

    Participant.objects.filter(last_name="Bulk").delete()

    assert Participant.history.filter(last_name="Bulk", history_type="-").count() == 3


def test_a_bulk_update_on_an_audited_model_is_refused_and_changes_nothing(db):
    ParticipantFactory.create_batch(2, postcode=2000)

    with pytest.raises(TrailIsAppendOnly, match="bypass its change history"):
        Participant.objects.filter(postcode=2000).update(postcode=9000)

    assert Participant.objects.filter(postcode=9000).count() == 0


def test_bulk_create_and_bulk_update_are_refused_on_audited_models(db):
    participant = ParticipantFactory()
    with pytest.raises(TrailIsAppendOnly):
        Participant.objects.bulk_create([Participant(first_name="A", last_name="B", name_key="a b")])
    with pytest.raises(TrailIsAppendOnly):
        Participant.objects.bulk_update([participant], ["first_name"])


def test_a_history_row_cannot_be_changed_or_deleted_by_the_application(coach):
    participant = participant_register(by=coach, first_name="Amal", last_name="Haddad")
    row = participant.history.get()

    row.last_name = "Forged"
    with pytest.raises(TrailIsAppendOnly):
        row.save()
    with pytest.raises(TrailIsAppendOnly):
        row.delete()

    assert participant.history.get().last_name == "Haddad"


def test_an_access_log_row_cannot_be_changed_or_deleted(coach):
    entry = AccessLog.objects.create(user=coach, username="coach", action=AccessLog.Action.VIEW)

    entry.action = AccessLog.Action.DENIED
    with pytest.raises(TrailIsAppendOnly):
        entry.save()
    with pytest.raises(TrailIsAppendOnly):
        entry.delete()


def test_the_database_refuses_to_update_or_delete_history_rows(postgres, coach):
    participant = participant_register(by=coach, first_name="Amal", last_name="Haddad")
    table = Participant.history.model._meta.db_table

    for statement in (f'UPDATE "{table}" SET last_name = %s', f'DELETE FROM "{table}" WHERE %s = %s'):
        params = ["Forged"] if statement.startswith("UPDATE") else [1, 1]
        with (pytest.raises(DatabaseError, match="append-only"), transaction.atomic(),
              connection.cursor() as cursor):
            cursor.execute(statement, params)

    assert participant.history.get().last_name == "Haddad"


def test_the_database_refuses_to_update_the_access_log(postgres, coach):
    AccessLog.objects.create(user=coach, username="coach", action=AccessLog.Action.VIEW)

    with (pytest.raises(DatabaseError, match="append-only"), transaction.atomic(),
          connection.cursor() as cursor):
        cursor.execute(f'UPDATE "{AccessLog._meta.db_table}" SET username = %s', ["someone"])

    assert AccessLog.objects.get().username == "coach"


def test_only_erasure_inside_history_rewrite_may_rewrite_the_trail(coach):
    participant = participant_register(by=coach, first_name="Amal", last_name="Haddad")
    row = participant.history.get()

    with transaction.atomic(), history_rewrite():
        row.last_name = "—"
        row.save()

    assert participant.history.get().last_name == "—"
    with pytest.raises(TrailIsAppendOnly):
        row.save()
