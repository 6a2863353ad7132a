"""How the benchmarks time things: the best of a few runs, percentiles, statements counted."""

import statistics
import threading
import time
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.signals import connection_created


def best_of(run: Callable, runs: int) -> float:
    """One warm-up, then the fastest of `runs` (the least disturbed by anything else on the machine)."""
    run()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return min(times)


def measure(run: Callable) -> tuple[int, float]:
    """How many statements `run` sends, on every connection (the reminder rules run side by side on
    connections of their own), and how long it takes. Statements are what reaches cursor.execute:
    BEGIN, COMMIT and the rows COPY streams are not counted."""
    lock = threading.Lock()
    sent = [0]

    def count(execute, sql, params, many, context):
        with lock:
            sent[0] += 1
        return execute(sql, params, many, context)

    def counted(connection, **kwargs):
        connection.execute_wrappers.append(count)

    own = connections[DEFAULT_DB_ALIAS]
    own.execute_wrappers.append(count)
    connection_created.connect(counted, dispatch_uid="bench-measure")
    try:
        began = time.perf_counter()
        run()
        elapsed = time.perf_counter() - began
    finally:
        connection_created.disconnect(dispatch_uid="bench-measure")
        own.execute_wrappers.remove(count)
    return sent[0], elapsed


def percentile(values: list[float], share: float) -> float:
    """The `share` (0.5, 0.95) quantile of `values`, interpolated between the nearest two."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]
