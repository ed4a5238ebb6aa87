"""Follow-up questions: a message read with the question answered just before it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chatcore.builtin.qa.serve.context import Previous
from chatcore.testing import ChatHarness, make_runtime

CHATCORE = str(Path(sys.executable).with_name("chatcore"))
RENT_PRICE = "Renting a bike costs £20 a day."
HELMET_PRICE = "Helmets start at £35."


@pytest.fixture(scope="module")
def shop(shop_model_dir):
    from chatcore.builtin.qa.serve.predictor import Predictor

    return Predictor.load(shop_model_dir)


def _after(predictor, first: str, message: str):
    previous = predictor.predict(first)
    assert not previous.fallback
    items = [(message, Previous(first, previous.index))]
    return predictor.predict_in_context(items)[0]


def test_the_same_follow_up_means_what_the_conversation_was_about(shop):
    rent = _after(shop, "do you rent bikes?", "how much?")
    helmets = _after(shop, "do you sell helmets?", "how much?")
    assert RENT_PRICE in rent.answers and not rent.fallback
    assert HELMET_PRICE in helmets.answers and not helmets.fallback
    assert rent.read_as == "How much does it cost to rent a bike?"


def test_a_chinese_follow_up_in_two_conversations(shop):
    repair = _after(shop, "你们修补轮胎吗", "多少钱？")
    rent = _after(shop, "你们出租自行车吗", "多少钱？")
    assert repair.answers == ("补胎一次十二元。",)
    assert rent.answers == ("租车每天二十元。",)


def test_a_new_topic_is_not_dragged_back(shop):
    switched = _after(shop, "do you sell helmets?", "what are your opening hours on saturdays?")
    assert switched.answers == ("On Saturdays we are open from 9:00 to 18:00.",)
    assert switched.read_as == ""


def test_without_a_previous_question_a_message_is_read_alone(shop):
    alone = shop.predict("how much does it cost to rent a bike?")
    [read] = shop.predict_in_context([("how much does it cost to rent a bike?", None)])
    assert read == alone
    [empty] = shop.predict_in_context([("?!", Previous("do you rent bikes?", 1))])
    assert empty.fallback


def test_the_answer_class_of_a_reply(shop):
    index = shop.answer_class(RENT_PRICE)
    assert index is not None and RENT_PRICE in shop.bank.answers(index)
    assert shop.answer_class("something the bot never said") is None


def _runtime(model_dir: Path, tmp_path: Path, **engine):
    return make_runtime(
        {
            "data_dir": str(tmp_path),
            "responders": ["qa"],
            "qa": {"model_dir": str(model_dir)},
            "engine": engine,
        }
    )


async def test_the_engine_passes_the_conversation_and_reset_clears_it(shop_model_dir, tmp_path):
    async with _runtime(shop_model_dir, tmp_path).build_engine() as engine:
        chat = ChatHarness(engine)
        await chat.say("do you rent bikes?")
        reply = await chat.say("how much?")
        assert reply.text == RENT_PRICE
        assert reply.read_as == "How much does it cost to rent a bike?"
        assert reply.to_dict()["context_used"] is True
        await chat.say("do you rent bikes?")
        await chat.say("/reset")
        assert (await chat.say("how much?")).read_as == ""


async def test_an_old_turn_stops_counting(shop_model_dir, tmp_path):
    runtime = _runtime(shop_model_dir, tmp_path, context_max_age_seconds=600)
    async with runtime.build_engine() as engine:
        chat = ChatHarness(engine)
        await chat.say("do you rent bikes?")
        engine.clock = lambda: time.time() + 3600  # an hour later
        assert (await chat.say("how much?")).read_as == ""
        engine.clock = time.time
        await chat.say("do you rent bikes?")
        assert (await chat.say("how much?")).read_as != ""


async def test_context_turns_zero_turns_it_off(shop_model_dir, tmp_path):
    async with _runtime(shop_model_dir, tmp_path, context_turns=0).build_engine() as engine:
        chat = ChatHarness(engine)
        await chat.say("do you rent bikes?")
        assert (await chat.say("how much?")).read_as == ""


def _ask(home: Path, text: str) -> dict:
    result = subprocess.run(
        [CHATCORE, "ask", "--json", "--chat", "c1", "-c", str(home / "chatcore.yaml"), text],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=home,
        timeout=120,
        env={**_env(home)},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _env(home: Path) -> dict[str, str]:
    import os

    return {**os.environ, "CHATCORE_HOME": str(home)}


def test_ask_chat_json_says_when_context_was_used(shop_model_dir, tmp_path):
    (tmp_path / "chatcore.yaml").write_text(
        f"store: sqlite\nresponders: [qa]\nqa: {{model_dir: {shop_model_dir}}}\n",
        encoding="utf-8",
    )
    first = _ask(tmp_path, "do you rent bikes?")
    assert first["context_used"] is False and first["read_as"] is None
    second = _ask(tmp_path, "how much?")
    assert second["text"] == RENT_PRICE
    assert second["context_used"] is True
    assert second["read_as"] == "How much does it cost to rent a bike?"


def test_eval_reports_follow_ups_in_context_and_alone(shop_model_dir, tmp_path):
    data = tmp_path / "test" / "followup.yml"
    data.parent.mkdir()
    data.write_text(
        """\
