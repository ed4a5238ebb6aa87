"""The pipeline: order of stages, filters' effects, limits, commands, faults, concurrency."""

from __future__ import annotations

import asyncio
import logging

import pytest

from chatcore import Action, Message, Reply, hookimpl
from chatcore.testing import ChatHarness, make_runtime
from tests.core.conftest import SlowParrot


def engine_with(recorder, **raw):
    config = {"responders": ["parrot"], **raw}
    return make_runtime(config, plugins=[("recorder", recorder)]).build_engine()


async def test_pipeline_runs_stages_in_order(recorder):
    engine = engine_with(
        recorder, filters={"input": ["mask_bad", "block_evil"], "output": ["mask_said"]}
    )
    async with engine:
        reply = await ChatHarness(engine).say("a bad day")
    assert recorder.events == [
        "on_message:a bad day",
        "mask_bad:a bad day",
        "block_evil:a *** day",  # the masked text flows to the next filter
        "respond:a *** day",  # ... and to the responder
        "mask_said:you said: a *** day",
        "on_reply:you ****: a *** day",
    ]
    assert reply.text == "you ****: a *** day"
    assert [v.filter for v in reply.verdicts] == ["mask_bad", "mask_said"]
    assert all(v.action is Action.MASK for v in reply.verdicts)


async def test_blocked_input_never_reaches_responder(recorder):
    engine = engine_with(recorder, filters={"input": ["block_evil"]})
    async with engine:
        reply = await ChatHarness(engine).say("pure evil")
        turns = await engine.store.recent_turns("test:chat", 5)
    assert not any(e.startswith("respond:") for e in recorder.events)
    assert reply.kind == "refusal"
    assert reply.verdicts[0].action is Action.BLOCK
    assert reply.text == engine.messages.text("refusal", "en")
    assert turns[0].user_text == "b***"  # stored redacted, never the full text


async def test_blocked_output_is_replaced_by_fallback(recorder):
    class BlockSaid:
        @hookimpl
        def chatcore_register_filters(self, register):
            class F:
                async def check(self, text, message):
                    from chatcore import Verdict

                    return Verdict(Action.BLOCK if "said" in text else Action.ALLOW)

            register("block_said", lambda s, r: F())

    runtime = make_runtime(
        {"responders": ["parrot"], "filters": {"output": ["block_said"]}},
        plugins=[("recorder", recorder), ("blocksaid", BlockSaid())],
    )
    async with runtime.build_engine() as engine:
        reply = await ChatHarness(engine).say("hello")
    assert reply.text == engine.fallback_text("en")
    assert reply.fallback and reply.kind == "refusal"


async def test_strikes_mute_after_repeated_blocks(recorder):
    engine = engine_with(
        recorder,
        filters={"input": ["block_evil"]},
        engine={"strikes": {"max_strikes": 2, "window_seconds": 60, "mute_seconds": 100}},
    )
    now = [1000.0]
    engine.clock = lambda: now[0]
    chat = ChatHarness(engine)
    async with engine:
        first = await chat.say("evil 1")
        second = await chat.say("evil 2")
        muted = await chat.say("hello")
        admin = await chat.as_user("boss").say("hello", is_admin=True)
        now[0] += 101
        after = await chat.say("hello again")
    assert first.text == engine.messages.text("refusal", "en")
    assert second.text == engine.messages.text("muted", "en")  # one notice when the mute starts
    assert muted.kind == "muted" and muted.text == ""
    assert admin.text == "you said: hello"
    assert after.text == "you said: hello again"


async def test_rate_limit_per_user(recorder):
    engine = engine_with(recorder, engine={"rate_limit": {"messages": 2, "per_seconds": 60}})
    chat = ChatHarness(engine)
    async with engine:
        replies = [await chat.say(f"m{i}") for i in range(3)]
        other = await chat.as_user("someone-else").say("hi")
    assert [r.kind for r in replies] == ["answer", "answer", "limited"]
    assert other.kind == "answer"


