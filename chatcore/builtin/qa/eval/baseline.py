"""Nearest-question baselines the trained model must beat, each calibrated like the model.

- TF-IDF: character 1-4-gram TF-IDF (scikit-learn) of the normalised questions.
- encoder: the pretrained sentence encoder's vectors (``qa.model.encoder``), cosine.

The answer is the nearest known question's; the confidence is the cosine similarity, with the
threshold chosen as the model's is: TF-IDF's on the validation split, the encoder's on the
background questions.
"""

from __future__ import annotations

import numpy as np

from chatcore.builtin.qa.data.bank import REJECT, AnswerBank
from chatcore.builtin.qa.data.text import question_key
from chatcore.builtin.qa.train.calibrate import background_gate, choose_threshold


class NearestQuestion:
    """Retrieval over the bank's known questions; subclasses say how a text becomes a vector
    (rows of ``similarities`` are cosines against every known question)."""

    def __init__(self, bank: AnswerBank):
        self.bank = bank
        questions = bank.labelled_questions()
        self.labels = np.array([label for _, label in questions])
        self.fit([q for q, _ in questions])
        self.threshold = 0.5

    def fit(self, questions: list[str]) -> None:
        raise NotImplementedError

    def similarities(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def scores(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(best class, cosine similarity) per text."""
        sims = self.similarities(texts)
        nearest = sims.argmax(axis=1)
        return self.labels[nearest], sims[np.arange(len(texts)), nearest]

    def calibrate(self, texts: list[str], labels: np.ndarray, min_recall: float = 0.85) -> float:
        """Pick the threshold on validation texts exactly as the model's is picked."""
        best, conf = self.scores(texts)
        probs = np.zeros((len(texts), len(self.bank)), np.float32)
        probs[np.arange(len(texts)), best] = conf
        self.threshold = choose_threshold(probs, labels, min_recall)
        return self.threshold

    def calibrate_on_background(self, recall: float) -> float:
        """The model's similarity gate (encoder baselines only): ``recall`` of the background
        questions fall back."""
        self.threshold = background_gate(self.matrix, recall)
        return self.threshold

    def predict_many(self, texts: list[str]) -> list[tuple[tuple[str, ...], bool]]:
        best, conf = self.scores(texts)
        return [
            (tuple(self.bank.answers(int(b))), bool(c < self.threshold or b == REJECT))
            for b, c in zip(best, conf, strict=True)
        ]


class TfidfBaseline(NearestQuestion):
    def fit(self, questions: list[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform([question_key(q) for q in questions])

    def similarities(self, texts: list[str]) -> np.ndarray:
        query = self.vectorizer.transform([question_key(t) for t in texts])
        return (query @ self.matrix.T).toarray()


class EncoderBaseline(NearestQuestion):
    """Texts are encoded as the model encodes them (tokens joined back), so the baseline and
    the model's retrieval head see the same vectors."""

    def fit(self, questions: list[str]) -> None:
        self.matrix = _sentence_vectors(questions)

    def similarities(self, texts: list[str]) -> np.ndarray:
        return _sentence_vectors(texts) @ self.matrix.T


def _sentence_vectors(texts: list[str]) -> np.ndarray:
    from chatcore.builtin.qa.data.text import reading
    from chatcore.builtin.qa.model.features import sentence_vectors

    return sentence_vectors([reading(t) for t in texts])