followups:
  - {first: "do you rent bikes?", first_expected: "Do you rent bikes?", followup: "how much?",
     expected: "How much does it cost to rent a bike?"}
  - {first: "do you sell helmets?", first_expected: "Do you sell helmets?",
     followup: "how much?", expected: "How much are helmets?"}
unknown:
  - {first: "do you rent bikes?", first_expected: "Do you rent bikes?",
     followup: "do you rent electric scooters too?"}
switch:
  - {first: "do you sell helmets?", first_expected: "Do you sell helmets?",
     followup: "when do you open on saturdays",
     expected: "What are your opening hours on Saturdays?"}
""",
        encoding="utf-8",
    )
    from chatcore.builtin.qa.eval.evaluate import evaluate_cli
    from chatcore.builtin.qa.eval.report import format_report

    report = evaluate_cli(shop_model_dir, [data])
    row = report["followups"]["test"]
    assert row["followup"]["count"] == 2 and row["followup"]["in_context"] == 1.0
    assert row["followup"]["alone"] <= 0.5  # "how much?" alone cannot mean both
    assert row["switch"]["in_context"] == 1.0
    text = format_report(report)
    assert "follow-ups (second message" in text and "followup in_context >= 75%" in text


def test_a_follow_up_file_names_the_line_of_an_unknown_question(shop_model_dir, tmp_path):
    from chatcore.builtin.qa.errors import DataError
    from chatcore.builtin.qa.eval.evaluate import evaluate_cli

    data = tmp_path / "followup.yml"
    data.write_text(
        'followups:\n  - {first: "hi", followup: "and?", expected: "Who are you?"}\n',
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"followup\.yml:2: 'Who are you\?' is not a question"):
        evaluate_cli(shop_model_dir, [data])


def test_asking_the_previous_question_again_gets_its_answer_again(shop):
    again = _after(shop, "do you rent bikes?", "do you rent bikes")
    assert again.answers == ("Yes, we rent city bikes by the day.",)
    assert again.read_as == ""


async def test_behind_the_meaning_filter_a_follow_up_costs_one_encoder_call(
    shop_model_dir, tmp_path, monkeypatch
):
    """The QA responder's ``prepare`` asks for the follow-up reading's vector before the
    filters run: the meaning filter's encoder call makes both (a call of its own would pay
    the encoder's fixed cost again), and the answer still reads the conversation."""
    from chatcore.builtin.qa.model.encoder import shared_encoder

    encoder = shared_encoder()
    calls: list[list[str]] = []
    real_encode = encoder.encode

    def counting(texts):
        calls.append(list(texts))
        return real_encode(texts)

    monkeypatch.setattr(encoder, "encode", counting)
    runtime = make_runtime(
        {
            "data_dir": str(tmp_path),
            "responders": ["qa"],
            "qa": {"model_dir": str(shop_model_dir)},
            "filters": {"input": ["meaning", "pii"], "output": []},
        }
    )
    async with runtime.build_engine() as engine:
        chat = ChatHarness(engine)
        await chat.say("do you rent bikes? (7919)")
        calls.clear()
        reply = await chat.say("how much? (7919)")
    assert reply.text == RENT_PRICE
    assert len(calls) == 1, calls  # the message and its follow-up reading together
    assert len(calls[0]) == 2
