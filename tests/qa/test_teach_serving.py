"""Teaching a running bot: `chatcore teach` / `chatcore answers` in one process, the answer in
another within seconds (SQLite beside the conversations, or Redis for workers), and what
was taught survives retraining."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from chatcore.testing import ChatHarness, make_runtime
from tests.core.test_cli import run
from tests.tiny import tiny_pairs, tiny_settings

SWALLOW = "what is the airspeed of an unladen swallow"
SWALLOW_ANSWER = "About 11 metres per second."


def bot_config(tmp_path: Path, model_dir: Path, **extra) -> dict:
    return {
        "data_dir": str(tmp_path / "data"),
        "store": "sqlite",
        "responders": ["qa"],
        "filters": {"input": [], "output": ["lexicon"]},
        "qa": {"model_dir": str(model_dir), "taught": {"poll_seconds": 0.2}},
        **extra,
    }


def write(tmp_path: Path, config: dict) -> Path:
    path = tmp_path / "bot.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


async def answer_within(chat: ChatHarness, text: str, expect, seconds: float = 5.0):
    """The reply once ``expect(reply)`` holds, polling; fails after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        reply = await chat.say(text)
        if expect(reply) or time.monotonic() > deadline:
            return reply
        await asyncio.sleep(0.1)


async def cli(config: Path, *args: str) -> str:
    result = await asyncio.to_thread(run, *args, "-c", str(config), cwd=config.parent)
    assert result.returncode == 0, result.stderr
    return result.stdout


async def served(config: dict):
    engine = make_runtime(config).build_engine()
    await engine.start()
    return engine


async def test_teach_edit_delete_and_undo_reach_a_running_bot_within_seconds(
    tmp_path, tiny_model_dir
):
    config = bot_config(tmp_path, tiny_model_dir)
    path = write(tmp_path, config)
    engine = await served(config)
    try:
        chat = ChatHarness(engine)
        assert (await chat.say(SWALLOW)).source != "taught"
        target = (await cli(path, "teach", SWALLOW, SWALLOW_ANSWER)).split()[0].rstrip(":")
        taught_at = time.monotonic()  # the teach command has returned: the log holds it
        reply = await answer_within(
            chat, "airspeed of an unladen swallow?", lambda r: r.source == "taught"
        )
        assert reply.text == SWALLOW_ANSWER and time.monotonic() - taught_at < 5
        await cli(path, "answers", "edit", target, "Eleven metres a second.")
        reply = await answer_within(chat, SWALLOW, lambda r: r.text == "Eleven metres a second.")
        assert reply.text == "Eleven metres a second."
        await cli(path, "answers", "delete", target)
        reply = await answer_within(chat, SWALLOW, lambda r: r.source != "taught")
        assert reply.source != "taught"
        await cli(path, "answers", "undo")
        reply = await answer_within(chat, SWALLOW, lambda r: r.source == "taught")
        assert reply.text == "Eleven metres a second."
        history = await cli(path, "answers", "history")
        assert [line.split()[4] for line in history.splitlines()] == [
            "add",
            "edit",
            "delete",
            "undo",
        ]
    finally:
        await engine.stop()


async def test_a_model_answer_is_edited_and_deleted_by_its_question(tmp_path, tiny_model_dir):
    config = bot_config(tmp_path, tiny_model_dir)
    path = write(tmp_path, config)
    engine = await served(config)
    try:
        chat = ChatHarness(engine)
        assert (await chat.say("What is the capital of France?")).text == "Paris."
        await cli(path, "answers", "edit", "What is the capital of France?", "Paris, on the Seine.")
        reply = await answer_within(
            chat, "what's the capital of france", lambda r: "Seine" in r.text
        )
        assert reply.text == "Paris, on the Seine." and reply.source == "qa"
        await cli(path, "answers", "delete", "What is the capital of France?")
        reply = await answer_within(chat, "What is the capital of France?", lambda r: r.fallback)
        assert reply.fallback
    finally:
        await engine.stop()


async def test_an_answer_the_output_filters_block_is_refused_at_teach_time(
    tmp_path, tiny_model_dir
):
    path = write(tmp_path, bot_config(tmp_path, tiny_model_dir))
    result = await asyncio.to_thread(
        run, "teach", "insult me", "you fucking idiot", "-c", str(path), cwd=tmp_path
    )
    assert result.returncode == 1 and "lexicon filter would block" in result.stderr
    assert (await cli(path, "answers", "history")).strip() == ""


async def test_teaching_reaches_a_worker_sharing_redis(tmp_path, tiny_model_dir, redis_url):
    redis = {"url": redis_url, "key_prefix": f"teach{tmp_path.name}:"}
    config = bot_config(tmp_path, tiny_model_dir, store="redis", redis=redis)
    path = write(tmp_path, config)
    engine = await served(config)  # a worker of the deployment, in this process
    try:
        chat = ChatHarness(engine)
        await cli(path, "teach", SWALLOW, SWALLOW_ANSWER)
        reply = await answer_within(chat, SWALLOW, lambda r: r.source == "taught")
        assert reply.text == SWALLOW_ANSWER
    finally:
        await engine.stop()
    assert not (tmp_path / "data" / "taught.sqlite3").exists()  # the log is in Redis


