"""Summary statistics of timing samples, shared by ``chatcore eval`` and the benchmarks."""

from __future__ import annotations

from collections.abc import Iterable


def percentile(samples: Iterable[float], q: float) -> float:
    """The ``q``-th percentile (0 to 100) of ``samples``: the sample at rank ``q`` % of the
    way from the smallest to the largest, rounded to the nearest rank. Always one of the
    samples (never an interpolation), so a p95 is a time that some call really took.
    ValueError when there are no samples or ``q`` is outside 0..100."""
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("percentile of no samples")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0..100")
    return ordered[round(q / 100 * (len(ordered) - 1))]
