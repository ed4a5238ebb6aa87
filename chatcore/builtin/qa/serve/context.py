"""Follow-up questions: reading a message together with the question answered just before.

"how much?" after "do you repair flat tyres?" means "how much does a puncture repair cost?".
The same network reads two texts: the message alone, and the previous question followed by
the message. Their log-probabilities are averaged (a product of experts: an answer must suit
the message and the conversation), the previous answer is left out (a follow-up asks
something new) and the rest renormalised. The contextual reading replaces the message's own
answer only when it is sure (``min_confidence``) and a known question of the chosen answer is
close to one of the two texts (the model's similarity gate plus ``margin``); otherwise the
message is answered as if it came alone, so a new topic is not dragged back to the old one.
The defaults were chosen on data/dev/followup_*.yml and data/faq/dev/followup_*.yml.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chatcore.builtin.qa.data.bank import REJECT


@dataclass(frozen=True)
class Previous:
    """The conversation a message follows: the user's previous question and the answer class
    that answered it."""

    question: str
    index: int


@dataclass(frozen=True)
class ContextSettings:
    weight: float = 0.5  # of the contextual reading in the average (0: context ignored)
    min_confidence: float = 0.4
    margin: float = 0.05  # over the model's similarity gate


@dataclass(frozen=True)
class Choice:
    """The contextual reading's answer class, its confidence and similarity."""

    index: int
    confidence: float
    similarity: float


def contextual_text(previous: Previous, text: str) -> str:
    return f"{previous.question} {text}"


def choose(
    alone: np.ndarray,
    together: np.ndarray,
    alone_sims: np.ndarray,
    together_sims: np.ndarray,
    previous: Previous,
    settings: ContextSettings,
) -> Choice:
    """The best answer class for the message read in context. ``alone``/``together`` are the
    log-probabilities (language preference applied) of the message and of the contextual
    text; ``*_sims`` their best cosines per class."""
    mixed = (1 - settings.weight) * alone + settings.weight * together
    mixed[REJECT] = -np.inf
    if 0 < previous.index < len(mixed):
        mixed[previous.index] = -np.inf
    mixed = mixed - np.logaddexp.reduce(mixed)
    best = int(mixed.argmax())
    similarity = float(max(alone_sims[best], together_sims[best]))
    return Choice(best, float(np.exp(mixed[best])), similarity)


def accepted(choice: Choice, settings: ContextSettings, min_similarity: float) -> bool:
    return (
        choice.confidence >= settings.min_confidence
        and choice.similarity >= min_similarity + settings.margin
    )
