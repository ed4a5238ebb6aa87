"""The generation head's custom layer, registered so ``generator.keras`` loads with
``safe_mode=True``. Imports Keras: import only where TensorFlow is wanted."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="chatcore")
class DecoderAttention(keras.layers.Layer):
    """Luong (general) attention of each decoder step over the encoder's time steps, padding
    words masked out. Inputs: ``[decoder_outputs, encoder_outputs, word_ids]``; the context
    vector per decoder step out. ``project`` is split out so inference projects the encoder
    outputs once per question, not once per generated token."""

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True  # the word ids mask the encoder's padding
        self.units = units
        self.key_proj = keras.layers.Dense(units, use_bias=False, name="key_proj")

    def build(self, input_shape):
        self.key_proj.build(input_shape[1])
        self.built = True

    def project(self, encoded):
        return self.key_proj(encoded)

    def attend(self, query, keys, encoded, ids):
        scores = ops.matmul(query, ops.transpose(keys, (0, 2, 1)))  # (B, steps, words)
        mask = ops.expand_dims(ops.not_equal(ids, 0), 1)
        scores = ops.where(mask, scores, ops.full_like(scores, -1e9))
        weights = ops.softmax(scores, axis=-1) * ops.cast(mask, scores.dtype)
        return ops.matmul(weights, encoded)

    def call(self, inputs):
        query, encoded, ids = inputs
        return self.attend(query, self.project(encoded), encoded, ids)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], input_shape[1][-1])

    def get_config(self):
        return {**super().get_config(), "units": self.units}