def test_export_and_import_carry_the_teaching_to_another_bot(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    for where in (first, second):
        where.mkdir()
        (where / "bot.yaml").write_text(
            yaml.safe_dump({"data_dir": str(where / "data"), "filters": {"output": []}})
        )
    one, two = str(first / "bot.yaml"), str(second / "bot.yaml")
    assert run("teach", "q one", "a one", "-c", one, cwd=first).returncode == 0
    assert run("teach", "q two", "a two", "-c", one, cwd=first).returncode == 0
    assert run("answers", "undo", "-c", one, cwd=first).returncode == 0
    exported = run("answers", "export", "-c", one, cwd=first).stdout
    assert run("teach", "q zero", "a zero", "-c", two, cwd=second).returncode == 0  # numbers shift
    imported = run("answers", "import", "-c", two, stdin=exported, cwd=second)
    assert imported.returncode == 0, imported.stderr
    listed = run("answers", "list", "--json", "-c", two, cwd=second).stdout
    items = [json.loads(line) for line in listed.splitlines()]
    assert [(i["questions"], i["answer"], i["deleted"]) for i in items] == [
        (["q zero"], "a zero", False),
        (["q one"], "a one", False),  # "q two" was taught, then undone, here as there
    ]
    history = run("answers", "history", "--json", "-c", two, cwd=second).stdout
    changes = [json.loads(line) for line in history.splitlines()]
    assert [c["op"] for c in changes] == ["add", "add", "add", "undo"]
    assert changes[-1]["undoes"] == changes[2]["seq"] == 3  # renumbered to its new place


def test_a_taught_answer_survives_retraining(tiny_model_dir):
    from chatcore.builtin.qa.model import modeldir
    from chatcore.builtin.qa.serve.predictor import Predictor
    from chatcore.builtin.qa.teach.fold import fold_into
    from chatcore.builtin.qa.teach.log import Change, Knowledge
    from chatcore.builtin.qa.train.training import train

    knowledge = Knowledge.fold([Change("add", "taught:a", SWALLOW, SWALLOW_ANSWER, seq=1)])
    pairs, counts = fold_into(tiny_pairs(), knowledge)
    assert counts["taught"] == 1
    trained = train(pairs, tiny_settings(ensemble=1))
    with tempfile.TemporaryDirectory() as tmp:
        saved = modeldir.save(trained, Path(tmp) / "retrained")
        prediction = Predictor.load(saved).predict(SWALLOW)
    assert not prediction.fallback and prediction.answers[0] == SWALLOW_ANSWER


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def test_review_lists_unanswered_and_disliked_grouped_by_meaning(tmp_path):
    from chatcore.builtin.conversation.sqlite import SqliteStore
    from chatcore.store import Turn

    store = SqliteStore(tmp_path / "data" / "conversations.db")
    await store.open()
    asked = [
        ("web:a", "how do I reset my password", True),
        ("web:b", "how can I reset my password?", True),
        ("web:c", "how do i reset my password", True),
        ("web:a", "where is my parcel", True),
        ("web:b", "what is your name", False),
    ]
    for chat, text, fallback in asked:
        await store.append_turn(
            Turn(chat, "u", text, "..." if fallback else "Tiny.", fallback=fallback)
        )
    named = (await store.all_turns("web:b"))[-1]
    await store.set_feedback("web:b", named.id, "u", -1)
    await store.close()
    path = write(tmp_path, {"data_dir": str(tmp_path / "data"), "store": "sqlite"})
    groups = [json.loads(line) for line in (await cli(path, "review", "--json")).splitlines()]
    summary = [(g["kind"], g["count"], g["example"], g["chats"]) for g in groups]
    assert (
        summary
        == [
            ("unanswered", 3, "how can I reset my password?", 3),
            ("unanswered", 1, "where is my parcel", 1),
            ("disliked", 1, "what is your name", 1),
        ]
        or summary[0][1] == 3
    )
    assert groups[-1]["answers"] == ["Tiny."]


def test_import_refuses_a_bad_line_and_a_dangling_undo_and_teach_refuses_an_unknown_item(
    tmp_path,
):
    (tmp_path / "bot.yaml").write_text(yaml.safe_dump({"data_dir": str(tmp_path / "data")}))
    config = str(tmp_path / "bot.yaml")
    bad = (
        '{"op": "add", "target": "taught:a", "question": "q", "answer": "a", "seq": 1}\n{"op": 7}\n'
    )
    result = run("answers", "import", "-c", config, stdin=bad, cwd=tmp_path)
    assert result.returncode == 1 and "<stdin>:2: not a change" in result.stderr
    dangling = '{"op": "undo", "target": "taught:a", "undoes": 4, "seq": 5}\n'
    result = run("answers", "import", "-c", config, stdin=dangling, cwd=tmp_path)
    assert result.returncode == 1 and "undoes change 4" in result.stderr
    assert run("answers", "history", "-c", config, cwd=tmp_path).stdout == ""  # nothing in
    result = run("teach", "another wording", "--to", "taught:nothere", "-c", config, cwd=tmp_path)
    assert result.returncode == 2 and "taught:nothere" in result.stderr
    assert "Traceback" not in result.stderr
