"""Time and memory bounds shared by the property-based loader tests."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import HealthCheck, settings

SECONDS = 2.0  # for one small input; generous, so a busy machine does not fail the test
MEGABYTES = 64  # peak of Python allocations for one small input


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,  # `bounded` times the loader alone, not Hypothesis' own work
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


@contextmanager
def bounded(seconds: float = SECONDS, megabytes: float = MEGABYTES) -> Iterator[None]:
    """The block must finish within ``seconds`` and allocate at most ``megabytes`` at peak."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.2f} s"
    assert peak < megabytes * 2**20, f"allocated {peak / 2**20:.0f} MB at peak"
