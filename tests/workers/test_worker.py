"""The worker in-process on a real Redis, with a channel whose people are a list: leases lost
and taken back mid-run (a late renewal, as on a busy machine), partitions handed over when a
worker joins. Each chat is answered in order and once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid

import pytest

from chatcore import Reply
from chatcore.builtin.conversation.redis_store import RedisSettings, RedisStore
from chatcore.builtin.workers.metrics import Metrics
from chatcore.builtin.workers.queue import RedisQueue
from chatcore.builtin.workers.worker import Worker, WorkerOptions
from chatcore.contracts import Incoming
from chatcore.engine import Engine, Named
from chatcore.types import Message


class ListChannel:
    """Payloads are {"chat", "text", "id"}; what is delivered is appended to ``sent``."""

    name = "list"

    def __init__(self, sent: list[tuple[str, str]] | None = None) -> None:
        self.sent = [] if sent is None else sent  # shared: one record of what people saw

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def read(self, payload: str, engine) -> Incoming:
        data = json.loads(payload)
        return Incoming(Message("list", data["chat"], "u", data["text"], message_id=data["id"]))

    async def deliver(self, payload: str, text: str) -> None:
        await asyncio.sleep(0.002)  # a network call takes a moment
        self.sent.append((json.loads(payload)["chat"], text))


class SlowEcho:
    async def respond(self, message, context):
        await asyncio.sleep(0.005)
        return Reply(f"echo: {message.text}")


@pytest.fixture
async def setup(redis_url):
    import redis.asyncio as aioredis

    prefix = f"w{uuid.uuid4().hex[:8]}:"
    client = aioredis.from_url(redis_url)
    queue = RedisQueue(client, prefix, partitions=4)
    await queue.ensure_groups()
    made: list[tuple[Engine, asyncio.Task]] = []

    async def start_worker(channel: ListChannel, lease_seconds: float = 0.6) -> Worker:
        store = RedisStore(RedisSettings(url=redis_url, key_prefix=prefix))
        engine = Engine(store=store, responders=[Named("echo", SlowEcho())])
        engine.settings.rate_limit.messages = 100_000
        await engine.start()
        # a short drain: a lane still waiting at teardown is cancelled, not waited on 30 s
        options = WorkerOptions(
            lease_seconds=lease_seconds, max_in_flight=8, retry_seconds=0.05, drain_seconds=2
        )
        worker = Worker(
            queue, {"list": channel}, engine, uuid.uuid4().hex[:6], options, Metrics("worker", "t")
        )
        made.append((engine, asyncio.create_task(worker.run())))
        return worker

    yield queue, start_worker
    for engine, task in made:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await _within(task, 15)
        await _within(engine.stop(), 15)
    await client.aclose()


async def _within(awaitable, seconds: float):
    """Await, or fail naming where every task of the loop waits (a stop that hangs)."""
    try:
        return await asyncio.wait_for(asyncio.shield(awaitable), seconds)
    except TimeoutError:
        raise AssertionError(
            "stop hangs:\n" + "\n".join(_awaiting(t) for t in asyncio.all_tasks())
        ) from None


def _awaiting(task: asyncio.Task) -> str:
    chain, coro = [], task.get_coro()
    while coro is not None and hasattr(coro, "cr_frame"):
        frame = coro.cr_frame
        if frame is not None:
            chain.append(f"{frame.f_code.co_name}:{frame.f_lineno}")
        coro = coro.cr_await
    return f"{task.get_name()}: " + " -> ".join(chain)


async def enqueue(queue: RedisQueue, chats: int, per_chat: int) -> None:
    for i in range(per_chat):
        await enqueue_round(queue, chats, i)


async def enqueue_round(queue: RedisQueue, chats: int, i: int) -> None:
    """Message ``i`` of each chat."""
    for chat in range(chats):
        payload = json.dumps({"chat": f"c{chat}", "text": f"m{i}", "id": f"{chat}-{i}"})
        await queue.enqueue("list", f"list:c{chat}", payload, f"list:{chat}-{i}")


def assert_in_order_once(sent, chats: int, per_chat: int) -> None:
    for chat in range(chats):
        got = [text for c, text in sent if c == f"c{chat}"]
        assert got == [f"echo: m{i}" for i in range(per_chat)], f"chat c{chat}: {got}"


async def wait_for(predicate, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_leases_lost_and_taken_back_keep_each_chat_in_order(setup):
    queue, start_worker = setup
    channel = ListChannel()
    worker = await start_worker(channel)
    await enqueue(queue, chats=6, per_chat=25)
    for _ in range(4):  # as if each renewal came late: every lease lapses, is taken back
        await asyncio.sleep(0.3)
        worker.leases.valid_until = 0
    await wait_for(lambda: len(channel.sent) >= 150)
    await asyncio.sleep(0.5)
    assert_in_order_once(channel.sent, 6, 25)


async def test_a_joining_worker_takes_partitions_without_reordering(setup):
    queue, start_worker = setup
    sent: list[tuple[str, str]] = []
    one = await start_worker(ListChannel(sent))
    await enqueue(queue, chats=8, per_chat=60)  # about two seconds of work for one worker
    two = await start_worker(ListChannel(sent))
    await wait_for(lambda: len(sent) >= 480)
    await asyncio.sleep(0.5)
    assert_in_order_once(sent, 8, 60)
    assert one.leases.held and two.leases.held  # shared out
    assert one.leases.held.isdisjoint(two.leases.held)
    assert one.answered and two.answered


async def test_a_renewal_under_way_is_waited_for_not_taken_for_a_loss(setup):
    """The lease's trust runs out while its renewal waits on a slow Redis, then the renewal
    lands and the lease was never lost: jobs in that gap wait for it; none is dropped (a job
    dropped then would stay pending under this worker, answered late or never)."""
    import time

    queue, start_worker = setup
    channel = ListChannel()
    worker = await start_worker(channel)
    tick, gate = worker.leases.tick, asyncio.Event()

    async def renewal_held_back(acquire: bool = True):
        await gate.wait()
        return await tick(acquire)

    await enqueue(queue, chats=6, per_chat=25)
    await wait_for(lambda: len(channel.sent) >= 10)
    worker.leases.tick = renewal_held_back
    worker.leases.valid_until = 0  # trust ran out; the tokens are still this worker's
    await asyncio.sleep(0.3)
    worker.leases.valid_until = time.monotonic() + 10  # the renewal landed
    gate.set()
    await wait_for(lambda: len(channel.sent) >= 150, timeout=15)
    await asyncio.sleep(0.3)
    assert_in_order_once(channel.sent, 6, 25)


async def test_partitions_whose_recovery_redis_cut_short_are_read_later(setup):
    """Redis fails while the worker claims the backlog of partitions it has just leased (a
    restart): those partitions stay leased, so they are never "gained" again; the worker
    still reads them once Redis answers (it used to hold them unread, their chats unanswered)."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    queue, start_worker = setup
    await enqueue(queue, chats=8, per_chat=5)
    claim, calls = queue.claim_pending, []

    async def fails_after_the_first(consumer: str, partition: int):
        calls.append(partition)
        if len(calls) in (2, 3):
            raise RedisConnectionError("Connection closed by server.")
        return await claim(consumer, partition)

    queue.claim_pending = fails_after_the_first
    channel = ListChannel()
    worker = await start_worker(channel)
    await wait_for(lambda: len(channel.sent) >= 40, timeout=15)
    assert worker.state()["readable"] == worker.state()["held"] == [0, 1, 2, 3]
    assert_in_order_once(channel.sent, 8, 5)


