"""Transactions for the batch jobs that read the whole database at once (the reminder scans).

PostgreSQL compiles a query to machine code (JIT) when its estimated cost passes `jit_above_cost`. The
scans' queries are estimated far above it (a correlated subquery per trajectory), and compiling them cost
more than it saved: about 0.6 s per statement, so the periodic scan of 100,000 trajectories took 12.1 s
with JIT and 6.9 s without on the benchmarks' 2-CPU machine. Switched off with SET LOCAL, so it holds
behind a pooler in transaction mode too and ends with the transaction (with the outermost one, when the
block is nested in another): the rest of the app keeps the server's setting."""

import contextlib
from collections.abc import Iterator

from django.db import connections, transaction


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
