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
        states = [
            line.split("worker state: ", 1)[1]
            for name in deployment.procs
            for line in deployment.log(name).splitlines()
            if "worker state: " in line
        ]
        raise AssertionError(
            f"{len(missing)} never answered: {missing[:20]}; queue: {queue_state(redis.url)}; "
            f"workers: {states}"
        ) from None


async def wait_pending(redis_url: str, consumer: str, timeout: float = 10) -> None:
    """Until ``consumer`` has read entries it has not acknowledged, in any partition."""
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    deadline = asyncio.get_running_loop().time() + timeout
    try:
        while asyncio.get_running_loop().time() < deadline:
            for p in range(16):
                pending = await client.xpending_range(
                    f"t:q:{p}", "workers", "-", "+", 1, consumername=consumer
                )
                if pending:
                    return
            await asyncio.sleep(0.01)
    finally:
        await client.aclose()
    raise AssertionError(f"{consumer} read nothing in {timeout} s: {queue_state(redis_url)}")


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
    chats, rounds, kill_round = range(1, 51), 20, 6
    await deployment.gateway()
    for name in ("w1", "w2", "w3"):
        await deployment.worker(name)
    _, health = await deployment.get("w2", "/healthz")
    killed_at: list[float] = []

    async def kill_in_the_middle(i: int) -> None:
        if i == kill_round:  # killed while it holds replies of this round, read, not acked
            await wait_pending(redis.url, health["id"])
            deployment.kill("w2")
            killed_at.append(asyncio.get_running_loop().time())
            await deployment.worker("w2", ready=False)

    def text(c: int, i: int) -> str:
        return f"slow {0.5 if i == kill_round else 0.02} c{c} m{i}"

    await deliver_rounds(server, chats, rounds, text, kill_in_the_middle)
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


def check_each_answered_in_order(server, chats, rounds: int, reply) -> int:
    """Every message of every chat answered, in order; returns how many were sent twice."""
    by_chat = replies_by_chat(server)
    twice = 0
    for chat in chats:
        texts = [text for _, text in by_chat.get(chat, [])]
        expected = [reply(chat, i) for i in range(rounds)]
        assert list(dict.fromkeys(texts)) == expected, f"chat {chat}: {texts}"
        twice += len(texts) - len(set(texts))
    return twice


async def test_redis_restarted_mid_run_loses_nothing(server, deployment: Deployment, redis):
    """redis-server SIGKILLed and started again on its append-only file (fsync always):
    the gateway refuses webhooks while it is down (Telegram redelivers), every process
    reconnects, every message the gateway confirmed is answered, in order, stored once."""
    chats, rounds = range(1, 21), 10
    await deployment.gateway()
    for name in ("w1", "w2"):
        await deployment.worker(name)
    refused = []

    async def restart_redis(i: int) -> None:
        if i == 3:
            redis.kill()
            status = await server.deliver(update(server, 99, "while redis is down"))
            refused.append(status)
            await asyncio.to_thread(redis.start)

    await deliver_rounds(server, chats, rounds, lambda c, i: f"c{c} m{i}", restart_redis)
    assert refused and refused[0] != 200  # not confirmed, so Telegram would send it again
    await wait_all_answered(server, chats, rounds, deployment, redis)
    twice = check_each_answered_in_order(server, chats, rounds, lambda c, i: f"echo: c{c} m{i}")
    assert server.texts(99) == []  # refused while down, never redelivered here: not queued
    turns = await stored_turns(redis.url, chats)
    assert all(len({t.message_id for t in turns[c]}) == len(turns[c]) == rounds for c in chats)
    for name in ("gateway", "w1", "w2"):
        await deployment.wait_ready(name, timeout=20)
    print(f"sent twice after the Redis restart: {twice}")


def partitions_held(redis_url: str, partitions: int = 16) -> dict[int, str]:
    import redis as sync_redis

    client = sync_redis.Redis.from_url(redis_url, decode_responses=True)
    holders = client.mget([f"t:q:lease:{p}" for p in range(partitions)])
    return {p: h.split("#", 1)[0] for p, h in enumerate(holders) if h}