async def test_long_input_is_truncated_and_flagged(recorder):
    engine = engine_with(recorder, engine={"max_message_chars": 10})
    async with engine:
        reply = await ChatHarness(engine).say("x" * 50)
        turn = (await engine.store.recent_turns("test:chat", 1))[0]
    assert reply.text == "you said: " + "x" * 10
    assert turn.truncated and turn.user_text == "x" * 10


async def test_commands_run_before_filters_and_unknown_commands_are_explained(recorder):
    engine = engine_with(recorder, filters={"input": ["block_evil"]})
    chat = ChatHarness(engine)
    async with engine:
        help_reply = await chat.say("/help@somebot")
        unknown = await chat.say("/evil")
    assert "/help" in help_reply.text and "/reset" in help_reply.text
    assert help_reply.kind == "command"
    assert "Unknown command /evil" in unknown.text
    assert not any(e.startswith("respond:") for e in recorder.events)


async def test_reset_starts_a_fresh_context(recorder):
    seen = []

    class ContextSpy:
        @hookimpl
        def chatcore_register_responders(self, register):
            class R:
                async def respond(self, message, context):
                    seen.append([t.user_text for t in context])
                    return Reply("ok")

            register("spy", lambda s, r: R())

    runtime = make_runtime({"responders": ["spy"]}, plugins=[("spy", ContextSpy())])
    async with runtime.build_engine() as engine:
        chat = ChatHarness(engine)
        for text in ["one", "two", "/reset", "three"]:
            await chat.say(text)
    assert seen == [[], ["one"], []]


async def test_raising_responder_gives_polite_error_and_logs(caplog):
    class Broken:
        @hookimpl
        def chatcore_register_responders(self, register):
            class R:
                async def respond(self, message, context):
                    raise RuntimeError("boom")

            register("broken", lambda s, r: R())

    runtime = make_runtime({"responders": ["broken"]}, plugins=[("broken", Broken())])
    with caplog.at_level(logging.ERROR):
        async with runtime.build_engine() as engine:
            reply = await ChatHarness(engine).say("hi")
            second = await ChatHarness(engine).say("still alive?")
    assert reply.kind == "error" and reply.text == engine.messages.text("error_reply", "en")
    assert second.kind == "error"
    assert "responder 'broken' failed" in caplog.text


async def test_raising_filter_fails_closed_by_default_and_open_when_configured(caplog):
    class BrokenFilter:
        @hookimpl
        def chatcore_register_filters(self, register):
            class F:
                async def check(self, text, message):
                    raise ValueError("filter bug")

            register("flaky", lambda s, r: F())

    plugins = [("broken-filter", BrokenFilter())]
    closed = make_runtime({"filters": {"input": ["flaky"]}}, plugins=plugins).build_engine()
    open_ = make_runtime(
        {"filters": {"input": ["flaky"], "on_error": {"input": "open"}}}, plugins=plugins
    ).build_engine()
    with caplog.at_level(logging.ERROR):
        async with closed, open_:
            blocked = await ChatHarness(closed).say("hi")
            passed = await ChatHarness(open_).say("hi")
    assert blocked.kind == "refusal"
    assert blocked.verdicts[0].category == "filter-error"
    assert passed.kind == "answer" and passed.verdicts[0].action is Action.FLAG
    assert "input filter 'flaky' failed" in caplog.text


async def test_raising_observer_is_logged_and_others_still_run(recorder, caplog):
    class BadObserver:
        @hookimpl
        def chatcore_on_reply(self, reply):
            raise RuntimeError("observer bug")

    runtime = make_runtime(
        {"responders": ["parrot"]}, plugins=[("recorder", recorder), ("bad", BadObserver())]
    )
    with caplog.at_level(logging.ERROR):
        async with runtime.build_engine() as engine:
            reply = await ChatHarness(engine).say("hi")
    assert reply.text == "you said: hi"
    assert "on_reply:you said: hi" in recorder.events
    assert "plugin 'bad' failed in chatcore_on_reply" in caplog.text


