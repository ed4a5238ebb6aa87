"""The tiny model: answers, fallback, sampling, save/load round trip, and the model directory's
named errors."""

from __future__ import annotations

import json
import random
import shutil
import zipfile

import numpy as np
import pytest

from chatcore.builtin.qa.errors import ModelFormatError
from chatcore.builtin.qa.model import modeldir
from chatcore.builtin.qa.serve.predictor import Predictor
from chatcore.builtin.qa.train.calibrate import log_softmax
from chatcore.errors import ModelNotFoundError

KNOWN = {
    "What is your name?": "My name is Tiny Bot.",
    "how old are you": "I was trained a few seconds ago.",
    "WHAT IS THE CAPITAL OF FRANCE": "Paris.",
    "who wrote hamlet?": "William Shakespeare.",
    "你叫什么名字？": "我叫小机器人。",
}


def test_known_questions_get_their_answers(tiny_predictor):
    for question, answer in KNOWN.items():
        prediction = tiny_predictor.predict(question)
        assert not prediction.fallback, question
        assert prediction.answers == (answer,)


def test_typo_and_reordering_still_land(tiny_predictor):
    assert tiny_predictor.predict("whats the capitol of france").answers == ("Paris.",)
    assert tiny_predictor.predict("hamlet, who wrote it").answers == ("William Shakespeare.",)


@pytest.mark.parametrize("text", ["xq zvvk plomf", "qwertyuiop asdf", "", "🙂🙂🙂", "鬱龘齉"])
def test_gibberish_falls_back(tiny_predictor, text):
    assert tiny_predictor.predict(text).fallback


def test_several_answers_are_sampled_reproducibly(tiny_predictor):
    prediction = tiny_predictor.predict("tell me a joke")
    assert len(prediction.answers) == 3 and not prediction.fallback
    picks = [prediction.answer(random.Random(seed)) for seed in range(20)]
    assert len(set(picks)) > 1
    assert picks == [prediction.answer(random.Random(seed)) for seed in range(20)]


def test_an_ensemble_answers_with_the_mean_of_its_networks(tiny_trained, tiny_predictor):
    """Networks trained apart (they disagree), combined as the mean of their calibrated
    probabilities; the saved model and the served answers are that mean."""
    model, texts = tiny_trained.model, [*KNOWN, "tell me a joke", "zzqx vlorp"]
    inputs = list(tiny_predictor.featurizer.encode_many([tiny_predictor_tokens(t) for t in texts]))
    temperatures = model.get_layer("ensemble").temperatures
    members = [model.get_layer(f"member_{i}") for i in range(len(temperatures))]
    assert len(members) == tiny_trained.settings.ensemble == 2
    logits = [m(inputs).numpy() for m in members]
    assert np.abs(logits[0] - logits[1]).max() > 0.1  # two networks, not one twice
    probs = [_softmax(z / t) for z, t in zip(logits, temperatures, strict=True)]
    mean = np.exp(model(inputs).numpy())
    np.testing.assert_allclose(mean, (probs[0] + probs[1]) / 2, atol=1e-5)
    served = tiny_predictor.probabilities(texts)
    np.testing.assert_allclose(
        served, _softmax(np.log(mean) / tiny_predictor.temperature), atol=1e-5
    )
    assert len(tiny_trained.metrics["ensemble_epochs"].split("+")) == 2


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_the_model_file_holds_no_training_state(tiny_model_dir):
    """No optimizer in the file (it would triple the size), for the networks inside either."""
    with zipfile.ZipFile(tiny_model_dir / "model.keras") as archive:
        config = json.loads(archive.read("config.json"))
        weights = archive.read("model.weights.h5")
    assert not config.get("compile_config")
    assert b"optimizer" not in weights and b"member_1" in weights


def test_metadata_records_version_hash_date_and_metrics(tiny_model_dir, tiny_trained):
    meta = json.loads((tiny_model_dir / "metadata.json").read_text())
    assert meta["format_version"] == modeldir.FORMAT_VERSION
    assert meta["data_hash"] == tiny_trained.data_hash
    assert meta["created"] and meta["metrics"]["epochs"] >= 1
    settings = json.loads((tiny_model_dir / "settings.json").read_text())
    assert settings["temperature"] > 0
    # the encoder's similarity gate decides the fallback, not a probability threshold
    assert settings["threshold"] == 0.0 and 0 < settings["min_similarity"] < 1
    assert meta["metrics"]["min_similarity"] == round(settings["min_similarity"], 4)


def test_save_load_round_trip_gives_identical_answers(tiny_trained, tiny_predictor, tmp_path):
    again = Predictor.load(modeldir.save(tiny_trained, tmp_path / "copy"))
    texts = [*KNOWN, "tell me a joke", "gibberish words", "你喜欢吃什么"]
    np.testing.assert_allclose(
        again.probabilities(texts), tiny_predictor.probabilities(texts), rtol=1e-5, atol=1e-6
    )
    direct = tiny_trained.model.predict(
        list(tiny_predictor.featurizer.encode_many([tiny_predictor_tokens(t) for t in texts])),
        verbose=0,
    )
    assert (direct.argmax(axis=1) == again.probabilities(texts).argmax(axis=1)).all()


def test_a_killed_saves_leftovers_are_removed_by_the_next_save(tiny_trained, tmp_path):
    """SIGKILL during a save used to leave its temporary directory (tens of MB) forever."""
    import os

    abandoned = tmp_path / ".bot.tmp-dead"
    replaced = tmp_path / ".bot.old-123"
    running = tmp_path / ".bot.tmp-live"  # another save, still writing
    for folder in (abandoned, replaced, running):
        folder.mkdir()
        (folder / "model.keras").write_bytes(b"x" * 1000)
    hour_ago = os.stat(abandoned).st_mtime - modeldir.STALE_SECONDS - 1
    for folder in (abandoned, replaced):
        os.utime(folder, (hour_ago, hour_ago))
    modeldir.save(tiny_trained, tmp_path / "bot")
    assert not abandoned.exists() and not replaced.exists()
    assert running.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".bot.tmp-live", "bot"]


