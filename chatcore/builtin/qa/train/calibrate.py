"""Calibrated confidence and the fallback threshold, both chosen on validation data."""

from __future__ import annotations

import numpy as np

from chatcore.builtin.qa.data.bank import REJECT


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = logits / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Log-probabilities, in the logits' precision: unlike ``softmax``, tiny probabilities
    keep their order instead of rounding to 0."""
    z = logits / np.float32(temperature)
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature scaling: the temperature of the grid with the lowest validation log-loss.
    The log-loss is convex in 1/temperature, so along the grid it falls then rises: a
    ternary search finds the lowest point with ~20 evaluations instead of all 66."""
    grid = np.concatenate([np.linspace(0.25, 1.0, 16), np.linspace(1.1, 6.0, 50)])
    logits = np.asarray(logits, np.float32)
    chosen = logits[np.arange(len(labels)), labels]
    top = logits.max(axis=-1)
    losses: dict[int, float] = {}

    def loss(i: int) -> float:  # mean of logsumexp(z / t) - z_label / t, in float32
        if i not in losses:
            inverse = np.float32(1.0 / grid[i])
            spread = np.exp((logits - top[:, None]) * inverse).sum(axis=-1)
            losses[i] = float(np.mean(np.log(spread) + (top - chosen) * inverse))
        return losses[i]

    lo, hi = 0, len(grid) - 1
    while hi - lo > 2:
        third = (hi - lo) // 3
        if loss(lo + third) <= loss(hi - third):
            hi = hi - third
        else:
            lo = lo + third
    return float(grid[min(range(lo, hi + 1), key=loss)])


def decide(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(best answer class, confidence) per row; the reject class never wins an answer, it only
    lowers the confidence of the others. Works on log-probabilities too (then the confidence
    is a log-probability)."""
    answer_probs = probs.copy()
    answer_probs[:, REJECT] = -np.inf
    best = answer_probs.argmax(axis=-1)
    return best, answer_probs[np.arange(len(best)), best]


def choose_threshold(probs: np.ndarray, labels: np.ndarray, min_recall: float = 0.85) -> float:
    """The fallback threshold, chosen on validation data: the lowest one that still sends at
    least ``min_recall`` of the out-of-domain texts to fallback (so as many in-domain
    questions as possible get answered); without negatives, or when no threshold reaches that
    recall, the one with the best balanced score (in-domain answered correctly plus
    out-of-domain sent to fallback)."""
    best, conf = decide(probs)
    inside = labels != REJECT
    correct = (best == labels) & inside
    candidates = np.unique(np.round(conf, 4))
    if not len(candidates):
        return 0.5
    pos, neg = _rates(candidates, conf, correct, inside)
    if (~inside).any() and (neg >= min_recall).any():
        ok = np.flatnonzero(neg >= min_recall)
        return float(candidates[ok[np.argmax(pos[ok])]])
    return float(candidates[int(np.argmax(pos + neg))])


def _rates(candidates, conf, correct, inside) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate threshold: share of in-domain answered correctly, share of out-of-domain
    sent to fallback."""
    answered = conf[None, :] >= candidates[:, None]
    pos = (answered & correct[None, :]).sum(axis=1) / max(inside.sum(), 1)
    neg = (~answered & ~inside[None, :]).sum(axis=1) / max((~inside).sum(), 1)
    return pos, neg


NEAR_KNOWN = 0.9  # a background question this close to a known one is probably answered by it


def background_gate(keys: np.ndarray, recall: float) -> float:
    """The similarity gate: the nearest-known cosine below which a question falls back, chosen
    so that ``recall`` of the background questions (qa.data.background) fall back. ``keys``
    are the known texts' unit vectors (n, dim); 0 (no gate) when no background question is
    left after dropping those as close as ``NEAR_KNOWN`` to a known text."""
    from chatcore.builtin.qa.data import background
    from chatcore.builtin.qa.data.text import reading
    from chatcore.builtin.qa.model.features import sentence_vectors

    texts = [reading(q) for q in background.questions()]  # as serving encodes
    vectors = sentence_vectors(texts)
    nearest = np.concatenate(
        [(vectors[i : i + 256] @ keys.T).max(axis=1) for i in range(0, len(vectors), 256)]
    )
    unknown = nearest[nearest < NEAR_KNOWN]
    return float(np.quantile(unknown, recall)) if len(unknown) else 0.0
