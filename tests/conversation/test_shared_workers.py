"""Several workers on one Redis: the rate limit, mutes and turns hold across them (a message
re-run by another worker is stored once)."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from chatcore import Action, Verdict, hookimpl
from chatcore.testing import ChatHarness, make_runtime

from .conftest import NO_FILTERS, EchoBot, redis_store


async def test_the_rate_limit_holds_across_two_stores(redis_url, redis_prefix):
    workers = [redis_store(redis_url, redis_prefix) for _ in range(2)]
    answers = [
        await workers[n % 2].allow_message("test:u", 3, 10, 100.0 + n * 0.5) for n in range(4)
    ]
    assert answers == [True, True, True, False]  # the 4th, whichever worker asks, is refused
    assert await workers[0].allow_message("test:other", 3, 10, 101.5) is True  # per key
    assert await workers[1].allow_message("test:u", 3, 10, 110.0) is True  # 100.0 left the window
    assert await workers[0].allow_message("test:u", 3, 10, 110.1) is False  # 100.5, 101, 110
    for store in workers:
        await store.close()


async def test_events_at_the_same_time_all_count(redis_url, redis_prefix):
    store = redis_store(redis_url, redis_prefix)
    answers = [await store.allow_message("test:u", 2, 10, 5.0) for _ in range(3)]
    assert answers == [True, True, False]
    await store.close()


async def test_concurrent_checks_across_two_stores_admit_exactly_the_limit(redis_url, redis_prefix):
    workers = [redis_store(redis_url, redis_prefix) for _ in range(2)]
    calls = [workers[n % 2].allow_message("test:u", 5, 60, 1000.0) for n in range(20)]
    answers = await asyncio.gather(*calls)
    assert answers.count(True) == 5 and answers.count(False) == 15
    for store in workers:
        await store.close()


async def test_the_rate_key_expires_after_the_period(redis_url, redis_prefix):
    import redis.asyncio as aioredis

    store = redis_store(redis_url, redis_prefix)
    await store.allow_message("test:u", 3, 30, 1.0)
    client = aioredis.from_url(redis_url, decode_responses=True)
    assert 29_000 < await client.pttl(f"{redis_prefix}rate:test:u") <= 30_000
    await client.aclose()
    await store.close()


class BlockBad:
    """A test plugin: an input filter that blocks the text "bad"."""

    @hookimpl
    def chatcore_register_filters(self, register):
        class Filter:
            async def check(self, text, message):
                return Verdict(Action.BLOCK if text == "bad" else Action.ALLOW, category="test")

        register("block_bad", lambda settings, runtime: Filter())


@asynccontextmanager
async def two_engines(redis_url: str, redis_prefix: str, **raw):
    """Two engines (two workers) on one Redis and key prefix, with one fake clock."""
    config = {
        "store": "redis",
        "responders": ["echo"],
        **NO_FILTERS,
        "redis": {"url": "${REDIS_URL}", "key_prefix": redis_prefix},
        **raw,
    }
    plugins = [("echo", EchoBot()), ("block_bad", BlockBad())]
    engines = [
        make_runtime(config, plugins=plugins, environ={"REDIS_URL": redis_url}).build_engine()
        for _ in range(2)
    ]
    now = [1000.0]
    for engine in engines:
        engine.clock = lambda: now[0]
        await engine.start()
    try:
        yield engines, now
    finally:
        for engine in engines:
            await engine.stop()


async def test_a_user_over_the_limit_on_one_engine_is_limited_on_the_other(redis_url, redis_prefix):
    limits = {"engine": {"rate_limit": {"messages": 2, "per_seconds": 60}}}
    async with two_engines(redis_url, redis_prefix, **limits) as (engines, now):
        a, b = (ChatHarness(engine) for engine in engines)
        first, second = await a.say("one"), await b.say("two")
        third = await b.say("three")
        other_user = await a.as_user("someone-else").say("hi")
        now[0] += 61
        later = await a.say("four")
    assert [r.kind for r in (first, second, third)] == ["answer", "answer", "limited"]
    assert other_user.kind == "answer" and later.kind == "answer"


async def test_a_user_muted_through_one_engine_is_muted_on_the_other(redis_url, redis_prefix):
    raw = {
        "filters": {"input": ["block_bad"], "output": []},
        "engine": {"strikes": {"max_strikes": 2, "window_seconds": 60, "mute_seconds": 100}},
    }
    async with two_engines(redis_url, redis_prefix, **raw) as (engines, now):
        a, b = (ChatHarness(engine) for engine in engines)
        refused = [await a.say("bad"), await a.say("bad")]
        muted = await b.say("hello")
        elsewhere = await ChatHarness(engines[1], chat_id="other").say("hello")
        now[0] += 101
        after = await b.say("hello again")
    assert [r.kind for r in refused] == ["refusal", "refusal"]
    assert refused[1].text == engines[0].messages.text("muted", "en")
    assert muted.kind == "muted" and muted.text == ""
    assert elsewhere.kind == "answer"  # a mute is per chat
    assert after.kind == "answer"


async def test_a_message_re_run_by_another_engine_is_stored_once(redis_url, redis_prefix):
    async with two_engines(redis_url, redis_prefix) as (engines, _):
        a, b = (ChatHarness(engine) for engine in engines)
        await a.say("hello", message_id="update-1")
        again = await b.say("hello", message_id="update-1")  # the first worker was killed
        await b.say("next", message_id="update-2")
    assert again.text == "echo:hello"  # the user still gets an answer
    reader = redis_store(redis_url, redis_prefix)
    turns = await reader.all_turns("test:chat")
    assert [(t.user_text, t.message_id) for t in turns] == [
        ("hello", "update-1"),
        ("next", "update-2"),
    ]
    await reader.close()
