"""The NumPy forward pass used for small inference batches gives the graph's answers: same
classes, same fallbacks, confidences equal to float precision; unknown networks keep the graph."""

from __future__ import annotations

import numpy as np
import pytest

from chatcore.builtin.qa.serve import fastforward
from chatcore.builtin.qa.serve.predictor import FAST_BATCH, Predictor
from tests.qa.test_fastload import cold_copy

TEXTS = [
    "What is your name?",
    "whats the capitol of france",
    "你叫什么名字？",
    "hamlet, who wrote it",
    "xq zvvk plomf",
    "",
    "?!",
    "🙂🙂🙂",
    "tell me a joke " * 20,  # longer than max_words: truncated the same way
    "how old are you, and what is the largest planet, and do you like music at all",
    "鬱龘齉 mixed 中文 and english",
]


@pytest.fixture(scope="module")
def graph_predictor(tiny_model_dir):
    return Predictor.load(tiny_model_dir, fast=False)


def test_the_tiny_model_uses_the_numpy_path(tiny_predictor, graph_predictor):
    assert tiny_predictor.fast
    assert not graph_predictor.fast


def test_numpy_and_graph_give_the_same_answers(tiny_predictor, graph_predictor):
    for text in TEXTS:
        fast, graph = tiny_predictor.predict(text), graph_predictor.predict(text)
        assert (fast.index, fast.fallback, fast.answers) == (
            graph.index,
            graph.fallback,
            graph.answers,
        ), text
        assert fast.confidence == pytest.approx(graph.confidence, abs=1e-5), text


def test_batches_of_mixed_lengths_match_the_graph(tiny_predictor, graph_predictor):
    texts = TEXTS * 3
    assert len(texts) <= FAST_BATCH
    fast = tiny_predictor.probabilities(texts)
    graph = graph_predictor.probabilities(texts)
    np.testing.assert_allclose(fast, graph, atol=1e-5)
    np.testing.assert_array_equal(fast.argmax(1), graph.argmax(1))
    one_by_one = np.concatenate([tiny_predictor.probabilities([t]) for t in texts])
    # the sentence encoder sums a batch's token rows in another order than one text's: float32
    np.testing.assert_allclose(fast, one_by_one, atol=1e-5)


@pytest.mark.parametrize("switches", [{"use_lstm": False}, {"use_grams": False}, {}])
def test_random_weights_and_ids_match_keras(switches):
    """Untrained networks of every shape the model config allows, on random id arrays with
    every length from empty to full (padding masked), including subword buckets never seen
    (idf 0)."""
    from chatcore.builtin.qa.model.network import ModelConfig, build_model

    config = ModelConfig(embed_dim=8, lstm_units=8, gram_dim=8, hidden=16, **switches)
    sizes = {"vocab_size": 50, "buckets": 97, "classes": 7}
    model = build_model(config, **sizes)
    rng = np.random.default_rng(0)
    if config.use_grams:
        idf = rng.uniform(0.5, 3, 97).astype(np.float32) * (rng.random(97) > 0.3)
        model.get_layer("subwords").set_idf(idf)
    words, grams = _random_ids(rng, rows=13, width=12, high=50), _random_ids(rng, 13, 30, 97)
    forward = fastforward.build(model)
    assert forward is not None
    want = model([words, grams], training=False).numpy()
    np.testing.assert_allclose(forward(words, grams), want, atol=1e-4)
    np.testing.assert_allclose(forward(words[:1], grams[:1]), want[:1], atol=1e-4)


