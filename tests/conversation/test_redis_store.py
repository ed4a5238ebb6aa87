"""Redis specifics: TTL-based retention, key namespacing, and odd chat keys."""

from __future__ import annotations

import time

import redis.asyncio as aioredis

from chatcore.store import Turn

from .conftest import redis_store


async def test_keys_expire_after_the_retention_and_old_turns_are_dropped(redis_url, redis_prefix):
    store = redis_store(redis_url, redis_prefix, retention_days=1)
    now = time.time()
    await store.append_turn(Turn("t:1", "u", "two days old", "x", created_at=now - 2 * 86400))
    await store.append_turn(Turn("t:1", "u", "fresh", "y", created_at=now))
    await store.reset("t:1")
    await store.add_strike("t:1", "u", now)
    assert [t.user_text for t in await store.all_turns("t:1")] == ["fresh"]

    client = aioredis.from_url(redis_url, decode_responses=True)
    keys = sorted([key async for key in client.scan_iter(match=f"{redis_prefix}*")])
    assert len(keys) == 4  # turns, conversation, id sequence, strikes
    for key in keys:
        assert 86400 - 60 < await client.ttl(key) <= 86400, key
    await client.aclose()
    await store.close()


async def test_without_retention_nothing_expires(redis_url, redis_prefix):
    store = redis_store(redis_url, redis_prefix, retention_days=None)
    await store.append_turn(Turn("t:1", "u", "ancient", "x", created_at=1.0))
    client = aioredis.from_url(redis_url, decode_responses=True)
    assert await client.ttl(f"{redis_prefix}turns:t:1") == -1
    assert [t.user_text for t in await store.all_turns("t:1")] == ["ancient"]
    await client.aclose()
    await store.close()


async def test_prefixes_keep_bots_apart_and_odd_chat_keys_work(redis_url, redis_prefix):
    one = redis_store(redis_url, redis_prefix + "one:")
    two = redis_store(redis_url, redis_prefix + "two:")
    odd = ["tg:*", "tg:[1]", "tg:a b", "tg:ключ", "tg:\\"]
    for chat in odd:
        await one.append_turn(Turn(chat, "u", f"in {chat}", "ok"))
    await two.append_turn(Turn("tg:*", "u", "other bot", "ok"))
    assert await one.chat_keys() == sorted(odd)
    assert await two.chat_keys() == ["tg:*"]
    for chat in odd:
        assert [t.user_text for t in await one.recent_turns(chat, 5)] == [f"in {chat}"]
    assert [t.user_text for t in await two.recent_turns("tg:*", 5)] == ["other bot"]
    await one.close()
    await two.close()
