"""Moderation through the real Engine: refusals, strikes and mutes in a real SQLite store,
output masking of a generated reply, fail-closed custom filters, and recorded decisions."""

from __future__ import annotations

import logging

import pytest

from chatcore import Action, Reply, Verdict, hookimpl
from chatcore.testing import ChatHarness, make_runtime


class Scripted:
    """A responder plugin that answers with a fixed text (the "model output" under test),
    plus a filter that raises, and an observer that records replies."""

    def __init__(self, answer: str = "ok"):
        self.answer = answer
        self.seen: list[str] = []
        self.observed: list[Reply] = []

    @hookimpl
    def chatcore_register_responders(self, register):
        plugin = self

        class R:
            async def respond(self, message, context):
                plugin.seen.append(message.text)
                return Reply(plugin.answer, confidence=0.9)

        register("scripted", lambda s, r: R())

    @hookimpl
    def chatcore_register_filters(self, register):
        class Broken:
            async def check(self, text, message):
                raise RuntimeError("filter bug")

        register("broken", lambda s, r: Broken())

    @hookimpl
    def chatcore_on_reply(self, message, reply):
        self.observed.append(reply)


def engine_for(plugin: Scripted, tmp_path, **raw):
    config = {
        "responders": ["scripted"],
        "store": "sqlite",
        "sqlite": {"path": str(tmp_path / "chat.db")},
        **raw,
    }
    return make_runtime(config, plugins=[("scripted", plugin)]).build_engine()


async def test_defaults_block_offensive_input_with_a_localized_refusal(tmp_path):
    plugin = Scripted()
    engine = engine_for(plugin, tmp_path)
    async with engine:
        chat = ChatHarness(engine)
        en = await chat.say("you are a f.u.c.k.i.n.g idiot")
        zh = await chat.as_user("u2").say("你这个傻逼")
        turns = await engine.store.recent_turns("test:chat", 5)
    assert plugin.seen == []  # never reached the responder
    assert en.kind == "refusal" and en.text == engine.messages.text("refusal", "en")
    assert zh.text == engine.messages.text("refusal", "zh")
    assert en.verdicts[0].filter == "lexicon" and en.verdicts[0].category == "offensive"
    assert all("fuck" not in t.user_text and "傻逼" not in t.user_text for t in turns)
    assert plugin.observed[0].verdicts[0].snippet.startswith("[offensive]")


async def test_pii_in_input_is_masked_before_the_model_sees_it(tmp_path):
    plugin = Scripted()
    async with engine_for(plugin, tmp_path) as engine:
        reply = await ChatHarness(engine).say("my card is 4111 1111 1111 1111")
    assert plugin.seen == ["my card is **** **** **** ****"]
    assert reply.kind == "answer" and reply.verdicts[0].category == "pii-card"


async def test_generated_reply_is_masked_or_replaced(tmp_path):
    leaky = Scripted("Sure, write to alice@example.com or call +44 20 7946 0958")
    async with engine_for(leaky, tmp_path / "a") as engine:
        masked = await ChatHarness(engine).say("who can help?")
    assert masked.text == "Sure, write to ***************** or call *** ** **** ****"
    assert masked.verdicts[0].categories == ("pii-email", "pii-phone")
    rude = Scripted("well this shit is broken")
    config = {"lexicon": {"actions": {"offensive": "mask"}}}
    async with engine_for(rude, tmp_path / "b", **config) as engine:
        reply = await ChatHarness(engine).say("status?")
    assert reply.text == "well this **** is broken"
    hateful = Scripted("I will kill you")
    async with engine_for(hateful, tmp_path / "c") as engine:
        replaced = await ChatHarness(engine).say("hello")
    assert replaced.text == engine.fallback_text("en") and replaced.kind == "refusal"


async def test_strikes_mute_then_expire_admins_exempt(tmp_path):
    plugin = Scripted()
    strikes = {"max_strikes": 2, "window_seconds": 60, "mute_seconds": 100}
    engine = engine_for(plugin, tmp_path, engine={"strikes": strikes, "admins": ["boss"]})
    now = [1000.0]
    engine.clock = lambda: now[0]
    chat = ChatHarness(engine)
    async with engine:
        first = await chat.say("fuck off")
        second = await chat.say("sh1t head")
        silenced = await chat.say("hello?")
        admin = [await chat.as_user("boss").say("fuck this") for _ in range(3)]
        now[0] += 101
        back = await chat.say("hello again")
        again = await chat.say("fuck off")  # the strikes before the mute are spent
        muted = await engine.store.muted_until("test:chat", "user")
    assert first.text == engine.messages.text("refusal", "en")
    assert second.text == engine.messages.text("muted", "en")  # one notice
    assert silenced.kind == "muted" and silenced.text == ""
    assert [a.kind for a in admin] == ["refusal"] * 3
    assert await_not_muted(admin)
    assert back.kind == "answer"
    assert again.text == engine.messages.text("refusal", "en") and muted == 1100.0


def await_not_muted(replies) -> bool:
    return all(r.text != "" for r in replies)


async def test_raising_filter_fails_closed_on_input_without_a_strike(tmp_path, caplog):
    plugin = Scripted()
    raw = {"filters": {"input": ["broken", "lexicon"]}, "engine": {"strikes": {"max_strikes": 1}}}
    engine = engine_for(plugin, tmp_path, **raw)
    with caplog.at_level(logging.ERROR):
        async with engine:
            chat = ChatHarness(engine)
            replies = [await chat.say("hello") for _ in range(2)]
            strikes = await engine.store.count_strikes("test:chat", "user", 0)
    assert [r.kind for r in replies] == ["refusal", "refusal"]  # never muted
    assert replies[0].verdicts[0] == Verdict(Action.BLOCK, "filter-error", "broken", stage="input")
    assert strikes == 0 and plugin.seen == []
    assert "input filter 'broken' failed" in caplog.text


async def test_raising_filter_fails_open_when_configured(tmp_path):
    plugin = Scripted("fine")
    raw = {"filters": {"input": ["broken"], "output": ["broken"], "on_error": {"input": "open"}}}
    async with engine_for(plugin, tmp_path, **raw) as engine:
        reply = await ChatHarness(engine).say("hello")
    assert plugin.seen == ["hello"]
    assert reply.text == engine.fallback_text("en")  # output stays fail-closed by default


async def test_flag_is_recorded_in_history_without_the_text(tmp_path):
    plugin = Scripted()
    raw = {"lexicon": {"actions": {"sexual": "flag"}}}
    async with engine_for(plugin, tmp_path, **raw) as engine:
        reply = await ChatHarness(engine).say("i am so horny")
        turn = (await engine.store.recent_turns("test:chat", 1))[0]
    assert reply.kind == "answer" and plugin.seen == ["i am so horny"]
    verdict = turn.verdicts[0]
    assert verdict["action"] == "flag" and verdict["category"] == "sexual"
    assert "horny" not in verdict["snippet"]


@pytest.mark.parametrize("disabled", [True, False])
async def test_default_filters_follow_the_plugin(tmp_path, disabled):
    raw = {"plugins": {"disabled": ["moderation"]}} if disabled else {}
    runtime = make_runtime({"responders": ["scripted"], **raw}, plugins=[("s", Scripted())])
    engine = runtime.build_engine()
    names = [n.name for n in engine.input_filters]
    assert names == ([] if disabled else ["meaning", "pii"])
