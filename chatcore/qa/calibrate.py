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
