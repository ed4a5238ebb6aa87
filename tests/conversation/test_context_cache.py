"""The SQLite store's in-memory context cache never changes an answer: random operations give
the same context with the cache on and off, and writes by another process drop it."""

from __future__ import annotations

import random

from chatcore.builtin.conversation.sqlite import SqliteSettings, SqliteStore
from chatcore.store import Turn


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


async def test_cached_context_notices_another_process_within_the_freshness_window(tmp_path):
    import asyncio

    path = tmp_path / "shared.db"
    bot, other = SqliteStore(path), SqliteStore(path)
    bot.freshness_seconds = 0.05
    await bot.append_turn(Turn("t:1", "u", "first", "one"))
    await bot.recent_turns("t:1", 5)  # cached
    await other.forget_user("t:1", "u")  # e.g. /forget handled by another worker
    deadline = asyncio.get_running_loop().time() + 5
    while await bot.recent_turns("t:1", 5):  # stale for a moment, then the check drops it
        assert asyncio.get_running_loop().time() < deadline, "cache never noticed the write"
        await asyncio.sleep(0.01)
    await bot.close()
    await other.close()


async def test_a_cancelled_append_that_still_commits_is_not_missing_from_context(tmp_path):
    import asyncio
    import sqlite3

    path = tmp_path / "c.db"
    store = SqliteStore(path)
    await store.append_turn(Turn("t:1", "u", "first", "one"))
    await store.recent_turns("t:1", 5)  # cached
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    task = asyncio.create_task(store.append_turn(Turn("t:1", "u", "second", "two")))
    await asyncio.sleep(0.05)  # the append waits for the lock on the writer thread
    task.cancel()
    await asyncio.sleep(0)
    assert task.cancelled()
    blocker.execute("COMMIT")  # now the append commits, after its caller has gone
    blocker.close()
    await store.set_setting("t:1", "k", "v")  # queued behind the append on the writer thread
    assert [t.user_text for t in await store.all_turns("t:1")] == ["first", "second"]
    assert [t.user_text for t in await store.recent_turns("t:1", 5)] == ["first", "second"]
    await store.close()


def test_a_turn_already_read_from_the_file_is_not_appended_twice():
    from chatcore.builtin.conversation.context_cache import ContextCache

    cache = ContextCache(chats=10, turns=5)
    first, second = Turn("t:1", "u", "a", "b", id=1), Turn("t:1", "u", "c", "d", id=2)
    cache.fill("t:1", [first, second], 5, cache.version("t:1"))  # the read saw the commit
    cache.appended(second)  # then the write's own update arrives
    assert cache.get("t:1", 5) == [first, second]
    stale = cache.version("t:1")
    cache.appended(Turn("t:1", "u", "e", "f", id=3))
    cache.fill("t:1", [first], 5, stale)  # a read from before that write: ignored
    assert [t.id for t in cache.get("t:1", 5)] == [1, 2, 3]


async def test_reads_racing_writes_on_one_chat_end_up_exact(tmp_path):
    import asyncio

    store = SqliteStore(tmp_path / "race.db", SqliteSettings(context_cache_turns=8))

    async def writer() -> None:
        for n in range(150):
            await store.append_turn(Turn("t:1", "u", f"q{n}", f"a{n}"))

    async def reader() -> None:
        for _ in range(150):
            turns = await store.recent_turns("t:1", 8)
            numbers = [int(t.user_text[1:]) for t in turns]
            assert numbers == sorted(set(numbers)), numbers  # no duplicates, in order
            if numbers:
                assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))

    await asyncio.gather(writer(), reader(), reader(), reader())
    assert [t.user_text for t in await store.recent_turns("t:1", 8)] == [
        f"q{n}" for n in range(142, 150)
    ]
    await store.close()