async def test_a_worker_recreates_the_groups_redis_lost_before_it_claims_a_backlog(setup):
    """Redis restarted without its data (no groups) while the messages were queued again:
    claiming a newly leased partition's backlog says NOGROUP; the worker makes the groups
    again and reads the queue (it used to retry the same failing claim forever)."""
    queue, start_worker = setup
    await queue.client.delete(*[queue.stream(p) for p in range(queue.partitions)])
    await enqueue(queue, chats=6, per_chat=4)  # the streams again, without their groups
    channel = ListChannel()
    worker = await start_worker(channel)
    await wait_for(lambda: len(channel.sent) >= 24, timeout=15)
    assert worker.redis_ok
    assert_in_order_once(channel.sent, 6, 4)


async def test_a_read_that_lands_after_its_lease_moved_is_answered_in_order(setup):
    """Another worker's read, sent before a Redis outage and run after it, reaches Redis once
    this worker holds the partition and has claimed its backlog: the first entries go to that
    worker, the next to this one. This worker answers them first, in queue order (it used to
    adopt them at its next renewal, after the later messages of their chats)."""
    queue, start_worker = setup
    await enqueue(queue, chats=8, per_chat=6)
    read, stale = queue.read, []

    async def a_stale_read_lands_first(consumer, partitions, count, block_ms):
        if not stale:  # every partition's, whichever this first read asks for
            streams = {queue.stream(p): ">" for p in range(queue.partitions)}
            stale.append(await queue.client.xreadgroup("workers", "gone", streams, count=2))
        return await read(consumer, partitions, count, block_ms)

    queue.read = a_stale_read_lands_first
    channel = ListChannel()
    await start_worker(channel, lease_seconds=30)  # no renewal adopts them meanwhile
    await wait_for(lambda: len(channel.sent) >= 48, timeout=15)
    assert sum(len(entries) for _, entries in stale[0]) == 8  # two of each partition
    assert_in_order_once(channel.sent, 8, 6)


async def test_orphans_no_later_read_brings_are_adopted_after_a_renewal(setup):
    """The stale read took the newest entries, so no read of this worker meets them: the next
    renewal has the read loop adopt them."""
    queue, start_worker = setup
    await enqueue(queue, chats=4, per_chat=2)
    read, stale = queue.read, []

    async def a_stale_read_takes_the_rest(consumer, partitions, count, block_ms):
        if len(channel.sent) >= 8 and not stale:
            await enqueue_round(queue, chats=4, i=2)
            streams = {queue.stream(p): ">" for p in range(queue.partitions)}
            stale.append(await queue.client.xreadgroup("workers", "gone", streams))
        return await read(consumer, partitions, count, block_ms)

    queue.read = a_stale_read_takes_the_rest
    channel = ListChannel()
    await start_worker(channel, lease_seconds=0.6)
    await wait_for(lambda: len(channel.sent) >= 12, timeout=15)
    assert sum(len(entries) for _, entries in stale[0]) == 4
    assert_in_order_once(channel.sent, 4, 3)
