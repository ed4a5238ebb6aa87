"""The qa responder through the real engine: answers, fallback text, lazy loading off the
event loop, and what happens without a model."""

from __future__ import annotations

import threading

import pytest

from chatcore.builtin.qa.serve.responder import NoModelResponder, QAResponder
from chatcore.errors import ModelNotFoundError
from chatcore.testing import ChatHarness, make_runtime


def qa_runtime(model_dir, **qa):
    return make_runtime({"responders": ["qa"], "qa": {"model_dir": str(model_dir), **qa}})


async def test_engine_answers_with_the_model(tiny_model_dir):
    engine = qa_runtime(tiny_model_dir, seed=7).build_engine()
    async with engine:
        reply = await ChatHarness(engine).say("what is the capital of france")
        chinese = await ChatHarness(engine).say("你叫什么名字")
    assert (reply.text, reply.source, reply.fallback) == ("Paris.", "qa", False)
    assert 0 < reply.confidence <= 1
    assert chinese.text == "我叫小机器人。"


async def test_gibberish_gets_the_engines_fallback_text(tiny_model_dir):
    engine = qa_runtime(tiny_model_dir).build_engine()
    async with engine:
        reply = await ChatHarness(engine).say("zxqv blorp wug")
    assert reply.fallback and reply.source == "qa"
    assert reply.text == engine.messages.text("fallback", "en")


async def test_threshold_override_forces_fallback(tiny_model_dir, tiny_predictor):
    candidates = ["your name and hamlet", "music capital planet", "who old name", "france joke"]
    question, confidence = min(
        ((q, tiny_predictor.predict(q).confidence) for q in candidates), key=lambda x: x[1]
    )
    assert confidence < 1.0
    for threshold, fallback in (((confidence + 1.0) / 2, True), (0.0, False)):
        runtime = qa_runtime(tiny_model_dir, threshold=threshold, min_similarity=-1.0)
        async with runtime.build_engine() as engine:
            reply = await ChatHarness(engine).say(question)
        assert reply.fallback is fallback


async def test_min_similarity_override_moves_the_gate(tiny_model_dir, tiny_predictor):
    """The encoder's gate: a question as close to a known one as ``similarity`` falls back
    above it and is answered below it (the probability threshold is off)."""
    question = "whats the capital city of france"
    similarity = tiny_predictor.predict(question).similarity
    assert 0.0 < similarity < 1.0
    assert tiny_predictor.threshold == 0.0 and 0.0 < tiny_predictor.min_similarity < 1.0
    for gate, fallback in (((similarity + 1.0) / 2, True), (similarity - 0.01, False)):
        runtime = qa_runtime(tiny_model_dir, min_similarity=gate)
        async with runtime.build_engine() as engine:
            reply = await ChatHarness(engine).say(question)
        assert reply.fallback is fallback, (gate, similarity)


async def test_several_answers_vary_and_repeat_with_the_seed(tiny_model_dir):
    async def jokes(seed):
        engine = qa_runtime(tiny_model_dir, seed=seed).build_engine()
        async with engine:
            chat = ChatHarness(engine)
            return [(await chat.say("tell me a joke")).text for _ in range(8)]

    first = await jokes(5)
    assert len(set(first)) > 1
    assert first == await jokes(5)


async def test_inference_runs_off_the_event_loop(tiny_model_dir):
    responder = qa_runtime(tiny_model_dir).build("responder", "qa")
    assert isinstance(responder, QAResponder)
    await responder.start()
    predictor = await responder._ensure_loading()
    threads = []
    original = predictor.predict_many

    def spy(texts):
        threads.append(threading.current_thread().name)
        return original(texts)

    predictor.predict_many = spy
    from chatcore.types import Message

    await responder.respond(Message("t", "c", "u", "who wrote hamlet"), [])
    await responder.close()
    assert threads and threads[0].startswith("chatcore-qa")
    assert threads[0] != threading.main_thread().name


async def test_a_closed_responder_refuses_instead_of_loading_again(tiny_model_dir):
    from chatcore.types import Message

    responder = qa_runtime(tiny_model_dir).build("responder", "qa")
    await responder.start()
    await responder.respond(Message("t", "c", "u", "hello"), [])
    await responder.close()
    with pytest.raises(RuntimeError, match="closed"):
        await responder.respond(Message("t", "c", "u", "hello"), [])
    assert responder._executor is None and responder._loading is None


async def test_concurrent_questions_share_model_calls_and_keep_their_answers(tiny_model_dir):
    import asyncio

    from chatcore.types import Message

    responder = qa_runtime(tiny_model_dir).build("responder", "qa")
    await responder.start()
    predictor = await responder._ensure_loading()
    questions = ["who wrote hamlet", "what is your name", "zzqx vvbn", "hello"] * 10
    expected = [p.confidence for p in predictor.predict_many(questions)]
    replies = await asyncio.gather(
        *(responder.respond(Message("t", f"c{i}", "u", q), []) for i, q in enumerate(questions))
    )
    sizes = responder._batcher.batch_sizes
    await responder.close()
    assert [r.confidence for r in replies] == pytest.approx(expected, abs=1e-5)
    assert max(sizes) > 1 and sum(sizes) == len(questions)


def test_explicit_qa_without_a_model_names_the_train_command(tmp_path):
    with pytest.raises(ModelNotFoundError, match="chatcore train --out"):
        qa_runtime(tmp_path / "missing").build_engine()
    runtime = make_runtime({"responders": ["qa"], "data_dir": str(tmp_path)})
    with pytest.raises(ModelNotFoundError) as info:
        runtime.build_engine()
    assert "Train one with:\n  chatcore train" in str(info.value)


async def test_implicit_qa_without_a_model_passes_to_the_fallback(tmp_path):
    runtime = make_runtime({"data_dir": str(tmp_path)})
    responder = runtime.build("responder", "qa")
    assert isinstance(responder, NoModelResponder)
    engine = runtime.build_engine(responders=["qa"])
    async with engine:
        reply = await ChatHarness(engine).say("hello")
    assert reply.fallback and reply.source == "fallback"


def test_unknown_setting_is_a_config_error(tiny_model_dir):
    from chatcore.errors import ConfigError

    with pytest.raises(ConfigError, match=r"qa\.mdoel_dir"):
        make_runtime({"qa": {"mdoel_dir": "x"}})


def test_missing_model_message_names_the_config_that_moves_the_data_dir(tmp_path):
    from chatcore.runtime import Runtime

    config = tmp_path / "bot.yaml"
    config.write_text(f"responders: [qa]\ndata_dir: {tmp_path / 'data'}\nstore: memory\n")
    with pytest.raises(ModelNotFoundError) as info:
        Runtime.load(config).build_engine()
    assert f"chatcore train -c {config}" in str(info.value)
    assert str(tmp_path / "data" / "models" / "default") in str(info.value)


def test_corrupt_model_fails_when_the_engine_is_built(tiny_model_dir, tmp_path):
    import shutil

    from chatcore.builtin.qa.errors import ModelFormatError

    broken = tmp_path / "broken"
    shutil.copytree(tiny_model_dir, broken)
    (broken / "vocab.json").write_text("{}")
    with pytest.raises(ModelFormatError, match=r"vocab\.json: content does not match"):
        qa_runtime(broken).build_engine()
