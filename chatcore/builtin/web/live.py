"""The console's live numbers: what this process answered in the last minutes."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chatcore.stats import percentile

WINDOW_SECONDS = 15 * 60


@dataclass(frozen=True, slots=True)
class _Answered:
    at: float
    latency_ms: float
    fallback: bool


class LiveNumbers:
    """A sliding window of replies (time, latency, fallback): messages per minute, fallback
    rate and latency p95 over the last minutes, and a per-minute series for a chart."""

    def __init__(self, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.time):
        self.window = window
        self._clock = clock
        self._answered: deque[_Answered] = deque()

    def record(self, latency_ms: float, fallback: bool) -> None:
        self._answered.append(_Answered(self._clock(), latency_ms, fallback))
        self._expire()

    def snapshot(self) -> dict[str, Any]:
        self._expire()
        answered = list(self._answered)
        now = self._clock()
        last_minute = [a for a in answered if a.at > now - 60]
        minutes: dict[int, list[_Answered]] = {}
        for item in answered:
            minutes.setdefault(int(item.at // 60) * 60, []).append(item)
        return {
            "window_seconds": int(self.window),
            "messages": len(answered),
            "messages_per_minute": float(len(last_minute)),
            "fallback_rate": (
                sum(a.fallback for a in answered) / len(answered) if answered else 0.0
            ),
            "latency_p95_ms": (
                round(percentile([a.latency_ms for a in answered], 95), 2) if answered else None
            ),
            "per_minute": [
                {
                    "minute": minute,
                    "messages": len(items),
                    "fallbacks": sum(a.fallback for a in items),
                }
                for minute, items in sorted(minutes.items())
            ],
        }

    def _expire(self) -> None:
        horizon = self._clock() - self.window
        while self._answered and self._answered[0].at <= horizon:
            self._answered.popleft()
