"""The SQLite store's in-memory context cache never changes an answer: random operations give
the same context with the cache on and off, and writes by another process drop it."""

from __future__ import annotations

import random

from chatcore.conversation.sqlite import SqliteSettings, SqliteStore
from chatcore.conversation.store import Turn


async def test_random_operations_read_the_same_with_and_without_cache(tmp_path):
    rng = random.Random(7)
    small = {"max_turns_per_chat": 12, "context_cache_turns": 5, "context_cache_chats": 3}
    cached = SqliteStore(tmp_path / "on.db", SqliteSettings(**small))
    plain = SqliteStore(tmp_path / "off.db", SqliteSettings(**{**small, "context_cache_chats": 0}))
    chats = [f"t:{n}" for n in range(6)]
    for step in range(1500):
        chat, user = rng.choice(chats), rng.choice(["a", "b", "c"])
        action = rng.random()
        for store in (cached, plain):
            if action < 0.45:
                await store.append_turn(Turn(chat, user, f"q{step}", f"a{step}", created_at=step))
            elif action < 0.5:
                await store.reset(chat)
            elif action < 0.53:
                await store.forget_user(chat, user)
            elif action < 0.54:
                await store.prune(step - 200)
        limit = rng.choice([1, 3, 5, 6, 20])
        got = await cached.recent_turns(chat, limit)
        want = await plain.recent_turns(chat, limit)
        assert [(t.user_text, t.conversation) for t in got] == [
            (t.user_text, t.conversation) for t in want
        ], f"step {step}: {chat} limit {limit}"
    await cached.close()
    await plain.close()


async def test_a_write_from_another_process_drops_the_cache(tmp_path):
    path = tmp_path / "shared.db"
    bot, other = SqliteStore(path), SqliteStore(path)  # two connections, as two processes
    await bot.append_turn(Turn("t:1", "u", "first", "one"))
    assert [t.user_text for t in await bot.recent_turns("t:1", 5)] == ["first"]  # now cached

    await other.append_turn(Turn("t:1", "u", "from the other process", "two"))
    await other.reset("t:2")
    await bot.append_turn(Turn("t:9", "u", "any write", "notices the other connection"))

    assert [t.user_text for t in await bot.recent_turns("t:1", 5)] == [
        "first",
        "from the other process",
    ]
    await bot.close()
    await other.close()
