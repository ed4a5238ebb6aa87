"""/history, /forget, /lang and /reset, typed into the real engine on a real SQLite file."""

from __future__ import annotations

import pytest

from chatcore.testing import ChatHarness, make_runtime

from .conftest import NO_FILTERS, EchoBot


@pytest.fixture
async def engine(tmp_path):
    config = {"store": "sqlite", "data_dir": str(tmp_path), "responders": ["echo"], **NO_FILTERS}
    runtime = make_runtime(config, plugins=[("echo", EchoBot())])
    async with runtime.build_engine() as engine:
        yield engine


async def test_history_shows_the_last_turns_of_this_conversation(engine):
    chat = ChatHarness(engine, chat_id="h")
    for word in ("one", "two", "three"):
        await chat.say(word)
    await ChatHarness(engine, chat_id="elsewhere").say("not here")

    shown = (await chat.say("/history 2")).text
    expected = ["Last 2 turn(s):", "you: two", "bot: echo:two", "you: three", "bot: echo:three"]
    assert shown.splitlines() == expected
    everything = (await chat.say("/history")).text
    assert "you: one" in everything and "not here" not in everything
    assert "/history" not in everything  # commands are not stored as turns
    assert "Usage: /history" in (await chat.say("/history lots")).text


async def test_history_is_empty_after_reset_but_the_turns_are_kept(engine):
    chat = ChatHarness(engine, chat_id="r")
    await chat.say("before")
    await chat.say("/reset")
    assert (await chat.say("/history")).text == "Nothing in this conversation yet."
    await chat.say("after")
    assert "before" not in (await chat.say("/history")).text
    assert [t.user_text for t in await engine.store.all_turns("test:r")] == ["before", "after"]


async def test_history_shortens_long_turns_and_speaks_chinese(engine):
    chat = ChatHarness(engine, chat_id="z")
    await chat.say("/lang zh")
    await chat.say("长" * 1000)
    shown = (await chat.say("/history 1")).text
    assert shown.startswith("最近 1 轮对话：\n你: ")
    assert len(shown) < 500 and shown.splitlines()[1].endswith("…")


async def test_forget_deletes_the_requesting_users_turns_only(engine):
    alice = ChatHarness(engine, chat_id="group", user_id="alice")
    bob = alice.as_user("bob")
    await alice.say("alice secret")
    await bob.say("bob hello")
    await alice.say("alice again")

    reply = await alice.say("/forget")
    assert "deleted everything" in reply.text and "2 message(s)" in reply.text
    left = await engine.store.all_turns("test:group")
    assert [(t.user_id, t.user_text) for t in left] == [("bob", "bob hello")]
    assert "alice" not in (await bob.say("/history")).text


async def test_lang_pins_the_reply_language_until_auto(engine):
    chat = ChatHarness(engine, chat_id="l")
    assert (await chat.say("/lang")).text == "Usage: /lang en|zh|auto (now: auto)"
    assert (await chat.say("hello there")).language == "en"
    assert (await chat.say("/lang zh")).text == "好的，我会用中文回复。"
    assert await engine.store.get_setting("test:l", "lang") == "zh"
    assert (await chat.say("hello there")).language == "zh"
    (turn,) = await engine.store.recent_turns("test:l", 1)
    assert turn.language == "zh"

    assert (await chat.say("/lang fr")).text == "用法：/lang en|zh|auto（当前：zh）"
    assert (await chat.say("/lang en")).text == "Okay, I'll answer in English."
    assert (await chat.say("你好世界")).language == "en"
    await chat.say("/lang auto")
    assert await engine.store.get_setting("test:l", "lang") is None
    assert (await chat.say("你好世界")).language == "zh"


async def test_commands_are_listed_in_help(engine):
    help_text = (await ChatHarness(engine).say("/help")).text
    for line in ("/history [n] - ", "/forget - ", "/lang en|zh|auto - "):
        assert line in help_text


async def test_odd_messages_go_through_the_engine_and_are_stored(engine):
    chat = ChatHarness(engine, chat_id="odd")
    broken = b"\xff\xfe bytes".decode("utf-8", "surrogateescape")
    messages = ["emoji 🤖🇺🇦", "RTL שלום مرحبا", "nul\x00byte", broken, "x" * 100_000]
    for text in messages:
        reply = await chat.say(text)
        assert reply.kind == "answer", reply
    turns = await engine.store.all_turns("test:odd")
    assert [t.user_text for t in turns[:3]] == messages[:3]
    assert turns[3].user_text == "\ufffd\ufffd bytes"
    cap = engine.settings.max_message_chars
    assert turns[4].user_text == "x" * cap and turns[4].truncated is True
    assert [t.truncated for t in turns[:4]] == [False] * 4


async def test_good_and_bad_rate_the_last_answer_and_the_last_verdict_counts(engine):
    chat = ChatHarness(engine, chat_id="fb")
    assert (await chat.say("/good")).text == "There is no answer of mine to rate yet."
    await chat.say("first")
    await chat.say("second")
    assert (await chat.say("/bad")).text.startswith("Thanks for telling me")
    _first, second = await engine.store.all_turns("test:fb")
    assert await engine.store.feedback("test:fb") == {second.id: -1}
    assert (await chat.say("/good")).text == "Thanks! Glad that helped."
    assert await engine.store.feedback("test:fb") == {second.id: 1}
    await chat.say("/lang zh")
    assert (await chat.say("/bad")).text == "谢谢告诉我。我已记下这个回答不好。"
