"""Choosing the taught answers' threshold: teach a set's known questions, ask its paraphrases
and its out-of-domain questions, and see which cosine separates right matches from the rest.

A paraphrase is *right* when its nearest taught question is the one it means and reaches the
threshold, *wrong* when another one does; an out-of-domain question reaching it is a *false
accept*. The threshold is the lowest whose precision (right / everything accepted) on the dev
sets is at least ``PRECISION``: a taught answer should be the one meant, or none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

PRECISION = 0.98


@dataclass(frozen=True)
class Scored:
    """Per paraphrase: its best cosine and whether that is its own question; per
    out-of-domain question: its best cosine."""

    paraphrase_best: np.ndarray
    paraphrase_right: np.ndarray
    outside_best: np.ndarray


@dataclass(frozen=True)
class Rates:
    threshold: float
    recall: float  # paraphrases answered with their own question's answer
    wrong: float  # paraphrases answered with another question's answer
    false_accept: float  # out-of-domain questions answered
    precision: float


def score(paths: list[Path]) -> Scored:
    from chatcore import safeyaml
    from chatcore.builtin.qa.errors import DataError
    from chatcore.builtin.qa.serve.responder import memory_vectors

    best, right, outside = [], [], []
    for path in paths:
        data = safeyaml.load(path, DataError, what="an evaluation set")
        pairs = [(str(a), str(b)) for a, b in data.get("paraphrases") or []]
        known = list(dict.fromkeys(original for _, original in pairs))
        keys = memory_vectors(known)
        cosines = memory_vectors([text for text, _ in pairs]) @ keys.T
        nearest = cosines.argmax(axis=1)
        best.extend(cosines.max(axis=1).tolist())
        right.extend(known[n] == original for n, (_, original) in zip(nearest, pairs, strict=True))
        questions = [str(q) for q in data.get("out_of_domain") or []]
        if questions:
            outside.extend((memory_vectors(questions) @ keys.T).max(axis=1).tolist())
    return Scored(np.array(best), np.array(right, bool), np.array(outside))


def rates(scored: Scored, threshold: float) -> Rates:
    accepted = scored.paraphrase_best >= threshold
    right = int((accepted & scored.paraphrase_right).sum())
    wrong = int((accepted & ~scored.paraphrase_right).sum())
    outside = int((scored.outside_best >= threshold).sum())
    total = max(1, len(scored.paraphrase_best))
    return Rates(
        threshold,
        recall=right / total,
        wrong=wrong / total,
        false_accept=outside / max(1, len(scored.outside_best)),
        precision=right / max(1, right + wrong + outside),
    )


def choose(scored: Scored, precision: float = PRECISION) -> Rates:
    """The lowest threshold (in steps of 0.01) whose precision reaches ``precision``."""
    for threshold in np.arange(0.5, 1.0, 0.01):
        found = rates(scored, round(float(threshold), 2))
        if found.precision >= precision:
            return found
    return rates(scored, 1.0)
