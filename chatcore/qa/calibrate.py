"""Calibrated confidence and the fallback threshold, both chosen on validation data."""

from __future__ import annotations

import numpy as np

from chatcore.qa.bank import REJECT


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = logits / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature scaling: the temperature with the lowest validation log-loss."""
    grid = np.concatenate([np.linspace(0.25, 1.0, 16), np.linspace(1.1, 6.0, 50)])
    rows = np.arange(len(labels))
    losses = [-np.log(softmax(logits, t)[rows, labels] + 1e-12).mean() for t in grid]
    return float(grid[int(np.argmin(losses))])


def decide(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(best answer class, confidence) per row; the reject class never wins an answer, it only
    lowers the confidence of the others."""
    answer_probs = probs.copy()
    answer_probs[:, REJECT] = -1.0
    best = answer_probs.argmax(axis=-1)
    return best, answer_probs[np.arange(len(best)), best]


def choose_threshold(probs: np.ndarray, labels: np.ndarray) -> float:
    """The confidence threshold that maximizes the balanced score: the share of in-domain
    questions answered correctly plus the share of out-of-domain ones sent to fallback."""
    best, conf = decide(probs)
    inside = labels != REJECT
    correct = (best == labels) & inside
    candidates = np.unique(np.round(conf, 4))
    scores = []
    for t in candidates:
        answered = conf >= t
        pos = (correct & answered).sum() / max(inside.sum(), 1)
        neg = (~answered & ~inside).sum() / max((~inside).sum(), 1)
        scores.append(pos + neg)
    return float(candidates[int(np.argmax(scores))]) if len(candidates) else 0.5
