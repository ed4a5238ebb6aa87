"""Large knowledge bases: training samples the softmax and uses fewer noisy copies, so an epoch
grows with the pairs instead of their square; the model it saves answers like any other."""

from __future__ import annotations

import numpy as np
import pytest

from chatcore.builtin.qa.serve.predictor import Predictor
from chatcore.builtin.qa.train.training import TrainSettings, copies_for
from tests.qa.test_model import KNOWN
from tests.tiny import tiny_pairs, tiny_settings


@pytest.mark.parametrize(
    ("questions", "copies"), [(100, 8), (3000, 8), (6000, 8), (20000, 2), (100000, 2)]
)
def test_large_banks_get_fewer_noisy_copies(questions, copies):
    assert copies_for(TrainSettings(), questions) == copies


def test_copies_never_exceed_the_setting():
    assert copies_for(TrainSettings(augment_copies=0), 10) == 0


@pytest.fixture(scope="module")
def sampled_model_dir(tmp_path_factory):
    """The tiny model trained through the sampled softmax (forced: the tiny bank is small),
    against 3 random classes per batch."""
    from chatcore.builtin.qa.model import modeldir
    from chatcore.builtin.qa.train.training import train

    settings = tiny_settings(ensemble=1, sampled_softmax_above=1, sampled_negatives=3)
    trained = train(tiny_pairs(), settings)
    assert trained.metrics["best_val_accuracy"] > 0.8
    return modeldir.save(trained, tmp_path_factory.mktemp("models") / "sampled")


def test_a_model_trained_with_a_sampled_softmax_answers_its_questions(sampled_model_dir):
    predictor = Predictor.load(sampled_model_dir)
    for question, answer in KNOWN.items():
        prediction = predictor.predict(question)
        assert prediction.answers == (answer,) and not prediction.fallback, question
    assert predictor.predict("whats the capitol of france").answers == ("Paris.",)
    assert predictor.predict("xq zvvk plomf").fallback


def test_the_sampled_logits_are_the_full_networks_on_the_sampled_classes(sampled_model_dir):
    """The trainer's arithmetic over a subset of classes is the saved network's over all of
    them (dropout aside: both run without it here)."""
    import tensorflow as tf

    from chatcore.builtin.qa.data.text import tokenize
    from chatcore.builtin.qa.model import modeldir
    from chatcore.builtin.qa.train.sampled import SampledSoftmaxTrainer

    predictor = Predictor.load(sampled_model_dir, fast=False)
    network = modeldir.load_keras(predictor.files)
    nearest = network.get_layer("nearest_known")
    keys = (nearest.key_vectors.numpy(), nearest.key_labels.numpy())
    classes = len(predictor.bank)
    trainer = SampledSoftmaxTrainer(network, classes, 2, keys)
    trainer.trunk = _without_dropout(network)
    inputs = predictor.featurizer.encode_many([tokenize(t) for t in KNOWN])
    candidates = tf.constant([0, 3, 1, classes - 1], tf.int64)
    sampled = trainer._logits(tuple(tf.constant(a) for a in inputs), candidates).numpy()
    full = network(list(inputs), training=False).numpy()
    np.testing.assert_allclose(sampled, full[:, candidates.numpy()], rtol=1e-4, atol=1e-4)


def _without_dropout(network):
    import keras

    classifier_input = network.get_layer("answer_logits").input
    trunk = keras.Model(network.inputs, classifier_input)
    return lambda inputs, training: trunk(inputs, training=False)
