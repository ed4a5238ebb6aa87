"""The generation head (issue #3): a tiny model with the decoder, trained once per module,
through save/load, the generate and hybrid modes, old select-only directories and mode errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chatcore.builtin.qa.errors import ModelFormatError
from chatcore.builtin.qa.model import modeldir
from chatcore.builtin.qa.serve.generate import Generator
from chatcore.builtin.qa.serve.modes import load_answerer
from chatcore.errors import ConfigError
from chatcore.testing import ChatHarness, make_runtime

from .conftest import tiny_pairs, tiny_settings

DECODER = {
    "units": 32,
    "embed_dim": 16,
    "epochs": 60,
    "patience": 60,
    "batch_size": 16,
    "copies": 2,
}
QUESTIONS = ["What is your name?", "What is the capital of France?", "你叫什么名字"]
GIBBERISH = ["zxqv blorp wug", "qqqq pppp kkkk", "黑洞 螺丝 蛋糕 雪"]


@pytest.fixture(scope="module")
def gen_trained():
    from chatcore.builtin.qa.model.network import ModelConfig
    from chatcore.builtin.qa.train.training import train

    decoder = {**DECODER, "learning_rate": 1e-2}
    # the decoder reads the network's LSTM encoder, which learns more when the network's own
    # logits weigh as much as the retrieval head's (scale 16, not the default 4)
    model = ModelConfig(
        embed_dim=16, lstm_units=16, gram_dim=32, hidden=64, dropout=0.1, cosine_scale=16.0
    )
    return train(tiny_pairs(), tiny_settings(decoder=decoder, model=model))


@pytest.fixture(scope="module")
def gen_dir(gen_trained, tmp_path_factory):
    return modeldir.save(gen_trained, tmp_path_factory.mktemp("gen") / "model")


@pytest.fixture(scope="module")
def generator(gen_dir):
    return Generator.load(modeldir.load_files(gen_dir))


def qa_runtime(model_dir, **qa):
    return make_runtime({"responders": ["qa"], "qa": {"model_dir": str(model_dir), **qa}})


def test_directory_holds_the_generator_and_a_validation_threshold(gen_dir):
    meta = json.loads((gen_dir / "metadata.json").read_text())
    assert meta["format_version"] == modeldir.FORMAT_VERSION
    assert {"generator.keras", "generator.json"} <= set(meta["files"])
    stored = json.loads((gen_dir / "generator.json").read_text())
    assert stored["threshold"] < 0 and stored["history"]["loss"][-1] < stored["history"]["loss"][0]


def test_generation_round_trips_through_save_and_load(gen_trained, generator):
    from chatcore.builtin.qa.serve.generate import Generator as Fresh

    texts = [*QUESTIONS, *GIBBERISH, "tell me a joke"]
    featurizer, vocab = gen_trained.featurizer, gen_trained.generator.vocab
    before = Fresh(gen_trained.generator.model, featurizer, vocab, gen_trained.generator.threshold)
    ids_before, logps_before = before.decode(texts)
    ids_after, logps_after = generator.decode(texts)
    assert ids_after == ids_before
    np.testing.assert_allclose(logps_after, logps_before, rtol=1e-5, atol=1e-6)


def test_generate_reproduces_training_answers(gen_trained, generator):
    for question in QUESTIONS:
        label = next(i for q, i in gen_trained.bank.labelled_questions() if q == question)
        generated = generator.generate(question)
        assert generated.text in gen_trained.bank.answers(label), question
        assert not generated.fallback


async def test_generate_mode_answers_through_the_engine(gen_dir):
    engine = qa_runtime(gen_dir, mode="generate").build_engine()
    async with engine:
        reply = await ChatHarness(engine).say("what is the capital of france")
    assert (reply.text, reply.fallback, reply.source) == ("Paris.", False, "qa")


async def test_hybrid_falls_back_on_gibberish(gen_dir):
    engine = qa_runtime(gen_dir, mode="hybrid").build_engine()
    async with engine:
        replies = [await ChatHarness(engine).say(text) for text in GIBBERISH]
        known = await ChatHarness(engine).say("what is the capital of france")
    fallback_texts = {engine.messages.text("fallback", lang) for lang in ("en", "zh")}
    assert all(r.fallback and r.text in fallback_texts for r in replies)
    assert (known.text, known.fallback) == ("Paris.", False)


def test_hybrid_generates_when_selection_is_unsure(gen_dir):
    strict = load_answerer(gen_dir, "hybrid")
    strict.predictor.threshold = 1.01  # selection is never confident enough
    prediction = strict.predict("what is the capital of france")
    assert prediction.answers == ("Paris.",) and not prediction.fallback
    assert strict.predictor.predict("what is the capital of france").fallback


def test_low_confidence_generation_falls_back(gen_dir, generator):
    question = "what is the capital of france"
    answerer = load_answerer(gen_dir, "hybrid")
    answerer.predictor.threshold = 1.01
    answerer.generator.threshold = generator.generate(question).logprob + 1e-3
    assert answerer.predict(question).fallback


@pytest.mark.parametrize("version", [1, 4])
def test_a_directory_of_an_earlier_format_is_refused_with_the_retrain_command(
    tiny_trained, tmp_path, version
):
    path = modeldir.save(tiny_trained, tmp_path / "old")
    meta = json.loads((path / "metadata.json").read_text())
    meta["format_version"] = version  # what earlier chatcore versions wrote
    (path / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(
        ModelFormatError, match=rf"metadata\.json.*version {version}.*chatcore train"
    ):
        load_answerer(path, "select")


def test_missing_generator_file_is_named(gen_trained, tmp_path):
    path = modeldir.save(gen_trained, tmp_path / "broken")
    (path / "generator.keras").unlink()
    with pytest.raises(ModelFormatError, match=r"generator\.keras"):
        modeldir.load_files(path)


def test_unknown_mode_is_a_config_error(gen_dir):
    with pytest.raises(ConfigError, match="mode"):
        qa_runtime(gen_dir, mode="creative").build_engine()
    with pytest.raises(ValueError, match="select, generate, hybrid"):
        load_answerer(gen_dir, "creative")