@pytest.mark.parametrize("use_sentence", [True, False], ids=["vector as feature", "retrieval only"])
def test_the_pretrained_branch_matches_keras(use_sentence):
    """Sentence vectors as features and the retrieval head: per class the best cosine over its
    keys (several per class, keys in no class order), the learned floor for a class without
    keys (class 0, the reject class, and class 5 here); ensemble and cached arrays too."""
    from chatcore.builtin.qa.model.network import ModelConfig, build_model, combine

    config = ModelConfig(
        embed_dim=8, lstm_units=8, gram_dim=8, hidden=16, use_sentence=use_sentence
    )
    sizes = {"vocab_size": 50, "buckets": 97, "classes": 7}
    rng = np.random.default_rng(2)
    key_labels = np.array([3, 1, 2, 1, 4, 6, 3, 3], np.int32)
    keys = rng.normal(size=(len(key_labels), 16)).astype(np.float32)
    keys /= np.linalg.norm(keys, axis=1, keepdims=True)
    members = []
    for _ in range(2):
        member = build_model(config, **sizes, sentence_dim=16, retrieval_keys=len(key_labels))
        member.get_layer("nearest_known").set_keys(keys, key_labels)
        members.append(member)
    words, grams = _random_ids(rng, rows=9, width=12, high=50), _random_ids(rng, 9, 30, 97)
    sentence = rng.normal(size=(9, 16)).astype(np.float32)
    sentence /= np.linalg.norm(sentence, axis=1, keepdims=True)
    for model in (members[0], combine(members, [0.7, 1.3])):
        forward = fastforward.build(model)
        assert forward is not None
        want = model([words, grams, sentence], training=False).numpy()
        np.testing.assert_allclose(forward(words, grams, sentence), want, atol=1e-4)
        again = fastforward.from_arrays(dict(forward.arrays))
        np.testing.assert_allclose(again(words, grams, sentence), want, atol=1e-4)
    nearest = members[0].get_layer("nearest_known")(sentence).numpy()
    best = sentence @ keys.T
    np.testing.assert_allclose(nearest[:, 1] / 16.0, best[:, [1, 3]].max(1), atol=1e-5)
    np.testing.assert_allclose(nearest[:, [0, 5]], 16.0 * 0.5, atol=1e-5)  # the initial floor


def test_an_ensemble_of_random_networks_matches_keras():
    """The NumPy pass of an ensemble: each network's logits over its own temperature, the
    mean of the probabilities; cached arrays rebuild the same pass."""
    from chatcore.builtin.qa.model.network import ModelConfig, build_model, combine

    config = ModelConfig(embed_dim=8, lstm_units=8, gram_dim=8, hidden=16)
    sizes = {"vocab_size": 50, "buckets": 97, "classes": 7}
    members = [build_model(config, **sizes) for _ in range(3)]
    assert combine(members[:1], [1.0]) is members[0]
    model = combine(members, [0.5, 1.0, 2.5])
    rng = np.random.default_rng(1)
    words, grams = _random_ids(rng, rows=13, width=12, high=50), _random_ids(rng, 13, 30, 97)
    forward = fastforward.build(model)
    assert isinstance(forward, fastforward.NumpyEnsemble)
    want = model([words, grams], training=False).numpy()
    np.testing.assert_allclose(forward(words, grams), want, atol=1e-4)
    again = fastforward.from_arrays(dict(forward.arrays))
    np.testing.assert_allclose(again(words, grams), want, atol=1e-4)


def _random_ids(rng, rows: int, width: int, high: int) -> np.ndarray:
    """Rows of ids with a zero-padded tail, lengths 0..width."""
    ids = rng.integers(1, high, (rows, width)).astype(np.int32)
    lengths = np.linspace(0, width, rows).astype(int)
    ids[np.arange(width)[None, :] >= lengths[:, None]] = 0
    return ids


def test_unknown_layers_keep_the_graph():
    import keras

    words = keras.Input((4,), dtype="int32", name="words")
    x = keras.layers.Embedding(10, 4)(words)
    x = keras.layers.GRU(4)(x)
    model = keras.Model(words, keras.layers.Dense(3, name="answer_logits")(x))
    assert fastforward.build(model) is None


def test_a_forward_pass_that_disagrees_is_dropped(
    tiny_model_dir, graph_predictor, monkeypatch, tmp_path
):
    """If the network changes in a way the NumPy pass misses, answers still come from the
    graph (checked on probe questions at load)."""
    real_build = fastforward.build

    def wrong_answers(model):
        forward = real_build(model)

        def logits(*inputs):  # the best class loses: answers differ from the graph's
            z = forward(*inputs)
            return z - 50.0 * (z == z.max(axis=1, keepdims=True))

        return logits

    monkeypatch.setattr(fastforward, "build", wrong_answers)
    predictor = Predictor.load(cold_copy(tiny_model_dir, tmp_path / "tiny"))
    assert not predictor.fast
    for text in TEXTS[:4]:
        assert predictor.predict(text).index == graph_predictor.predict(text).index
