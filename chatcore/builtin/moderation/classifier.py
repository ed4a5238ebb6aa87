"""A statistical offensive-language model (alt-profanity-check: a scikit-learn linear SVM
shipped inside the package), to catch what no list names.

It scores the normalizer's output, so evasions that hide words from it are undone first.
Concurrent ``check`` calls are gathered into micro-batches (one ``predict_prob`` per batch is
far cheaper than one per message) and scored in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

from chatcore.builtin.moderation.decide import Span, snippet
from chatcore.builtin.moderation.filters import record
from chatcore.builtin.moderation.normalize import normalize
from chatcore.builtin.moderation.settings import ClassifierSettings
from chatcore.types import Action, Verdict


def load_model() -> Any:
    """The model's ``predict_prob``; raises a clear error if the pickle does not load."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from profanity_check import predict_prob

        predict_prob(["warm up"])
    return predict_prob


class ClassifierFilter:
    """Offensive probability >= threshold -> the configured action."""

    name = "classifier"

    def __init__(self, settings: ClassifierSettings | None = None) -> None:
        self.settings = settings or ClassifierSettings()
        self._predict = None
        self._queue: list[tuple[str, asyncio.Future]] = []
        self._flush: asyncio.Task | None = None

    def scores(self, texts: list[str]) -> list[float]:
        """Offensive probabilities, synchronously. The model sees normalized text, so
        leetspeak, look-alikes and separators do not hide words from it."""
        if self._predict is None:
            self._predict = load_model()
        return [float(p) for p in self._predict([normalize(t).readable() for t in texts])]

    def decide(self, text: str, score: float) -> Verdict:
        if score < self.settings.threshold:
            return Verdict(filter=self.name)
        category = self.settings.category
        evidence = snippet(text, [Span(0, len(text), category)]) + f" p={score:.2f}"
        masked = "*" * len(text) if self.settings.action != "flag" else text
        action = Action(self.settings.action)
        return Verdict(action, category, self.name, masked, evidence, (category,))

    async def start(self) -> None:
        await asyncio.to_thread(self.scores, ["warm up"])

    async def check(self, text: str, message: Any = None) -> Verdict:
        future = asyncio.get_running_loop().create_future()
        self._queue.append((text, future))
        if len(self._queue) >= self.settings.batch_size:
            await self._run_batch()
        elif self._flush is None or self._flush.done():
            self._flush = asyncio.create_task(self._flush_later())
        score = await future
        return record(self.decide(text, score), message)

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.settings.batch_wait_ms / 1000)
        while self._queue:
            await self._run_batch()

    async def _run_batch(self) -> None:
        size = self.settings.batch_size
        batch, self._queue = self._queue[:size], self._queue[size:]
        try:
            scores = await asyncio.to_thread(self.scores, [t for t, _ in batch])
        except Exception as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), score in zip(batch, scores, strict=True):
            if not future.done():
                future.set_result(score)
