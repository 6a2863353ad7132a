"""Benchmarks (bench/README.md): timings live here, never in pass/fail tests."""
