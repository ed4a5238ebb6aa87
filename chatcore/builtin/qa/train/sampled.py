"""Training with a sampled softmax, for knowledge bases with many answers.

The full softmax scores every training question against every answer class (and the retrieval
head against every known text), so an epoch costs questions x classes: quadratic in the size
of the knowledge base. Here each batch is scored only against its own classes, the reject class
and ``negatives`` classes drawn at random, so an epoch costs questions x a constant. The saved
network is the same (a full softmax at inference); validation runs through it, so early
stopping watches the real accuracy.

Import this module only where TensorFlow is wanted: it imports Keras.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from chatcore.builtin.qa.data.bank import REJECT


class SampledSoftmaxTrainer(keras.Model):
    """Trains ``network`` (chatcore.builtin.qa.model.network.build_model's) with a sampled softmax;
    calling it is calling the network."""

    def __init__(self, network, classes: int, negatives: int, keys=None, **kwargs):
        super().__init__(**kwargs)
        self.network = network
        classifier = network.get_layer("answer_logits")
        self.trunk = keras.Model(network.inputs, classifier.input)
        self.classifier = classifier
        self.classes, self.negatives = classes, min(negatives, classes)
        self.nearest = None
        if keys is not None:
            self.nearest = network.get_layer("nearest_known")
            self._set_keys(*keys)

    def _set_keys(self, vectors: np.ndarray, labels: np.ndarray) -> None:
        """The retrieval keys sorted by class, so a class's keys are one slice."""
        order = np.argsort(labels, kind="stable")
        counts = np.bincount(labels, minlength=self.classes)
        self.key_vectors = tf.constant(vectors[order], tf.float32)
        self.key_starts = tf.constant(np.cumsum(counts) - counts, tf.int64)
        self.key_counts = tf.constant(counts, tf.int64)

    def call(self, inputs, training=False):
        return self.network(inputs, training=training)

    def train_step(self, data):
        inputs, labels = data
        candidates, targets = self._candidates(tf.cast(labels, tf.int64))
        variables = self.network.trainable_variables
        with tf.GradientTape() as tape:
            logits = self._logits(inputs, candidates)
            loss = self.compute_loss(y=targets, y_pred=logits)
        self.optimizer.apply(tape.gradient(loss, variables), variables)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(targets, logits)
        return {metric.name: metric.result() for metric in self.metrics}

    def _candidates(self, labels):
        """The classes this batch is scored against (the reject class, the batch's own, and
        random ones) and each row's position among them."""
        drawn = tf.random.uniform((self.negatives,), 0, self.classes, dtype=tf.int64)
        pool = tf.concat([tf.constant([REJECT], tf.int64), labels, drawn], axis=0)
        candidates, positions = tf.unique(pool)
        return candidates, positions[1 : 1 + tf.shape(labels)[0]]

    def _logits(self, inputs, candidates):
        hidden = self.trunk(inputs, training=True)
        x = hidden / tf.maximum(tf.norm(hidden, axis=-1, keepdims=True), 1e-6)
        kernel = tf.gather(self.classifier.kernel, candidates, axis=1)
        kernel = kernel / tf.maximum(tf.norm(kernel, axis=0, keepdims=True), 1e-6)
        logits = self.classifier.scale * tf.matmul(x, kernel)
        if self.nearest is not None:
            logits += self._nearest(inputs[-1], candidates)
        return logits

    def _nearest(self, sentence, candidates):
        """The retrieval head over the candidates' keys only (NearestKnown's arithmetic)."""
        starts = tf.gather(self.key_starts, candidates)
        counts = tf.gather(self.key_counts, candidates)
        rows = tf.ragged.range(starts, starts + counts)
        keys = tf.gather(self.key_vectors, rows.flat_values)
        sims = tf.matmul(sentence, keys, transpose_b=True)  # (batch, candidate keys)
        best = tf.math.unsorted_segment_max(
            tf.transpose(sims), rows.value_rowids(), tf.shape(candidates)[0]
        )
        best = tf.transpose(best)  # classes without keys: the lowest float
        best = tf.where(best < -2.0, tf.zeros_like(best) + self.nearest.floor, best)
        return self.nearest.scale * best
