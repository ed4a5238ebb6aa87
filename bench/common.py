"""Shared helpers for benchmarks: repeated timing with median/p95, and a plain table."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from chatcore.stats import percentile


@dataclass(frozen=True)
class Stats:
    """Timings of repeated runs, in milliseconds."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    def __str__(self) -> str:
        return f"{self.median:.3f} / {self.p95:.3f}"


def time_runs(func: Callable[[], object], runs: int, warmup: int = 3) -> Stats:
    """Call ``func`` ``warmup`` times untimed, then ``runs`` times timed."""
    return time_interleaved({"": func}, runs, warmup)[""]


def time_interleaved(
    funcs: dict[str, Callable[[], object]], runs: int, warmup: int = 3
) -> dict[str, Stats]:
    """``time_runs`` for several functions taking turns, one run of each per round: a slow
    spell of a shared machine then falls on all of them alike, not on whichever ran in it."""
    for _ in range(warmup):
        for func in funcs.values():
            func()
    samples: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(runs):
        for name, func in funcs.items():
            started = time.perf_counter()
            func()
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: Stats(tuple(values)) for name, values in samples.items()}


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (readable in a terminal too)."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([f"### {title}", "", line(headers), rule, *map(line, cells), ""])


def fresh_python(*args: str) -> str:
    """The last line a fresh Python process (``python ARGS...``) prints: measurements that
    must not inherit this process's imports, threads or peak memory."""
    import subprocess
    import sys

    from chatcore.tfquiet import quiet_env

    out = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        check=True,
        env=quiet_env(),
    )
    return out.stdout.strip().splitlines()[-1]


def qa_model(tmp: Path) -> Path:
    """The QA model to measure: $QA_BENCH_MODEL if set, else the tests' tiny model trained
    in ``tmp`` (its sentence encoder is the default model's: the encoder's costs are alike)."""
    existing = os.environ.get("QA_BENCH_MODEL")
    if existing:
        return Path(existing)
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    from chatcore.builtin.qa.model import modeldir
    from chatcore.builtin.qa.train.training import train
    from tests.tiny import tiny_pairs, tiny_settings

    return modeldir.save(train(tiny_pairs(), tiny_settings(ensemble=1)), tmp / "tiny")
