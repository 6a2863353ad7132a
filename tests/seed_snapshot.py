"""The seed programme for tests, quickly: the rows `programme_seed_load` wrote once in this process, put
back as they were.

Loading the seed validates and saves about 110 rows one by one with their history (about 900 statements,
half a second); some 600 tests start from it. The first load in a test process goes through
`programme_seed_load` and keeps the rows it added to the seed's tables (SEED_MODELS and their history:
tests/test_seed_snapshot.py holds that to be every row the load writes); later ones insert those rows
again, in one statement per table, where nothing is in their way: no programme, organisation or
specialisation yet, and no row whose id they would take. Put back, the history rows keep the time of the
first load. Anywhere else, and in the tests of the seed load itself, the seed goes through
`programme_seed_load`."""

from contextlib import suppress

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import get_history_model_for_model

from casemgmt.models import Payment, Programme, ReachShare, ReportingPeriod, Target
from partners.models import (
    FteAllocation,
    Organisation,
    ProgrammeRole,
    Specialisation,
    SpecialisationOffer,
)
from partners.services import programme_seed_file, programme_seed_load

# What partners.services.programme_seed_load writes.
SEED_MODELS = (Programme, ReportingPeriod, Payment, ReachShare, Target, Organisation, ProgrammeRole,
               FteAllocation, Specialisation, SpecialisationOffer)

# Per seed name: the programme's id and, per model, the rows the load added (as attribute values).
_loaded: dict[str, tuple[int, list[tuple[type[models.Model], list[dict]]]]] = {}


def seed_tables() -> list[type[models.Model]]:
    """SEED_MODELS and the models of their history."""
    tables = []
    for model in SEED_MODELS:
        tables.append(model)
        with suppress(NotHistoricalModelError):
            tables.append(get_history_model_for_model(model))
    return tables


def _highest_ids(models_: list[type[models.Model]]) -> dict[type[models.Model], int]:
    return {model: models.QuerySet(model).aggregate(top=Max("pk"))["top"] or 0 for model in models_}


def _first_to_load() -> bool:
    """Whether no programme, organisation or specialisation is there yet: the load would add them all."""
    return not any(model.objects.exists() for model in (Programme, Organisation, Specialisation))


def seed_programme(name: str = "ovv") -> Programme:
    """What `programme_seed_load(data=programme_seed_file(name))` makes, row for row."""
    if not _first_to_load():
        return programme_seed_load(data=programme_seed_file(name))
    if name not in _loaded:
        return _load_and_keep(name)
    return _put_back(name) or programme_seed_load(data=programme_seed_file(name))


def _load_and_keep(name: str) -> Programme:
    """Load the seed, and keep the rows the load added to the seed's tables."""
    tables = seed_tables()
    before = _highest_ids(tables)
    programme = programme_seed_load(data=programme_seed_file(name))
    added = []
    for model in tables:
        fields = [field.attname for field in model._meta.concrete_fields]
        rows = list(models.QuerySet(model).filter(pk__gt=before[model]).order_by("pk").values(*fields))
        if rows:
            added.append((model, rows))
    _loaded[name] = (programme.pk, added)
    return programme


def _put_back(name: str) -> Programme | None:
    """Insert the rows kept of the seed again; None, inserting nothing, when an id they had is taken."""
    programme_id, added = _loaded[name]
    highest = _highest_ids([model for model, _rows in added])
    if any(highest[model] >= rows[0][model._meta.pk.attname] for model, rows in added):
        return None
    for model, rows in added:
        # The plain QuerySet: audited models refuse bulk writes, as they would skip history; here the
        # history rows are among those put back.
        models.QuerySet(model).bulk_create([model(**row) for row in rows])
    if connection.vendor == "postgresql":
        # Rows inserted with their ids leave the sequences behind: bring each to its table's highest id.
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [model for model, _rows in added]):
                cursor.execute(statement)
    return Programme.objects.get(pk=programme_id)
