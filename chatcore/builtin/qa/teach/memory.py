"""The taught questions as vectors of the model's own sentence encoder, matched by cosine.

A message is compared with every taught question in one matrix-vector product (10,000
questions of 384 values: a fraction of a millisecond); its nearest one answers when the cosine
reaches the threshold. Refreshing reads the log's new changes and encodes only questions not
seen before; the new arrays replace the old in one assignment, so a reader never sees half.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from chatcore.builtin.qa.teach.log import Change, Item, Knowledge, TaughtLog

log = logging.getLogger(__name__)
Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Match:
    item: Item
    question: str
    score: float


PROJECT_FROM = 4096  # from this many questions on, search a projection first
PROJECTED_DIM = 96
CANDIDATES = 64


@dataclass(frozen=True)
class _Index:
    vectors: np.ndarray  # (questions, dim), L2-normalised
    rows: tuple[tuple[Item, str], ...]  # the item and question of each row
    basis: np.ndarray | None = None  # (dim, PROJECTED_DIM): the questions' main directions
    projected: np.ndarray | None = None  # (questions, PROJECTED_DIM)

    def scores(self, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows, their exact cosines): every row, or for a large index the CANDIDATES rows
        nearest in the projection, rescored exactly. The full matrix of 10,000 questions is
        15 MB, read from memory on every message; the projection is a sixth of that, and the
        nearest question of the full space is among the projection's nearest few."""
        if self.basis is None or self.projected is None:
            return np.arange(len(self.rows)), self.vectors @ vector
        rough = self.projected @ (vector @ self.basis)
        rows = np.argpartition(-rough, CANDIDATES)[:CANDIDATES]
        return rows, self.vectors[rows] @ vector


EMPTY = _Index(np.zeros((0, 1), np.float32), ())


def _projected(vectors: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    if len(vectors) < PROJECT_FROM:
        return None, None
    _, _, directions = np.linalg.svd(vectors, full_matrices=False)
    basis = np.ascontiguousarray(directions[:PROJECTED_DIM].T, dtype=np.float32)
    return basis, np.ascontiguousarray(vectors @ basis, dtype=np.float32)


class TaughtMemory:
    def __init__(self, taught_log: TaughtLog, encode: Encode, threshold: float) -> None:
        self.log = taught_log
        self.encode = encode
        self.threshold = threshold
        self.knowledge = Knowledge()
        self._changes: list[Change] = []
        self._index = EMPTY
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()  # one refresh at a time

    def refresh(self) -> bool:
        """Fold in the changes made since the last refresh (by any process); True if any."""
        with self._lock:
            new = self.log.since(self.knowledge.version)
            if not new:
                return False
            changes = [*self._changes, *new]
            knowledge = Knowledge.fold(changes)
            index = self._build(knowledge)
            self._changes, self.knowledge, self._index = changes, knowledge, index
            log.info("taught answers: version %d, %d items", knowledge.version, len(index.rows))
            return True

    def _build(self, knowledge: Knowledge) -> _Index:
        rows = [(item, q) for item in knowledge.taught() for q in item.questions if q.strip()]
        if not rows:
            return EMPTY
        missing = list(dict.fromkeys(q for _, q in rows if q not in self._cache))
        if missing:
            for question, vector in zip(missing, self.encode(missing), strict=True):
                self._cache[question] = vector.astype(np.float32)
        vectors = np.stack([self._cache[q] for _, q in rows])
        return _Index(vectors, tuple(rows), *_projected(vectors))

    @property
    def has_questions(self) -> bool:
        return bool(self._index.rows)

    def match(self, vector: np.ndarray) -> Match | None:
        """The nearest taught question at or above the threshold, else None."""
        index = self._index
        if not index.rows:
            return None
        rows, scores = index.scores(vector)
        best = int(np.argmax(scores))
        score = float(scores[best])
        if score < self.threshold:
            return None
        item, question = index.rows[int(rows[best])]
        return Match(item, question, score)

    def nearest(self, vector: np.ndarray, count: int) -> list[Match]:
        """The ``count`` nearest taught questions whatever their score (for "did you mean")."""
        index = self._index
        if not index.rows:
            return []
        scores = index.vectors @ vector
        order = np.argsort(-scores)[:count]
        return [Match(*index.rows[i], float(scores[i])) for i in order]
