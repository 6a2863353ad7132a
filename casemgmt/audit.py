"""The audit trail: saving with the acting user on the history row, and keeping history append-only.

History rows (django-simple-history) and the access log can be added, never changed or deleted
through the application: the model refuses, bulk writes that would bypass history are refused on
audited models, and on PostgreSQL a trigger refuses UPDATE and DELETE on the tables themselves.
Erasure of a person (their right to be forgotten) is the one path allowed to rewrite history rows,
inside `history_rewrite()`.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection, models
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history, get_history_model_for_model


class TrailIsAppendOnly(Exception):
    """Raised when code tries to change or delete an audit-trail row, or bypass history in bulk."""


def save_as(instance: models.Model, by, **save_kwargs) -> models.Model:
    """Validate and save `instance`, recording `by` as the author of the change in its history."""
    instance.full_clean()
    instance._history_user = by
    instance.save(**save_kwargs)
    return instance


class AppendOnlyModel(models.Model):
    """Base of history rows and log rows: insert yes, update and delete no."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding and not _rewrite_allowed():
            raise TrailIsAppendOnly(f"{self._meta.label} rows are append-only: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not _rewrite_allowed():
            raise TrailIsAppendOnly(f"{self._meta.label} rows are append-only: they cannot be deleted.")
        return super().delete(*args, **kwargs)


class AuditTrail(HistoricalRecords):
    """HistoricalRecords whose rows are append-only."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("bases", [AppendOnlyModel])
        super().__init__(*args, **kwargs)


class AuditedQuerySet(models.QuerySet):
    """Queryset of a model with history: bulk writes that skip the history are refused.

    QuerySet.delete() stays allowed: Django sends post_delete per row when history listens, so
    every deleted row still gets its history row."""

    def _refuse(self, what: str):
        raise TrailIsAppendOnly(
            f"{what} on {self.model._meta.label} would bypass its change history: "
            "change rows one by one through the services."
        )

    def update(self, **kwargs):
        self._refuse("A bulk update")

    def bulk_update(self, objs, fields, batch_size=None):
        self._refuse("bulk_update")

    def bulk_create(self, objs, *args, **kwargs):
        if not _bulk_with_history.get():
            self._refuse("bulk_create")
        return super().bulk_create(objs, *args, **kwargs)


# Set only by bulk_create_as, which writes the history rows of the objects it inserts.
_bulk_with_history: ContextVar[bool] = ContextVar("casemgmt_bulk_with_history", default=False)


def bulk_create_as(objs: list[models.Model], model: type[models.Model], by, *,
                   batch_size: int = 1000) -> list:
    """Insert many new, already validated rows of an audited model, each with its history row ("+",
    by `by`), inside the caller's transaction: the bulk counterpart of save_as, for imports.

    Signals are not sent (as with any bulk insert): callers check what save() would have checked."""
    if not connection.in_atomic_block:
        raise TrailIsAppendOnly("bulk_create_as() must run inside transaction.atomic().")
    if connection.vendor == "postgresql":
        return _copy_with_history(objs, model, by)
    token = _bulk_with_history.set(True)
    try:
        created = bulk_create_with_history(
            objs, model, batch_size=batch_size, default_user=by, default_date=timezone.now()
        )
    finally:
        _bulk_with_history.reset(token)
    if any(obj.pk is None for obj in created):
        raise TrailIsAppendOnly(f"{model._meta.label}: the database returned no ids for a bulk insert.")
    return created


def _copy(table: str, fields: list, rows) -> None:
    """COPY `rows` (tuples of Python values, in the order of `fields`) into `table`."""
    from psycopg.types.json import Jsonb

    json_columns = [index for index, field in enumerate(fields) if isinstance(field, models.JSONField)]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor, cursor.cursor.copy(
        f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN"
    ) as copy:
        for row in rows:
            if json_columns:
                row = list(row)
                for index in json_columns:
                    row[index] = Jsonb(row[index])
            copy.write_row(row)


def _copy_with_history(objs: list[models.Model], model: type[models.Model], by) -> list:
    """PostgreSQL: the rows and their history rows written with COPY, the ids taken from the table's
    sequence first. The history rows hold what bulk_history_create would put there ("+", `by`, one date);
    Django's per-value preparation is skipped, so the objects hold plain values (related objects saved)."""
    if not objs:
        return objs
    meta = model._meta
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [meta.db_table, meta.pk.column, len(objs)])
        ids = [row[0] for row in cursor.fetchall()]
    fields = list(meta.concrete_fields)
    stamped = [field.attname for field in fields
               if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)]
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        for attname in stamped:
            setattr(obj, attname, now)
        obj._state.adding, obj._state.db = False, connection.alias
    attnames = [field.attname for field in fields]
    _copy(meta.db_table, fields, ([getattr(obj, name) for name in attnames] for obj in objs))

    history_model = get_history_model_for_model(model)
    tracked = list(history_model.tracked_fields)
    marks = ("history_date", "history_user", "history_change_reason", "history_type")
    history_fields = [*tracked, *(history_model._meta.get_field(name) for name in marks)]
    stamp = [now, getattr(by, "pk", None), None, "+"]
    tracked_names = [field.attname for field in tracked]
    _copy(history_model._meta.db_table, history_fields,
          ([*(getattr(obj, name) for name in tracked_names), *stamp] for obj in objs))
    return objs


_REWRITE_FLAG = "casemgmt.history_rewrite"
_rewrite_depth = 0


def _rewrite_allowed() -> bool:
    return _rewrite_depth > 0


@contextmanager
def history_rewrite():
    """Allow rewriting trail rows inside this block (erasure only); on PostgreSQL, for this transaction."""
    global _rewrite_depth
    if not connection.in_atomic_block:
        raise TrailIsAppendOnly("history_rewrite() must run inside transaction.atomic().")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [_REWRITE_FLAG])
    _rewrite_depth += 1
    try:
        yield
    finally:
        _rewrite_depth -= 1
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'off', true)", [_REWRITE_FLAG])


TRIGGER_FUNCTION = f"""
CREATE OR REPLACE FUNCTION casemgmt_trail_append_only() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('{_REWRITE_FLAG}', true), 'off') = 'on' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'audit trail table % is append-only (% refused)', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def trail_tables() -> list[str]:
    from django.apps import apps

    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, AppendOnlyModel) and not model._meta.abstract
    )


def install_trail_triggers(**kwargs) -> None:
    """post_migrate: on PostgreSQL, make every trail table refuse UPDATE and DELETE of rows."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(TRIGGER_FUNCTION)
        existing = set(connection.introspection.table_names(cursor))
        for table in trail_tables():
            if table not in existing:
                continue
            cursor.execute(
                f'CREATE OR REPLACE TRIGGER casemgmt_append_only BEFORE UPDATE OR DELETE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION casemgmt_trail_append_only()"
            )
