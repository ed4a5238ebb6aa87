"""Time and memory bounds shared by the property-based and adversarial-input tests."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterator
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


def best_time(run: Callable[[], object], budget: float, tries: int = 3) -> float:
    """The fastest of up to ``tries`` runs, stopping at the first within ``budget``: a busy
    machine slows a run down but never speeds one up."""
    best = float("inf")
    for _ in range(tries):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
        if best <= budget:
            break
    return best


def assert_linear_scan(scan: Callable[[str], object], text: str, budget: float) -> None:
    """``scan(text)`` takes under ``budget`` seconds, or, when a busy machine made it slower,
    its time grows linearly with the text's length: an eighth of the text takes at least a
    twentieth of the time (linear gives an eighth, quadratic a sixty-fourth) and the whole
    stays within ten budgets. Both still fail by far on anything quadratic."""
    took = best_time(lambda: scan(text), budget, tries=5)
    if took < budget:
        return
    eighth = text[: len(text) // 8]
    part = best_time(lambda: scan(eighth), 0.0, tries=5)
    took = min(took, best_time(lambda: scan(text), 0.0, tries=3))
    assert took < 10 * budget, f"took {took * 1000:.0f} ms (budget {budget * 1000:.0f} ms)"
    assert took < 20 * part, (
        f"not linear: {took * 1000:.0f} ms for the whole, {part * 1000:.1f} ms for an eighth"
    )
