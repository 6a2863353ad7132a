"""The tests' quick seed (tests/seed_snapshot.py) makes the rows the seed load makes, history included."""

import datetime

from django.apps import apps
from django.db import models, transaction

from casemgmt.audit import save_as
from casemgmt.models import Programme, ReportingPeriod
from partners.models import Organisation
from partners.services import programme_seed_file, programme_seed_load
from tests.seed_snapshot import seed_programme


def _integer_keyed_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models(include_auto_created=True)
            if isinstance(model._meta.pk, models.AutoField | models.BigAutoField)]


def _state() -> dict[str, list[tuple]]:
    """Every row of every integer-keyed table, with each id turned into its rank in its table (the two ways
    give the rows other ids) and the history rows' times dropped (they are when the rows were made)."""
    tables = {model: list(models.QuerySet(model).order_by("pk")) for model in _integer_keyed_models()}
    ranks = {model: {row.pk: rank for rank, row in enumerate(rows)} for model, rows in tables.items()}
    state = {}
    for model, rows in tables.items():
        # A history row keeps its record's id as a plain column: it is ranked among that record's table.
        tracked = getattr(model, "instance_type", None)
        described = []
        for row in rows:
            values = []
            for field in model._meta.concrete_fields:
                value = getattr(row, field.attname)
                if field.primary_key:
                    value = ranks[model][value]
                elif field.is_relation and value is not None and field.related_model in ranks:
                    value = ranks[field.related_model].get(value, value)
                elif tracked is not None and field.name == tracked._meta.pk.name:
                    value = ranks[tracked].get(value, value)
                elif isinstance(value, datetime.datetime):
                    value = "a time"
                values.append((field.name, value))
            described.append(tuple(values))
        if described:
            state[model._meta.label] = described
    return state


def _in_a_savepoint_undone(load) -> dict[str, list[tuple]]:
    with transaction.atomic():
        load()
        state = _state()
        transaction.set_rollback(True)
    return state


def test_the_seed_put_back_is_the_seed_loaded(db, monkeypatch):
    loaded = _in_a_savepoint_undone(lambda: programme_seed_load(data=programme_seed_file("ovv")))
    _in_a_savepoint_undone(seed_programme)  # the first in a process loads it, and keeps its rows

    def not_loaded_again(**kwargs):
        raise AssertionError("the seed was loaded again, not put back")

    monkeypatch.setattr("tests.seed_snapshot.programme_seed_load", not_loaded_again)
    put_back = _in_a_savepoint_undone(seed_programme)

    assert put_back == loaded
    assert "casemgmt.HistoricalProgramme" in loaded and len(loaded["partners.Organisation"]) > 5


def test_after_the_seed_is_put_back_new_rows_get_ids_of_their_own(db):
    with transaction.atomic():
        seed_programme()  # the first in a process loads it, and keeps its rows
        transaction.set_rollback(True)
    programme = seed_programme()

    added = save_as(Organisation(code="new", name="A new partner"), None)
    period = save_as(ReportingPeriod(programme=programme, number=9, starts_on=programme.starts_on,
                                     ends_on=programme.starts_on), None)

    assert Organisation.objects.count() == len(programme_seed_file("ovv")["organisations"]) + 1
    assert added.history.count() == 1 and period.pk not in set(
        ReportingPeriod.objects.exclude(pk=period.pk).values_list("pk", flat=True))


def test_where_the_seed_is_there_already_it_goes_through_the_load_which_changes_nothing(db):
    first = seed_programme()
    again = seed_programme()

    assert again == first and Programme.objects.count() == 1