async def balanced(redis_url: str, workers: int, timeout: float = 20) -> dict[int, str]:
    """Wait until every partition is held and each of ``workers`` holds some."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        held = partitions_held(redis_url)
        if len(held) == 16 and len(set(held.values())) == workers:
            return held
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"partitions not balanced: {held}")
        await asyncio.sleep(0.2)


def group_chats_on_two_workers(held: dict[int, str]) -> tuple[int, int]:
    """Two group chat ids whose partitions are held by different workers."""
    from chatcore.builtin.workers.queue import partition_of

    first = -1001
    owner = held[partition_of(f"telegram:{first}", 16)]
    for chat in range(-1002, -1200, -1):
        if held[partition_of(f"telegram:{chat}", 16)] != owner:
            return first, chat
    raise AssertionError("no chat on another worker")


async def test_rate_limit_and_mute_hold_across_two_workers(tmp_path, server, redis):
    """One user in two chats answered by two different workers: five messages a minute in
    all, not five per worker. A user muted in a chat stays muted after the chat moves to
    the other worker."""
    from tests.workers.deployment import deployment_config

    config = deployment_config(server, redis, tmp_path / "home")
    config["engine"] = {
        "rate_limit": {"messages": 5, "per_seconds": 60},
        "strikes": {"max_strikes": 2, "window_seconds": 60, "mute_seconds": 600},
    }
    config["filters"] = {"input": ["forbid"]}
    deployment = Deployment(tmp_path, config)
    try:
        await deployment.gateway()
        for name in ("w1", "w2"):
            await deployment.worker(name)
        chat_a, chat_b = group_chats_on_two_workers(await balanced(redis.url, 2))
        user = 7
        for i in range(4):
            for chat in (chat_a, chat_b):
                sent = len(server.sent)
                text = f"@chatcore_test_bot hi {i} {chat}"
                msg = server.message(text, user_id=user, chat_id=chat)
                await deliver_until_accepted(
                    server, {"update_id": next(UPDATE_IDS), "message": msg}
                )
                await server.wait_for(lambda s=sent: len(server.sent) > s, timeout=20)
        replies = [m["text"] for m in server.sent]
        assert sum(r.startswith("echo:") for r in replies) == 5, replies
        assert sum("too fast" in r for r in replies) == 3, replies

        mute_chat = 42  # a private chat: user 42
        for i in range(2):
            sent = len(server.sent)
            await deliver_until_accepted(server, update(server, mute_chat, f"forbidden {i}"))
            await server.wait_for(lambda s=sent: len(server.sent) > s, timeout=20)
        owner = partitions_held(redis.url)[_partition(f"telegram:{mute_chat}")]
        ids = {(await deployment.get(n, "/healthz"))[1]["id"]: n for n in ("w1", "w2")}
        mover = ids[owner]
        assert await deployment.terminate(mover) == 0  # its partitions move to the other
        await deliver_until_accepted(server, update(server, mute_chat, "hello again"))
        await asyncio.sleep(3)  # the other worker takes the partition and answers (nothing)
        new_owner = partitions_held(redis.url)[_partition(f"telegram:{mute_chat}")]
        assert new_owner != owner
        texts = server.texts(mute_chat)
        assert len(texts) == 2 and "hello again" not in " ".join(texts)  # muted: silence
    finally:
        await deployment.close()


def _partition(chat_key: str) -> int:
    from chatcore.builtin.workers.queue import partition_of

    return partition_of(chat_key, 16)


async def test_sigterm_drains_claimed_messages_then_exits_0(server, deployment: Deployment):
    await deployment.gateway()
    await deployment.worker("w1")
    for chat in range(1, 11):
        await deliver_until_accepted(server, update(server, chat, f"slow 1.5 drained {chat}"))
    await asyncio.sleep(0.5)  # claimed and in the engine
    assert await deployment.terminate("w1") == 0
    assert sorted(m["text"] for m in server.sent) == sorted(
        f"echo: drained {c}" for c in range(1, 11)
    )
    assert "draining" in deployment.log("w1")
    await deliver_until_accepted(server, update(server, 11, "after the drain"))
    await deployment.worker("w2")
    assert await server.wait_for_texts(1, chat_id=11) == ["echo: after the drain"]


async def metrics_once_acknowledged(deployment: Deployment, name: str, replies: int):
    """The worker's /metrics once it counts ``replies`` done: a reply reaches the Bot API
    before the worker acknowledges it and records its time, so the count may lag a moment."""
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        status, text = await deployment.get(name, "/metrics")
        counted = status == 200 and metric(text, "chatcore_queue_to_reply_seconds_count")
        if counted >= replies or asyncio.get_running_loop().time() > deadline:
            return status, text
        await asyncio.sleep(0.05)


async def test_health_readiness_and_metrics(tmp_path, server, redis):
    from tests.workers.deployment import deployment_config

    config = deployment_config(server, redis, tmp_path / "home")
    config["workers"]["ops"] = {"metrics": True}
    deployment = Deployment(tmp_path, config)
    try:
        await deployment.gateway()
        await deployment.worker("w1")
        for i in range(5):
            await deliver_until_accepted(server, update(server, 1, f"m{i}"))
        await deliver_until_accepted(server, update(server, 2, "/nosuchcommand"))
        await server.wait_for(lambda: len(server.sent) == 6, timeout=20)
        status, health = await deployment.get("w1", "/healthz")
        assert status == 200 and health["status"] == "alive" and health["role"] == "worker"
        status, ready = await deployment.get("w1", "/readyz")
        assert status == 200 and ready["redis"] and ready["model"]
        status, text = await metrics_once_acknowledged(deployment, "w1", 6)
        assert status == 200
        assert metric(text, "chatcore_messages_total") == 6
        assert metric(text, 'chatcore_replies_total{source="answer"}') == 5
        assert metric(text, 'chatcore_replies_total{source="command"}') == 1
        assert metric(text, "chatcore_queue_to_reply_seconds_count") == 6
        assert "chatcore_queue_depth" in text and "chatcore_reclaimed_messages_total" in text
        status, text = await deployment.get("gateway", "/metrics")
        assert metric(text, "chatcore_messages_total") == 6  # queued by the gateway

        redis.kill()  # not ready without Redis, alive all the same
        await asyncio.sleep(2.5)
        assert (await deployment.get("w1", "/readyz"))[0] == 503
        assert (await deployment.get("gateway", "/readyz"))[0] == 503
        assert (await deployment.get("w1", "/healthz"))[0] == 200
        await asyncio.to_thread(redis.start)
        await deployment.wait_ready("w1", timeout=20)
        await deployment.wait_ready("gateway", timeout=20)
    finally:
        await deployment.close()


async def test_metrics_are_off_by_default(server, deployment: Deployment):
    await deployment.worker("w1")
    assert (await deployment.get("w1", "/metrics"))[0] == 404


def metric(exposition: str, name: str) -> float:
    """The value of one sample (``name`` with its labels, as the exposition writes it)."""
    for line in exposition.splitlines():
        sample, _, value = line.rpartition(" ")
        if sample == name:
            return float(value)
    raise AssertionError(f"no {name} in:\n{exposition}")


async def test_serve_with_workers_runs_restarts_and_stops_its_processes(server, deployment):
    """``chatcore serve telegram --workers 2``: a gateway and two workers as children (ops
    ports P, P+1, P+2); a worker SIGKILLed is started again; SIGTERM stops all, exit 0."""
    import os

    from chatcore.testing.ports import free_port_run

    port = free_port_run(3)  # P for the gateway, P+1 and P+2 for the workers: all free
    deployment.ports.update({"all": port, "gateway": port, "w1": port + 1, "w2": port + 2})
    supervisor = await deployment.start("all", "serve", "telegram", "--workers", "2", ready=False)
    for name in ("gateway", "w1", "w2"):
        await deployment.wait_ready(name)
    for chat in (1, 2, 3):
        await deliver_until_accepted(server, update(server, chat, f"before {chat}"))
    await server.wait_for(lambda: len(server.sent) == 3, timeout=20)
    pids = {n: (await deployment.get(n, "/healthz"))[1]["pid"] for n in ("gateway", "w1", "w2")}
    os.kill(pids["w1"], signal.SIGKILL)
    deadline = asyncio.get_running_loop().time() + 30
    while True:  # the supervisor starts it again on the same ops port
        try:
            status, health = await deployment.get("w1", "/healthz")
            if status == 200 and health["pid"] != pids["w1"]:
                break
        except OSError:
            pass
        assert asyncio.get_running_loop().time() < deadline, deployment.log("all")
        await asyncio.sleep(0.2)
    await deployment.wait_ready("w1")
    for chat in (1, 2, 3):
        await deliver_until_accepted(server, update(server, chat, f"after {chat}"))
    await server.wait_for(lambda: len(server.sent) == 6, timeout=20)
    for chat in (1, 2, 3):
        assert server.texts(chat) == [f"echo: before {chat}", f"echo: after {chat}"]
    assert await deployment.terminate("all") == 0
    assert supervisor.returncode == 0
    for pid in (pids["gateway"], pids["w2"]):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        raise AssertionError(f"child {pid} still running after the supervisor stopped")


async def test_a_polling_gateway_and_the_queue_status(tmp_path, server, redis):
    """The gateway may poll instead (one poller, any number of workers); `chatcore queue
    status` shows what is queued, the live workers and who holds each partition."""
    import json
    import subprocess
    import sys

    from tests.workers.deployment import deployment_config

    config = deployment_config(server, redis, tmp_path / "home")
    config["telegram"]["mode"] = "polling"
    config["telegram"]["poll_timeout"] = 1
    deployment = Deployment(tmp_path, config)
    try:
        await deployment.gateway()
        for i in range(3):
            server.text(f"queued {i}", user_id=5)
        await server.wait_for(lambda: server.confirmed_offset >= 3, timeout=20)

        def status() -> dict:
            cli = [sys.executable, "-m", "chatcore", "queue", "status", "--json"]
            cli += ["-c", str(deployment.config_path)]
            done = subprocess.run(cli, env=deployment.env, capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
            return json.loads(done.stdout)

        before = await asyncio.to_thread(status)
        assert before["queued"] == 3 and before["workers"] == []
        await deployment.worker("w1")
        assert await server.wait_for_texts(3, chat_id=5) == [f"echo: queued {i}" for i in range(3)]
        after = await asyncio.to_thread(status)
        assert after["queued"] == 0 and len(after["workers"]) == 1
        assert set(after["partitions"].values()) == set(after["workers"])
    finally:
        await deployment.close()


async def test_workers_need_the_redis_store(tmp_path, server, redis):
    import subprocess
    import sys

    from tests.workers.deployment import deployment_config

    config = deployment_config(server, redis, tmp_path / "home")
    config["store"] = "sqlite"
    deployment = Deployment(tmp_path, config)
    cli = [sys.executable, "-m", "chatcore", "serve", "telegram", "--workers", "2"]
    cli += ["-c", str(deployment.config_path)]
    done = subprocess.run(cli, env=deployment.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"{deployment.config_path}:" in done.stderr and "store: redis" in done.stderr
