"""Benchmark settings: production's (every value from the environment bench/run.py sets), with the bare
views beside the app's (bench/bare.py)."""

from casemgmt.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.bare"
