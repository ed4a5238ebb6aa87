"""Inference for the generation head: greedy decoding compiled into one graph.

A ``tf.function`` with a fixed signature (a batch of word-id rows) runs the encoder once and
then decoder steps in a ``tf.while_loop`` (until every row said END, at most ``max_len``),
carrying the LSTM state from step to step inside the graph (never ``model.predict`` per
token). Per step it keeps the chosen token and its log-prob; the
mean log-prob up to END is the generation's confidence, compared with the threshold chosen on
validation data (chatcore.builtin.qa.train.generator) and stored in ``generator.json``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from chatcore.builtin.qa.model.decoder import END, START, TargetVocab
from chatcore.builtin.qa.model.features import Featurizer

GENERATOR = "generator.keras"
GENERATOR_META = "generator.json"


@dataclass(frozen=True)
class Generated:
    """One generated answer: its text, mean token log-prob and whether it is too unsure."""

    text: str
    logprob: float
    fallback: bool

    @property
    def confidence(self) -> float:
        return math.exp(self.logprob)


class Generator:
    """Generates answers with a trained generation head."""

    def __init__(self, model: Any, featurizer: Featurizer, vocab: TargetVocab, threshold: float):
        self.model = model
        self.featurizer = featurizer
        self.vocab = vocab
        self.threshold = threshold
        self._fn = compile_decoder(model, featurizer.max_words, vocab.max_len)

    @classmethod
    def load(cls, files: Any, threshold: float | None = None) -> Generator | None:
        """The generator of a model directory, or None when it has none (select-only)."""
        from chatcore.builtin.qa.model import modeldir

        meta = files.extra.get(GENERATOR_META)
        if meta is None:
            return None
        model = modeldir.load_keras(files, GENERATOR)
        featurizer = Featurizer.from_dict(files.vocab)
        vocab = TargetVocab.from_dict(meta["vocab"])
        chosen = float(meta["threshold"] if threshold is None else threshold)
        generator = cls(model, featurizer, vocab, chosen)
        generator.generate("hello")  # trace the graph now, not on the first user's message
        return generator

    def decode(self, texts: list[str]) -> tuple[list[list[int]], np.ndarray]:
        """Generated ids (cut after END) and mean token log-probs, one per text."""
        from chatcore.builtin.qa.data.text import tokenize

        words = self.featurizer.word_ids([tokenize(t) for t in texts])
        if not len(words):
            return [], np.zeros(0, np.float32)
        ids, logps = (a.numpy() for a in self._fn(words))
        out, means = [], []
        for row, lp in zip(ids.tolist(), logps, strict=True):
            n = row.index(END) + 1 if END in row else len(row)
            out.append(row[:n])
            means.append(float(lp[:n].mean()))
        return out, np.array(means, np.float32)

    def generate_many(self, texts: list[str]) -> list[Generated]:
        from chatcore.builtin.qa.data.text import tokenize

        ids, logps = self.decode(texts)
        out = []
        for text, row, lp in zip(texts, ids, logps.tolist(), strict=True):
            empty = not tokenize(text)
            answer = "" if empty else self.vocab.text(row)
            out.append(Generated(answer, lp, empty or not answer or lp < self.threshold))
        return out

    def generate(self, text: str) -> Generated:
        return self.generate_many([text])[0]


def compile_decoder(model: Any, max_words: int, max_len: int):
    """Encoder + at most ``max_len`` greedy decoder steps in one traced graph (keras-io
    lstm_seq2seq's separate encoder/decoder, rebuilt from the named layers)."""
    import tensorflow as tf

    layer = model.get_layer
    embedding, encoder, pooling = layer("word_embedding"), layer("encoder"), layer("attention")
    init_h, init_c, gen_embedding = layer("gen_init_h"), layer("gen_init_c"), layer("gen_embedding")
    cell, attention = layer("gen_lstm").cell, layer("gen_attention")
    combine, project = layer("gen_combine"), layer("gen_logits")

    @tf.function(input_signature=[tf.TensorSpec((None, max_words), tf.int32, name="words")])
    def greedy(words):
        encoded = encoder(embedding(words))
        pooled = pooling([encoded, words])
        keys = attention.project(encoded)

        def step(i, token, h, c, done, ids, logps):
            out, (h, c) = cell(gen_embedding(token), [h, c], training=False)
            context = attention.attend(out[:, None, :], keys, encoded, words)[:, 0, :]
            logits = project(combine(tf.concat([out, context], axis=-1)))
            logp = tf.nn.log_softmax(logits, axis=-1)
            token = tf.argmax(logp, axis=-1, output_type=tf.int32)
            ids, logps = ids.write(i, token), logps.write(i, tf.reduce_max(logp, axis=-1))
            return i + 1, token, h, c, done | tf.equal(token, END), ids, logps

        def more(i, token, h, c, done, ids, logps):  # stop when every row has said END
            return tf.logical_and(i < max_len, tf.logical_not(tf.reduce_all(done)))

        start = tf.fill([tf.shape(words)[0]], START)
        state = (init_h(pooled), init_c(pooled), tf.zeros_like(start, tf.bool))
        arrays = (tf.TensorArray(tf.int32, 0, True), tf.TensorArray(tf.float32, 0, True))
        *_, ids, logps = tf.while_loop(more, step, (tf.constant(0), start, *state, *arrays))
        return tf.transpose(ids.stack()), tf.transpose(logps.stack())

    return greedy