async def test_chats_run_concurrently_and_each_keeps_its_order():
    events: list[tuple[str, str, str]] = []
    runtime = make_runtime({"responders": ["slow"]}, plugins=[("slow", SlowParrot(events))])
    async with runtime.build_engine() as engine:
        sends = []
        for i in range(6):
            for chat in ("a", "b"):
                message = Message("test", chat, "u", f"{chat}{i}")
                sends.append(asyncio.create_task(engine.handle(message)))
        replies = await asyncio.gather(*sends)
    assert [r.text for r in replies] == [f"{c}{i}" for i in range(6) for c in ("a", "b")]
    for chat in ("a", "b"):
        mine = [(kind, text) for kind, c, text in events if c == chat]
        expected = [(k, f"{chat}{i}") for i in range(6) for k in ("start", "end")]
        assert mine == expected  # one at a time, in arrival order
    first_end_a = events.index(("end", "a", "a0"))
    assert ("start", "b", "b0") in events[:first_end_a]  # chats overlapped


async def test_language_is_detected_and_fallback_localized():
    runtime = make_runtime()
    async with runtime.build_engine() as engine:
        english = await ChatHarness(engine).say("what is this")
        chinese = await ChatHarness(engine, chat_id="zh").say("你叫什么名字")
    assert english.fallback and english.text == engine.messages.text("fallback", "en")
    assert chinese.fallback and chinese.text == engine.messages.text("fallback", "zh")
    assert chinese.language == "zh"


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("/help", ("help", "")),
        ("/lang@my_bot zh", ("lang", "zh")),
        ("/History  5 ", ("history", "5")),
        ("/ not a command", None),
        ("hello /help", None),
        ("/", None),
        ("/a.b", None),
    ],
)
def test_parse_command(text, parsed):
    from chatcore.commands import parse_command

    assert parse_command(text) == parsed


async def test_filter_on_both_stages_is_built_and_started_once():
    from chatcore import Verdict

    built: list[str] = []

    class Counted:
        @hookimpl
        def chatcore_register_filters(self, register):
            class F:
                def __init__(self):
                    built.append("built")

                async def start(self):
                    built.append("started")

                async def check(self, text, message):
                    return Verdict()

            register("counted", lambda s, r: F())

    runtime = make_runtime(
        {"filters": {"input": ["counted"], "output": ["counted"]}}, plugins=[("c", Counted())]
    )
    async with runtime.build_engine() as engine:
        assert engine.input_filters[0].component is engine.output_filters[0].component
    assert built == ["built", "started"]


async def test_a_failed_start_closes_what_was_opened():
    closed: list[str] = []

    class Failing:
        @hookimpl
        def chatcore_register_filters(self, register):
            class Good:
                async def check(self, text, message):
                    raise AssertionError("never called")

                async def close(self):
                    closed.append("good")

            class Bad(Good):
                async def start(self):
                    raise OSError("cannot start")

                async def close(self):  # a start that failed half-way may hold something
                    closed.append("bad")

            register("good", lambda s, r: Good())
            register("bad", lambda s, r: Bad())

    runtime = make_runtime(
        {"filters": {"input": ["good", "bad"], "output": []}}, plugins=[("f", Failing())]
    )
    engine = runtime.build_engine()
    original_close = engine.store.close

    async def store_close():
        closed.append("store")
        await original_close()

    engine.store.close = store_close
    with pytest.raises(OSError, match="cannot start"):
        await engine.start()
    assert closed == ["good", "bad", "store"]


async def test_async_observers_run_without_delaying_the_reply():
    seen: list[str] = []

    class AsyncAudit:
        @hookimpl
        async def chatcore_on_reply(self, reply):
            await asyncio.sleep(0.01)
            seen.append(reply.text)

    runtime = make_runtime(plugins=[("audit", AsyncAudit())])
    async with runtime.build_engine() as engine:
        reply = await ChatHarness(engine).say("/help")
        assert seen == []  # still running
    assert seen == [reply.text]  # stop() waited for it


