"""The ``meaning`` filter: the lexicon and the meaning classifier decide together.

- a listed word, and the classifier at least ``overrule`` sure the message is offensive:
  the lexicon's verdict (its categories, spans and actions);
- a listed word, the classifier below ``overrule``: an innocent sense (a bird, a place, a
  tool): allowed, and flagged so the decision is on record;
- no listed word, the classifier at least ``threshold`` sure: its category, the configured
  action (hostile meaning without a listed word: threats, hate in plain words);
- otherwise allowed.

Both thresholds come with the model (chosen on the dev split when it was trained) unless the
config sets them. The classifier runs in micro-batches on a worker thread.
"""

from __future__ import annotations

from typing import Any

from chatcore.batching import MicroBatcher
from chatcore.builtin.moderation.decide import Span, snippet
from chatcore.builtin.moderation.filters import LexiconFilter, record
from chatcore.builtin.moderation.settings import LexiconSettings, MeaningSettings
from chatcore.types import Action, Verdict


class MeaningFilter:
    """Lexicon + classifier; the lexicon's settings are the ``lexicon`` section's."""

    name = "meaning"

    def __init__(self, settings: MeaningSettings, lexicon: LexiconSettings | None = None):
        from chatcore.builtin.moderation.meaning.model import MeaningModel

        self.settings = settings
        self.lexicon = LexiconFilter(lexicon)
        self.model = MeaningModel.load(settings.model_dir)
        self.threshold = settings.threshold or self.model.threshold
        self.overrule = self.model.overrule if settings.overrule is None else settings.overrule
        self._batcher: MicroBatcher | None = None

    def judge(self, texts: list[str]) -> list[tuple[float, str]]:
        """(offensive probability, category) per text, synchronously."""
        from chatcore.builtin.moderation.meaning.features import features

        return self.model.judge(features(texts))

    def decide(self, text: str, judged: tuple[float, str], message: Any = None) -> Verdict:
        offensive, category = judged
        listed = self.lexicon.decide(text, message)
        if listed.action is not Action.ALLOW:
            if offensive >= self.overrule:
                return listed
            evidence = f"{listed.snippet} p={offensive:.2f}: an innocent sense"
            return Verdict(
                Action.FLAG, listed.category, self.name, None, evidence, listed.categories
            )
        if offensive < self.threshold:
            return Verdict(filter=self.name)
        evidence = snippet(text, [Span(0, len(text), category)]) + f" p={offensive:.2f}"
        action = Action(self.lexicon.actions(message).get(category, self.settings.action))
        if action is Action.ALLOW:
            return Verdict(filter=self.name)
        masked = "*" * len(text) if action is not Action.FLAG else None
        return Verdict(action, category, self.name, masked, evidence, (category,))

    async def start(self) -> None:
        self._batcher = MicroBatcher(
            self.judge,
            max_batch=self.settings.max_batch,
            window_ms=self.settings.batch_window_ms,
        )
        await self._batcher.submit("warm up")

    async def check(self, text: str, message: Any = None) -> Verdict:
        if self._batcher is None:
            await self.start()
        assert self._batcher is not None
        return record(self.decide(text, await self._batcher.submit(text), message), message)

    async def close(self) -> None:
        if self._batcher is not None:
            await self._batcher.close()
            self._batcher = None
