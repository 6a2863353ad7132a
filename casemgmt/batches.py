"""Transactions and inserts for the batch jobs that read the whole database at once (the reminder scans).

PostgreSQL compiles a query to machine code (JIT) when its estimated cost passes `jit_above_cost`. The
scans' queries are estimated far above it (a correlated subquery per trajectory), and compiling them cost
more than it saved: about 0.6 s per statement, so the periodic scan of 100,000 trajectories took 12.1 s
with JIT and 6.9 s without on the benchmarks' 2-CPU machine. Switched off with SET LOCAL, so it holds
behind a pooler in transaction mode too and ends with the transaction (with the outermost one, when the
block is nested in another): the rest of the app keeps the server's setting."""

import contextlib
from collections.abc import Iterator, Sequence

from django.db import connections, transaction
from django.db.models import Model
from django.utils import timezone


@contextlib.contextmanager
def atomic_without_jit(using: str = "default") -> Iterator[None]:
    """transaction.atomic, in which PostgreSQL runs every query without JIT compilation (elsewhere the
    same as atomic). Inside an outer transaction the setting lasts until that one ends."""
    with transaction.atomic(using=using):
        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def insert_rows(model: type[Model], fields: Sequence[str], rows: Sequence[Sequence], *,
                using: str = "default") -> None:
    """Insert `rows` (one tuple of values per row, in the order of `fields`, attnames such as
    "recipient_id") into the model's table, skipping a row that a unique constraint refuses, as
    bulk_create(ignore_conflicts=True) does. Every other column gets its default (auto_now_add: now),
    computed once for all the rows (a callable default such as a fresh UUID would repeat).

    For derived rows written by the 100,000 (the reminder scans): no model instances, no save(), no
    signals. The values must be what the driver takes as is (int, str, date, datetime, None).

    On PostgreSQL the rows are streamed with COPY into a temporary table, then moved with one INSERT ...
    SELECT ... ON CONFLICT DO NOTHING (COPY alone would fail on a row a concurrent scan has just
    inserted). bulk_create builds a model instance and 17 placeholders per row: for the 181,000
    reminders of a first scan it took 15.5 s, this takes 2.8 s. Elsewhere (SQLite) bulk_create."""
    if not rows:
        return
    connection = connections[using]
    now = timezone.now()
    defaults = {
        field.attname: now if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False)
        else field.get_default()
        for field in model._meta.concrete_fields
        if not field.primary_key and field.attname not in fields and (field.has_default() or not field.null)
    }
    if connection.vendor != "postgresql":
        model._base_manager.using(using).bulk_create(
            [model(**defaults, **dict(zip(fields, row, strict=True))) for row in rows],
            batch_size=1000, ignore_conflicts=True,
        )
        return
    columns = [model._meta.get_field(name) for name in fields]
    constant = [model._meta.get_field(name) for name in defaults]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    staged = quote(f"{model._meta.db_table}_staged")
    names = ", ".join(quote(field.column) for field in columns)
    placeholders = "".join(f", %s::{field.db_type(connection)}" for field in constant)
    prepared = [field.get_db_prep_save(defaults[field.attname], connection) for field in constant]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {staged} AS SELECT {names} FROM {table} WITH NO DATA")
        with cursor.cursor.copy(f"COPY {staged} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({names}, {', '.join(quote(field.column) for field in constant)}) "
            f"SELECT *{placeholders} FROM {staged} ON CONFLICT DO NOTHING", prepared,
        )
        cursor.execute(f"DROP TABLE {staged}")


# The reminder scans, erasures and deletions. A scan writes, seconds after reading them, reminders that copy
# names from the rows it read and point at those rows (without a foreign-key constraint: reminders.models).
# So a scan holds this lock shared from its read to its commit, and exclusively:
# - an erasure, which takes names out of the texts there are: no name read before it is written after it;
# - a deletion of a row a reminder can point at (reminders.apps), which deletes the reminders pointing at it
#   after taking the lock: none that a running scan was about to write is left pointing at nothing.
# Those wait for the scans running (seconds), a scan waits for them (milliseconds); scans do not wait for
# each other. Any fixed number will do, the same in every process.
SCAN_LOCK = 72_616_173


def scan_lock(*, exclusive: bool, using: str = "default") -> None:
    """Take the scan lock until the current transaction ends (a scan: shared; an erasure or a deletion:
    exclusive).
    PostgreSQL only: SQLite lets one writer at a time through, and a transaction that read before
    another's write cannot write after it."""
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("scan_lock() holds until the transaction ends: call it inside one.")
    if connection.vendor == "postgresql":
        function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s)", [SCAN_LOCK])
