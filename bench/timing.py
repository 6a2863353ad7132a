"""How the benchmarks time things: the best of a few runs, percentiles, statements counted."""

import statistics
import time
from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


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
    """How many statements `run` sends (BEGIN and COMMIT included) and how long it takes."""
    with CaptureQueriesContext(connection) as captured:
        began = time.perf_counter()
        run()
        elapsed = time.perf_counter() - began
    return len(captured.captured_queries), elapsed


def percentile(values: list[float], share: float) -> float:
    """The `share` (0.5, 0.95) quantile of `values`, interpolated between the nearest two."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]