async def test_a_turn_the_store_cannot_keep_is_answered_or_with_strict_store_raised(caplog):
    from chatcore.builtin.conversation.memory import MemoryStore
    from chatcore.testing import ChatHarness, make_runtime

    class FullDisk(MemoryStore):
        async def append_turn(self, turn):
            raise OSError("disk full")

    engine = make_runtime({"filters": {"input": [], "output": []}}).build_engine()
    engine.store = FullDisk()
    chat = ChatHarness(engine)
    reply = await chat.say("hello")  # one process: the user still gets the answer
    assert reply.kind != "error" and "could not store a turn" in caplog.text
    engine.strict_store = True  # a queue worker: the message is retried instead
    with pytest.raises(OSError, match="disk full"):
        await chat.say("hello again")


class Preparing:
    """A responder with ``prepare``: records what it was told, and when."""

    def __init__(self, events: list[str], fail: bool = False):
        self.events, self.fail = events, fail

    @hookimpl
    def chatcore_register_responders(self, register):
        events, fail = self.events, self.fail

        class Responder:
            def prepare(self, message, context):
                events.append(f"prepare:{message.text}:{[t.user_text for t in context]}")
                if fail:
                    raise RuntimeError("prepare broke")

            async def respond(self, message, context):
                events.append(f"respond:{message.text}")
                return Reply(f"ok {message.text}")

        register("preparing", lambda settings, runtime: Responder())


async def test_responders_prepare_before_the_input_filters_with_the_context(recorder):
    preparing = Preparing(recorder.events)
    config = {"responders": ["preparing"], "filters": {"input": ["block_evil"], "output": []}}
    plugins = [("recorder", recorder), ("preparing", preparing)]
    async with make_runtime(config, plugins=plugins).build_engine() as engine:
        chat = ChatHarness(engine)
        await chat.say("hello")
        refused = await chat.say("pure evil")
        await chat.say("again")
    assert [e for e in recorder.events if not e.startswith("on_")] == [
        "prepare:hello:[]",
        "block_evil:hello",
        "respond:hello",
        "prepare:pure evil:['hello']",  # told before the filters, refused or not
        "block_evil:pure evil",
        "prepare:again:['hello', 'b***']",  # the stored turns, the refused one redacted
        "block_evil:again",
        "respond:again",
    ]
    assert refused.kind == "refusal"


async def test_a_failing_prepare_is_logged_and_the_message_still_answered(recorder, caplog):
    preparing = Preparing(recorder.events, fail=True)
    config = {"responders": ["preparing"], "filters": {"input": [], "output": []}}
    with caplog.at_level(logging.ERROR):
        async with make_runtime(config, plugins=[("p", preparing)]).build_engine() as engine:
            reply = await ChatHarness(engine).say("hi")
    assert reply.text == "ok hi"
    assert "failed to prepare" in caplog.text


async def test_an_async_prepare_is_awaited_before_the_input_filters(recorder):
    events = recorder.events

    class AsyncPreparing:
        @hookimpl
        def chatcore_register_responders(self, register):
            class Responder:
                async def prepare(self, message, context):
                    await asyncio.sleep(0)
                    events.append(f"prepare:{message.text}")

                async def respond(self, message, context):
                    return Reply(f"ok {message.text}")

            register("async_preparing", lambda settings, runtime: Responder())

    config = {"responders": ["async_preparing"], "filters": {"input": ["block_evil"]}}
    plugins = [("recorder", recorder), ("p", AsyncPreparing())]
    async with make_runtime(config, plugins=plugins).build_engine() as engine:
        await ChatHarness(engine).say("hello")
    assert [e for e in events if not e.startswith("on_")][:2] == [
        "prepare:hello",
        "block_evil:hello",
    ]
