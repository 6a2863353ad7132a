"""The audit trail: saving with the acting user on the history row, and keeping history append-only.

History rows (django-simple-history) and the access log can be added, never changed or deleted
through the application: the model refuses, bulk writes that would bypass history are refused on
audited models, and on PostgreSQL a trigger refuses UPDATE and DELETE on the tables themselves.
Erasure of a person (their right to be forgotten) is the one path allowed to rewrite history rows,
inside `history_rewrite()`.
"""

from contextlib import contextmanager

from django.db import connection, models
from simple_history.models import HistoricalRecords


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
        self._refuse("bulk_create")


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
