"""Several workers on one Redis, as real processes: nothing lost, nothing repeated, each
chat in order, through worker kills, Redis restarts and drains."""

from __future__ import annotations

import asyncio
import itertools
import signal

from tests.workers.deployment import Deployment, deliver_until_accepted

UPDATE_IDS = itertools.count(1000)


def update(server, chat: int, text: str) -> dict:
    return {"update_id": next(UPDATE_IDS), "message": server.message(text, user_id=chat)}


async def test_a_gateway_and_a_worker_answer(server, deployment: Deployment):
    await deployment.gateway()
    await deployment.worker("w1")
    for chat in (1, 2, 3):
        for i in range(3):
            await deliver_until_accepted(server, update(server, chat, f"c{chat} m{i}"))
    await server.wait_for(lambda: len(server.sent) == 9, timeout=20)
    for chat in (1, 2, 3):
        assert server.texts(chat) == [f"echo: c{chat} m{i}" for i in range(3)]
    assert await deployment.terminate("w1") == 0
    assert await deployment.terminate("gateway") == 0


def replies_by_chat(server) -> dict[int, list[tuple[float, str]]]:
    """Each chat's replies as the Bot API received them: (arrival time, text)."""
    found: dict[int, list[tuple[float, str]]] = {}
    for call in server.calls_of("sendMessage"):
        found.setdefault(int(call.params["chat_id"]), []).append((call.at, call.params["text"]))
    return found


async def deliver_rounds(server, chats, rounds: int, text, on_round=None) -> None:
    """Each round, every chat writes once (concurrently); a chat's next message waits for
    its previous one to be accepted, as a person waits for the app to send it."""
    for i in range(rounds):
        await asyncio.gather(
            *(deliver_until_accepted(server, update(server, c, text(c, i))) for c in chats)
        )
        if on_round is not None:
            await on_round(i)


def queue_state(redis_url: str) -> dict:
    """What Redis holds of the queue, for a failure message."""
    import redis as sync_redis

    client = sync_redis.Redis.from_url(redis_url, decode_responses=True)
    state = {}
    for p in range(16):
        state[p] = (
            client.xlen(f"t:q:{p}"),
            client.xpending(f"t:q:{p}", "workers")["consumers"],
            [e["message_id"] for e in client.xpending_range(f"t:q:{p}", "workers", "-", "+", 3)],
            client.get(f"t:q:lease:{p}"),
        )
    return state


async def wait_all_answered(
    server, chats, rounds: int, deployment: Deployment, redis, timeout: float = 60
) -> None:
    """Wait until each chat got each reply; on a timeout, fail with what is missing, the
    queue's state in Redis and each worker's own account (SIGUSR1 logs it)."""
    total = len(chats) * rounds
    try:
        await server.wait_for(
            lambda: len({(c["chat"]["id"], c["text"]) for c in server.sent}) >= total, timeout
        )
    except TimeoutError:
        got = {(c["chat"]["id"], c["text"]) for c in server.sent}
        missing = [
            (c, i) for c in chats for i in range(rounds) if (c, f"echo: c{c} m{i}") not in got
        ]
        deployment.signal_all(signal.SIGUSR1)
        await asyncio.sleep(1)
        raise AssertionError(
            f"{len(missing)} never answered: {missing[:20]}; queue: {queue_state(redis.url)}"
        ) from None


async def stored_turns(redis_url: str, chats) -> dict[int, list]:
    from chatcore.builtin.conversation.redis_store import RedisSettings, RedisStore

    store = RedisStore(RedisSettings(url=redis_url, key_prefix="t:"))
    await store.open()
    try:
        return {c: await store.all_turns(f"telegram:{c}") for c in chats}
    finally:
        await store.close()


async def test_three_workers_fifty_chats_one_killed(server, deployment: Deployment, redis):
    """1,000 messages; a worker is SIGKILLed mid-run and started again. Every message is
    answered, each chat's replies come in order, no turn is stored twice. A reply is sent
    twice only if the killed worker's send to the Bot API was under way at the instant of
    the kill (at-least-once delivery, see chatcore.builtin.workers.worker)."""
    chats, rounds = range(1, 51), 20
    await deployment.gateway()
    for name in ("w1", "w2", "w3"):
        await deployment.worker(name)
    killed_at: list[float] = []

    async def kill_in_the_middle(i: int) -> None:
        if i == 6:
            await asyncio.sleep(0.05)  # replies of this round in flight
            deployment.kill("w2")
            killed_at.append(asyncio.get_running_loop().time())
            await deployment.worker("w2", ready=False)

    await deliver_rounds(
        server, chats, rounds, lambda c, i: f"slow 0.02 c{c} m{i}", kill_in_the_middle
    )
    await wait_all_answered(server, chats, rounds, deployment, redis)
    await asyncio.sleep(1)  # anything sent twice would show by now
    by_chat = replies_by_chat(server)
    duplicates = []
    for chat in chats:
        texts = [text for _, text in by_chat[chat]]
        expected = [f"echo: c{chat} m{i}" for i in range(rounds)]
        assert list(dict.fromkeys(texts)) == expected, f"chat {chat} out of order: {texts}"
        seen: set[str] = set()
        for _, text in by_chat[chat]:
            if text in seen:
                duplicates.append((chat, text))
            seen.add(text)
    kill = killed_at[0]
    for chat, text in duplicates:  # the first copy went out just before the kill
        first = next(at for at, t in by_chat[chat] if t == text)
        assert kill - 1.0 <= first <= kill + 0.05, (chat, text, first - kill)
    assert len(duplicates) <= 32  # at most what one worker had in flight
    turns = await stored_turns(redis.url, chats)
    for chat in chats:
        ids = [turn.message_id for turn in turns[chat]]
        assert len(ids) == rounds and len(set(ids)) == rounds, f"chat {chat}: {ids}"
    assert "reclaimed" in deployment.log("w1") + deployment.log("w3") + deployment.log("w2")
    print(f"duplicates after SIGKILL: {len(duplicates)}")