def tiny_predictor_tokens(text):
    from chatcore.builtin.qa.data.text import tokenize

    return tokenize(text)


def copy_model(src, tmp_path):
    dst = tmp_path / "model"
    shutil.copytree(src, dst)
    return dst


def test_missing_model_names_the_train_command(tmp_path):
    with pytest.raises(ModelNotFoundError) as info:
        Predictor.load(tmp_path / "nowhere")
    assert f"chatcore train --out {tmp_path / 'nowhere'}" in str(info.value)


def test_wrong_format_version_names_metadata(tiny_model_dir, tmp_path):
    path = copy_model(tiny_model_dir, tmp_path)
    meta = json.loads((path / "metadata.json").read_text())
    meta["format_version"] = 99
    (path / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(ModelFormatError, match=r"metadata\.json: model format version 99"):
        Predictor.load(path)


@pytest.mark.parametrize("name", ["model.keras", "vocab.json", "answers.json"])
def test_missing_file_is_named(tiny_model_dir, tmp_path, name):
    path = copy_model(tiny_model_dir, tmp_path)
    (path / name).unlink()
    with pytest.raises(ModelFormatError, match=f"{name}: missing"):
        Predictor.load(path)


@pytest.mark.parametrize("name", ["model.keras", "settings.json"])
def test_corrupt_or_modified_file_is_named(tiny_model_dir, tmp_path, name):
    path = copy_model(tiny_model_dir, tmp_path)
    with (path / name).open("ab") as fh:
        fh.write(b"garbage")
    with pytest.raises(ModelFormatError, match=f"{name}: content does not match"):
        Predictor.load(path)


def test_corrupt_metadata_is_named(tiny_model_dir, tmp_path):
    path = copy_model(tiny_model_dir, tmp_path)
    (path / "metadata.json").write_text("{not json")
    with pytest.raises(ModelFormatError, match=r"metadata\.json: not valid JSON"):
        Predictor.load(path)


def test_failed_save_keeps_the_old_model_and_leaves_no_temp_dir(tiny_trained, tmp_path):
    target = modeldir.save(tiny_trained, tmp_path / "m")
    before = (target / "metadata.json").read_text()

    class Broken:
        def save(self, path):
            path.write_bytes(b"half")
            raise OSError("disk full")

    broken = type(tiny_trained)(**{**tiny_trained.__dict__, "model": Broken()})
    with pytest.raises(OSError, match="disk full"):
        modeldir.save(broken, target)
    assert (target / "metadata.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_training_is_reproducible_with_a_seed(tiny_trained):
    from chatcore.builtin.qa.train.training import train
    from tests.qa.conftest import tiny_pairs, tiny_settings

    # two networks, as the default ensemble: the second member's seed is reproduced too
    again = train(tiny_pairs(), tiny_settings(epochs=2))
    twice = train(tiny_pairs(), tiny_settings(epochs=2))
    assert again.metrics["best_val_accuracy"] == twice.metrics["best_val_accuracy"]
    a = again.model.get_weights()
    b = twice.model.get_weights()
    assert all(np.allclose(x, y) for x, y in zip(a, b, strict=True))


def test_odd_questions_get_a_clear_outcome(tiny_predictor):
    """Empty, punctuation-only, emoji-only, mixed-language and 1 MB questions: an answer or a
    fallback, never an error (the text is cut before the encoder sees it)."""
    for text in ("", "   ", "?!?...", "，。！"):
        prediction = tiny_predictor.predict(text)
        assert prediction.fallback and prediction.answers == ()
    for text in ("😀😀😀", "what is your 名字", "who wrote Hamlet? " * 60_000):
        prediction = tiny_predictor.predict(text)
        assert 0.0 <= prediction.confidence <= 1.0
    assert len(tiny_predictor.predict_many(["", "😀", "x" * 1_000_000])) == 3


def _class_of(predictor: Predictor, answer: str) -> int:
    return next(i for i in range(len(predictor.bank)) if answer in predictor.bank.answers(i))


@pytest.mark.parametrize(
    ("question", "lead", "want"),
    [
        ("你的名字是什么", 1.0, "我叫小机器人。"),  # a little likelier in English: Chinese wins
        ("你的名字是什么", 5.0, "My name is Tiny Bot."),  # far likelier: it still wins
        ("what do they call you", 1.0, "My name is Tiny Bot."),
    ],
)
def test_an_answer_in_the_questions_language_is_preferred(tiny_predictor, question, lead, want):
    english = _class_of(tiny_predictor, "My name is Tiny Bot.")
    chinese = _class_of(tiny_predictor, "我叫小机器人。")
    log_probs = np.full((1, len(tiny_predictor.bank)), -20.0, np.float32)
    log_probs[0, chinese], log_probs[0, english] = -2.0, -2.0 + lead
    log_probs = log_softmax(log_probs)  # a distribution, as the network's output is
    (prediction,) = tiny_predictor._prediction(log_probs, np.ones(1, np.float32), [question])
    assert prediction.answers == (want,)
    # the confidence is the model's probability of the chosen answer, not the preference's
    want_class = english if want == "My name is Tiny Bot." else chinese
    assert prediction.confidence == pytest.approx(float(np.exp(log_probs[0, want_class])))
