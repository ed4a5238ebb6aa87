"""Custom Keras layers, registered so ``.keras`` files load with ``safe_mode=True``.

Import this module only where TensorFlow is wanted: it imports Keras.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="chatcore")
class AttentionPooling(keras.layers.Layer):
    """Additive attention over time steps: a learned score per step, softmax over the real
    (non-padding) steps, weighted sum. Inputs: ``[sequence, token_ids]``."""

    def __init__(self, units: int = 64, **kwargs):
        super().__init__(**kwargs)
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

    def compute_output_shape(self, input_shape):
        seq_shape = input_shape[0]
        return (seq_shape[0], seq_shape[-1])

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="chatcore")
class BagEmbedding(keras.layers.Layer):
    """fastText-style bag of hashed subword features: the mean of their embeddings, padding
    (id 0) excluded."""

    def __init__(self, buckets: int, dim: int, **kwargs):
        super().__init__(**kwargs)
        self.buckets = buckets
        self.dim = dim
        self.embedding = keras.layers.Embedding(buckets, dim, name="bag_embedding")

    def build(self, input_shape):
        self.embedding.build(input_shape)
        self.built = True

    def call(self, ids):
        vectors = self.embedding(ids)
        mask = ops.expand_dims(ops.cast(ops.not_equal(ids, 0), vectors.dtype), -1)
        total = ops.sum(vectors * mask, axis=1)
        return total / ops.maximum(ops.sum(mask, axis=1), 1.0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dim)

    def get_config(self):
        return {**super().get_config(), "buckets": self.buckets, "dim": self.dim}
