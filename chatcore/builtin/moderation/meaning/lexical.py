"""The meaning classifier's second reader: the letters of a message, not its sense. Character
n-grams (2 to 5, within words, padded by a space) of the text with evasions undone
(chatcore.builtin.moderation.normalize), TF-IDF weighted, hashed into ``BUCKETS`` and read by
a logistic regression. It sees spellings the sentence encoder blurs (an insult, slang or a
Chinese shorthand it never learned) and no meaning; the meaning filter averages the two
(model.MeaningModel.judge).

Plain NumPy at run time; trained with scikit-learn (the qa extra) by ``chatcore
train-meaning``."""

from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chatcore.builtin.moderation.normalize import normalize

BUCKETS = 1 << 18
SIZES = range(2, 6)  # n-gram lengths
MAX_CHARS = 2000  # what is read of a message
INVERSE_REGULARISATION = 10.0  # the logistic regression's C


def grams(text: str) -> list[str]:
    """The character n-grams of each word of the text with evasions undone (a Han sentence,
    written without spaces, is one word)."""
    found = []
    for word in normalize(text[:MAX_CHARS]).readable().split():
        padded = f" {word} "
        for size in SIZES:
            found.extend(padded[i : i + size] for i in range(len(padded) - size + 1))
    return found


def counted(text: str) -> Counter[int]:
    """How often each bucket occurs in the text."""
    return Counter(1 + zlib.crc32(gram.encode("utf-8")) % (BUCKETS - 1) for gram in grams(text))


def weighted(counts: Counter[int], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(buckets, TF-IDF weights of unit length): sublinear term frequency times idf."""
    buckets = np.fromiter(counts, np.int64, len(counts))
    tf = np.fromiter((1.0 + math.log(n) for n in counts.values()), np.float64, len(counts))
    values = tf * idf[buckets]
    norm = float(np.sqrt(values @ values))
    return buckets, (values / norm if norm else values)


@dataclass(frozen=True)
class LexicalReader:
    """The trained regression: per bucket its idf and weight, and the bias."""

    idf: np.ndarray  # (BUCKETS,)
    coef: np.ndarray  # (BUCKETS,)
    bias: float

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """The probability that each text is offensive, by its letters alone."""
        logits = np.empty(len(texts))
        for row, text in enumerate(texts):
            buckets, values = weighted(counted(text), self.idf)
            logits[row] = values @ self.coef[buckets] + self.bias
        return 1.0 / (1.0 + np.exp(-logits))


def fit_lexical(texts: Sequence[str], offensive: Sequence[bool]) -> dict[str, np.ndarray]:
    """``lexical_idf``, ``lexical_coef`` and ``lexical_bias``: a logistic regression (balanced
    class weights) on the texts' weighted n-grams."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    counts = [counted(text) for text in texts]
    df = np.zeros(BUCKETS)
    for found in counts:
        df[np.fromiter(found, np.int64, len(found))] += 1
    idf = np.log((1 + len(texts)) / (1 + df)) + 1.0
    rows = [weighted(found, idf) for found in counts]
    indptr = np.cumsum([0, *(len(buckets) for buckets, _ in rows)])
    matrix = csr_matrix(
        (
            np.concatenate([values for _, values in rows]),
            np.concatenate([buckets for buckets, _ in rows]),
            indptr,
        ),
        shape=(len(texts), BUCKETS),
    )
    regression = LogisticRegression(
        C=INVERSE_REGULARISATION, max_iter=3000, class_weight="balanced"
    )
    regression.fit(matrix, np.asarray(offensive, bool))
    return {
        "lexical_idf": idf.astype(np.float32),
        "lexical_coef": regression.coef_[0].astype(np.float32),
        "lexical_bias": np.array([regression.intercept_[0]], np.float32),
    }
