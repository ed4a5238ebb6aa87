"""The TF-IDF nearest-question baseline (scikit-learn) the LSTM model must beat.

Character 1-4-gram TF-IDF of the normalized questions; the answer is the nearest known
question's; the confidence is the cosine similarity, with the threshold chosen on the same
validation data as the model's.
"""

from __future__ import annotations

import numpy as np

from chatcore.qa.bank import REJECT, AnswerBank
from chatcore.qa.calibrate import choose_threshold
from chatcore.qa.text import question_key


class TfidfBaseline:
    def __init__(self, bank: AnswerBank):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.bank = bank
        questions = bank.labelled_questions()
        self.labels = np.array([label for _, label in questions])
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform([question_key(q) for q, _ in questions])
        self.threshold = 0.5

    def scores(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(best class, cosine similarity) per text."""
        query = self.vectorizer.transform([question_key(t) for t in texts])
        sims = (query @ self.matrix.T).toarray()
        nearest = sims.argmax(axis=1)
        return self.labels[nearest], sims[np.arange(len(texts)), nearest]

    def calibrate(self, texts: list[str], labels: np.ndarray, min_recall: float = 0.85) -> float:
        """Pick the threshold on validation texts exactly as the model's is picked."""
        best, conf = self.scores(texts)
        probs = np.zeros((len(texts), len(self.bank)), np.float32)
        probs[np.arange(len(texts)), best] = conf
        self.threshold = choose_threshold(probs, labels, min_recall)
        return self.threshold

    def predict_many(self, texts: list[str]) -> list[tuple[tuple[str, ...], bool]]:
        best, conf = self.scores(texts)
        return [
            (tuple(self.bank.answers(int(b))), bool(c < self.threshold or b == REJECT))
            for b, c in zip(best, conf, strict=True)
        ]
