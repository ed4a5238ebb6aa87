"""Many chats at once through the real engine, and two workers sharing one Redis."""

from __future__ import annotations

import asyncio

from chatcore.builtin.conversation.sqlite import SqliteStore
from chatcore.testing import make_runtime
from chatcore.types import Message

from .conftest import NO_FILTERS, EchoBot, redis_store

CHATS, MESSAGES = 200, 20
BUSY = {"rate_limit": {"messages": 1000}, "context_turns": 3}


def text(chat: int, n: int) -> str:
    return f"chat {chat} message {n}"


async def flood(engine, channel: str, chats: range) -> list:
    """Every message of every chat at once, interleaved across chats; per chat the engine must
    keep arrival order."""
    jobs = [
        engine.handle(Message(channel, f"c{chat}", f"user{chat}", text(chat, n)))
        for n in range(MESSAGES)
        for chat in chats
    ]
    return await asyncio.gather(*jobs)


async def test_200_chats_by_20_messages_through_the_engine_on_sqlite(tmp_path):
    config = {"store": "sqlite", "data_dir": str(tmp_path), "responders": ["echo"], **NO_FILTERS}
    runtime = make_runtime({**config, "engine": BUSY}, plugins=[("echo", EchoBot())])
    async with runtime.build_engine() as engine:
        replies = await flood(engine, "load", range(CHATS))
    assert all(r.kind == "answer" for r in replies), {r.kind for r in replies}
    assert sorted(r.text for r in replies) == sorted(
        f"echo:{text(c, n)}" for c in range(CHATS) for n in range(MESSAGES)
    )

    store = SqliteStore(tmp_path / "conversations.db")  # reopened: what is really on disk
    assert len(await store.chat_keys()) == CHATS
    for chat in range(CHATS):
        turns = await store.all_turns(f"load:c{chat}")
        assert [t.user_text for t in turns] == [text(chat, n) for n in range(MESSAGES)]
        assert [t.reply_text for t in turns] == [f"echo:{text(chat, n)}" for n in range(MESSAGES)]
        assert {t.user_id for t in turns} == {f"user{chat}"}
        # each reply saw the context of its own chat: 0, 1, 2, then 3 turns
        seen = [round((t.confidence - 0.5) * 100) for t in turns]
        assert seen == [min(n, 3) for n in range(MESSAGES)]
    await store.close()


async def test_two_workers_on_redis_never_lose_or_mix_turns(redis_url, redis_prefix):
    config = {
        "store": "redis",
        "responders": ["echo"],
        "engine": BUSY,
        **NO_FILTERS,
        "redis": {"url": "${REDIS_URL}", "key_prefix": redis_prefix},
    }
    environ = {"REDIS_URL": redis_url}
    workers = [
        make_runtime(config, plugins=[("echo", EchoBot())], environ=environ).build_engine()
        for _ in range(2)
    ]
    for engine in workers:
        await engine.start()
    try:
        await asyncio.gather(
            flood(workers[0], "w", range(0, 50)), flood(workers[1], "w", range(50, 100))
        )
    finally:
        for engine in workers:
            await engine.stop()

    reader = redis_store(redis_url, redis_prefix)
    assert len(await reader.chat_keys()) == 100
    for chat in range(100):
        turns = await reader.all_turns(f"w:c{chat}")
        assert [t.user_text for t in turns] == [text(chat, n) for n in range(MESSAGES)]
        assert [t.id for t in turns] == list(range(1, MESSAGES + 1))
    await reader.close()


async def test_two_redis_store_instances_writing_one_chat_keep_every_turn(redis_url, redis_prefix):
    """Two processes in one chat (no shared per-chat lock): appends stay whole and unique."""
    from chatcore.store import Turn

    first, second = redis_store(redis_url, redis_prefix), redis_store(redis_url, redis_prefix)

    async def writer(store, name: str) -> None:
        for n in range(100):
            await store.append_turn(Turn("shared:1", name, f"{name}-{n}", "ok"))

    await asyncio.gather(writer(first, "a"), writer(second, "b"))
    turns = await first.all_turns("shared:1")
    assert sorted(t.user_text for t in turns) == sorted(
        f"{name}-{n}" for n in range(100) for name in "ab"
    )
    assert [t.id for t in turns] == list(range(1, 201))
    for name in "ab":  # each writer's own turns keep their order
        mine = [t.user_text for t in turns if t.user_id == name]
        assert mine == [f"{name}-{n}" for n in range(100)]
    await first.close()
    await second.close()
