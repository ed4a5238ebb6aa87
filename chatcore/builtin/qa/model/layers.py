"""Custom Keras layers, registered so ``.keras`` files load with ``safe_mode=True``.

Import this module only where TensorFlow is wanted: it imports Keras.
"""

from __future__ import annotations

import math

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="chatcore")
class AttentionPooling(keras.layers.Layer):
    """Additive attention over time steps: a learned score per step, softmax over the real
    (non-padding) steps, weighted sum. Inputs: ``[sequence, token_ids]``."""

    def __init__(self, units: int = 64, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True  # the ids mask padding; the pooled output needs none
        self.units = units
        self.score_hidden = keras.layers.Dense(units, activation="tanh", name="score_hidden")
        self.score = keras.layers.Dense(1, use_bias=False, name="score")

    def build(self, input_shape):
        seq_shape = input_shape[0]
        self.score_hidden.build(seq_shape)
        self.score.build((*seq_shape[:-1], self.units))
        self.built = True

    def call(self, inputs):
        sequence, ids = inputs
        logits = ops.squeeze(self.score(self.score_hidden(sequence)), axis=-1)
        mask = ops.not_equal(ids, 0)
        logits = ops.where(mask, logits, ops.full_like(logits, -1e9))
        weights = ops.softmax(logits, axis=-1)
        weights = weights * ops.cast(mask, weights.dtype)  # an empty text pools to zeros
        return ops.sum(sequence * ops.expand_dims(weights, -1), axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        seq_shape = input_shape[0]
        return (seq_shape[0], seq_shape[-1])

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="chatcore")
class BagEmbedding(keras.layers.Layer):
    """fastText-style bag of hashed subword features: the IDF-weighted mean of the embeddings
    of features seen in training, plus the share of features never seen (a strong
    out-of-domain signal). Padding (id 0) is excluded. ``idf`` is a fixed (non-trained) weight
    per bucket, set after building with ``set_idf``; 0 marks a bucket never seen."""

    def __init__(self, buckets: int, dim: int, **kwargs):
        super().__init__(**kwargs)
        self.buckets = buckets
        self.dim = dim
        self.embedding = keras.layers.Embedding(buckets, dim, name="bag_embedding")

    def build(self, input_shape):
        self.embedding.build(input_shape)
        self.idf = self.add_weight(
            shape=(self.buckets,), initializer="ones", trainable=False, name="idf"
        )
        self.built = True

    def set_idf(self, values) -> None:
        self.idf.assign(values)

    def call(self, ids):
        vectors = self.embedding(ids)
        present = ops.cast(ops.not_equal(ids, 0), vectors.dtype)
        weight = ops.take(self.idf, ids) * present
        total = ops.sum(vectors * ops.expand_dims(weight, -1), axis=1)
        mean = total / ops.maximum(ops.sum(weight, axis=1, keepdims=True), 1e-6)
        unseen = ops.cast(ops.equal(ops.take(self.idf, ids), 0.0), vectors.dtype) * present
        share = ops.sum(unseen, axis=1, keepdims=True) / ops.maximum(
            ops.sum(present, axis=1, keepdims=True), 1.0
        )
        return ops.concatenate([mean, share], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dim + 1)

    def get_config(self):
        return {**super().get_config(), "buckets": self.buckets, "dim": self.dim}


@keras.saving.register_keras_serializable(package="chatcore")
class CosineClassifier(keras.layers.Layer):
    """Logits = scale x cosine(feature, class vector): every class is a direction, so classes
    seen through one question generalize like nearest neighbours rather than by accident."""

    def __init__(self, classes: int, scale: float = 16.0, **kwargs):
        super().__init__(**kwargs)
        self.classes = classes
        self.scale = scale

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.classes), initializer="glorot_uniform", name="kernel"
        )
        self.built = True

    def call(self, inputs):
        x = inputs / ops.maximum(ops.norm(inputs, axis=-1, keepdims=True), 1e-6)
        w = self.kernel / ops.maximum(ops.norm(self.kernel, axis=0, keepdims=True), 1e-6)
        return self.scale * ops.matmul(x, w)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.classes)

    def get_config(self):
        return {**super().get_config(), "classes": self.classes, "scale": self.scale}


@keras.saving.register_keras_serializable(package="chatcore")
class EnsembleMean(keras.layers.Layer):
    """The log of the mean of the members' calibrated probabilities (each member's logits
    divided by its own temperature, then softmax). Out come log-probabilities, which the
    predictor's softmax turns back into exactly that mean: an ensemble reads like one model."""

    def __init__(self, temperatures: list[float], **kwargs):
        super().__init__(**kwargs)
        self.temperatures = [float(t) for t in temperatures]

    def call(self, member_logits):
        log_probs = [
            ops.log_softmax(logits / t, axis=-1)
            for logits, t in zip(member_logits, self.temperatures, strict=True)
        ]  # in log space: tiny probabilities keep their order instead of rounding to 0
        stacked = ops.stack(log_probs, axis=0)
        return ops.logsumexp(stacked, axis=0) - math.log(len(log_probs))

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "temperatures": self.temperatures}


@keras.saving.register_keras_serializable(package="chatcore")
class NearestKnown(keras.layers.Layer):
    """The pretrained encoder's nearest-neighbour retrieval as logits: per class, ``scale`` x
    the highest cosine between the text's sentence vector and the class's known texts (its
    questions, optionally its answers). The key vectors are fixed (set with ``set_keys``); a
    class without keys (the reject class) scores the learned ``floor`` instead, so "nothing
    known is this close" is a reason to fall back. Input: L2-normalised sentence vectors."""

    def __init__(self, keys: int, classes: int, dim: int, scale: float = 16.0, **kwargs):
        super().__init__(**kwargs)
        self.keys, self.classes, self.dim, self.initial_scale = keys, classes, dim, scale

    def build(self, input_shape):
        self.key_vectors = self.add_weight(
            shape=(self.keys, self.dim), initializer="zeros", trainable=False, name="key_vectors"
        )
        self.key_labels = self.add_weight(
            shape=(self.keys,), initializer="zeros", dtype="int32", trainable=False, name="labels"
        )
        self.scale = self.add_weight(
            shape=(), initializer=keras.initializers.Constant(self.initial_scale), name="scale"
        )
        self.floor = self.add_weight(
            shape=(), initializer=keras.initializers.Constant(0.5), name="floor"
        )
        self.built = True

    def set_keys(self, vectors, labels) -> None:
        self.key_vectors.assign(vectors)
        self.key_labels.assign(labels)

    def call(self, sentence):
        sims = ops.matmul(sentence, ops.transpose(self.key_vectors))  # (batch, keys)
        best = ops.segment_max(ops.transpose(sims), self.key_labels, num_segments=self.classes)
        best = ops.transpose(best)  # (batch, classes); classes without keys: the lowest float
        best = ops.where(best < -2.0, ops.zeros_like(best) + self.floor, best)
        return self.scale * best

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.classes)

    def get_config(self):
        return {
            **super().get_config(),
            "keys": self.keys,
            "classes": self.classes,
            "dim": self.dim,
            "scale": self.initial_scale,
        }
