"""Texts -> the arrays the model reads: word ids, hashed subword ids and, when the model has
the pretrained branch, the sentence encoder's vector of the text (``qa.model.encoder``).

The sentence vector is computed from the tokens joined back into text (``detokenize``), in
training (where the noisy copies exist only as tokens) and in serving alike, so both see the
same kind of input."""

from __future__ import annotations

import os
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from chatcore.builtin.qa.data.text import detokenize, hash_feature, subword_features, tokenize

PAD, OOV = 0, 1


@dataclass
class Featurizer:
    """The vocabulary and sizes; saved with the model as ``vocab.json``."""

    words: list[str] = field(default_factory=list)
    max_words: int = 24
    max_grams: int = 160
    buckets: int = 32768
    sentence: bool = False  # a third input: the pretrained encoder's sentence vector

    def __post_init__(self) -> None:
        self._index = {w: i + 2 for i, w in enumerate(self.words)}

    @classmethod
    def fit(cls, texts: Iterable[str], **sizes: Any) -> Featurizer:
        """A vocabulary of every word in ``texts``, most frequent first (ties by spelling)."""
        counts = Counter(t for text in texts for t in tokenize(text))
        words = sorted(counts, key=lambda w: (-counts[w], w))
        return cls(words=words, **sizes)

    @property
    def vocab_size(self) -> int:
        return len(self.words) + 2

    def encode_tokens(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(word ids, subword ids) of one tokenized text, padded with zeros."""
        words = np.zeros(self.max_words, dtype=np.int32)
        ids = [self._index.get(t, OOV) for t in tokens[: self.max_words]]
        words[: len(ids)] = ids
        grams = np.zeros(self.max_grams, dtype=np.int32)
        hashed = [hash_feature(f, self.buckets) for f in subword_features(tokens)]
        hashed = hashed[: self.max_grams]
        grams[: len(hashed)] = hashed
        return words, grams

    def encode(self, text: str) -> tuple[np.ndarray, ...]:
        """The model's inputs for one text, each without the batch axis."""
        return tuple(array[0] for array in self.encode_many([tokenize(text)]))

    def encode_many(self, token_lists: list[list[str]]) -> tuple[np.ndarray, ...]:
        """The model's inputs for tokenized texts: word ids (n, max_words), subword ids
        (n, max_grams) and, with ``sentence``, vectors (n, encoder.DIM)."""
        words, grams = self.encode_many_ids(token_lists)
        if not self.sentence:
            return words, grams
        return words, grams, sentence_vectors([detokenize(t) for t in token_lists])

    def word_ids(self, token_lists: list[list[str]]) -> np.ndarray:
        """Only the word ids (n, max_words): what the generation head reads."""
        return self.encode_many_ids(token_lists)[0]

    def encode_many_ids(self, token_lists: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        pairs = [self.encode_tokens(tokens) for tokens in token_lists]
        if not pairs:
            empty = np.zeros((0, self.max_words), np.int32)
            return empty, np.zeros((0, self.max_grams), np.int32)
        return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])

    def idf(self, token_lists: list[list[str]]) -> np.ndarray:
        """Smoothed inverse document frequency per bucket over the known questions; 0 for
        buckets no known question uses."""
        df = np.zeros(self.buckets, dtype=np.float32)
        for tokens in token_lists:
            _, grams = self.encode_tokens(tokens)
            df[np.unique(grams[grams > 0])] += 1
        idf = np.log((1 + len(token_lists)) / (1 + df)) + 1.0
        return np.where(df > 0, idf, 0.0).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Featurizer:
        return cls(**data)


def sentence_vectors(texts: list[str]) -> np.ndarray:
    """The shared encoder's vectors, each distinct text encoded once (noisy copies and short
    questions repeat a lot in training). Small batches (serving) remember their last few
    thousand texts, so the taught answers' lookup reuses the vector the model just made."""
    from chatcore.builtin.qa.model.encoder import shared_encoder

    distinct = list(dict.fromkeys(texts))
    if len(distinct) <= RECENT_BATCH:
        return _recent_vectors(texts, distinct, shared_encoder())
    vectors = _encode_in_parallel(shared_encoder(), distinct)
    row = {text: i for i, text in enumerate(distinct)}
    return vectors[[row[t] for t in texts]] if texts else vectors


def _encode_in_parallel(encoder: Any, texts: list[str]) -> np.ndarray:
    """Large batches in chunks on two threads: the encoder's work (tokenizer, matrix products)
    runs without the GIL, so two cores encode about 1.8 times as fast (bench teach, review)."""
    threads = min(ENCODE_THREADS, os.cpu_count() or 1)
    if threads < 2 or len(texts) < 2 * ENCODE_CHUNK:
        return encoder.encode(texts)
    chunks = [texts[i : i + ENCODE_CHUNK] for i in range(0, len(texts), ENCODE_CHUNK)]
    with ThreadPoolExecutor(threads, thread_name_prefix="chatcore-encode") as pool:
        return np.concatenate(list(pool.map(encoder.encode, chunks)))


ENCODE_THREADS = 2
ENCODE_CHUNK = 512
RECENT_BATCH = 64
RECENT_TEXTS = 4096
_recent: OrderedDict[str, np.ndarray] = OrderedDict()
_recent_lock = threading.Lock()
SOON_TEXTS = 16
_soon: list[str] = []


def encode_soon(texts: list[str]) -> None:
    """Texts the next small encoder call should encode too (at most ``SOON_TEXTS`` wait): a
    responder that will need a vector after the filters have made theirs (the QA model's
    reading of a follow-up) has it made in the same call, where a call of its own would pay
    the encoder's fixed cost again."""
    with _recent_lock:
        for text in texts:
            if text not in _recent and text not in _soon:
                _soon.append(text)
        del _soon[: max(0, len(_soon) - SOON_TEXTS)]


def _recent_vectors(texts: list[str], distinct: list[str], encoder: Any) -> np.ndarray:
    if not texts:
        return encoder.encode([])
    with _recent_lock:  # small batches only: holding it while encoding costs little
        missing = [t for t in distinct if t not in _recent]
        extra = [t for t in _soon if t not in _recent and t not in missing] if missing else []
        if missing:
            _soon.clear()
        encoded = missing + extra
        found = dict(zip(encoded, encoder.encode(encoded), strict=True)) if missing else {}
        for text in extra:
            _recent[text] = found[text]
        for text in distinct:
            if text in found:
                _recent[text] = found[text]
            else:
                found[text] = _recent[text]
            _recent.move_to_end(text)
        while len(_recent) > RECENT_TEXTS:
            _recent.popitem(last=False)
    return np.stack([found[t] for t in texts])
