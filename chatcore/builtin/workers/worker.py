"""A worker: holds partition leases, claims queued messages, answers and acknowledges them.

For each job: a saved reply (a checkpoint left by a worker that died before acknowledging)
is sent as it is; otherwise the channel reads the payload, the engine answers, the reply is
checkpointed, delivered, and the job acknowledged. Jobs of one chat run one after another
(a lane per chat); different chats run concurrently up to ``max_in_flight``.

Delivery is at least once: a worker killed after the channel's send went out but before the
acknowledgement reached Redis (the span of one Bot API call) has that reply sent again by the
next owner. Every other crash point repeats nothing: the checkpoint stops a second engine run
and the store keeps one turn per message id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chatcore.builtin.workers.leases import Leases
from chatcore.builtin.workers.metrics import Metrics
from chatcore.builtin.workers.queue import Job, LeaseLost, RedisQueue, entry_order

log = logging.getLogger(__name__)
SILENT = "\x00silent"  # the checkpoint of a reply that shows nothing (a muted user)


@dataclass
class WorkerOptions:
    lease_seconds: float = 3.0
    max_in_flight: int = 32
    drain_seconds: float = 30.0
    read_block_ms: int = 500
    max_attempts: int = 5
    retry_seconds: float = 1.0


@dataclass
class _Lanes:
    """Per-chat queues of claimed jobs and the count of jobs in flight per partition."""

    queued: dict[str, deque[Job]] = field(default_factory=dict)
    running: dict[str, asyncio.Task] = field(default_factory=dict)
    per_partition: dict[int, int] = field(default_factory=dict)
    tokens: dict[tuple[int, str], str] = field(default_factory=dict)  # Job.key -> lease token
    total: int = 0


class Worker:
    def __init__(
        self,
        queue: RedisQueue,
        channels: dict[str, Any],
        engine: Any,
        worker_id: str,
        options: WorkerOptions,
        metrics: Metrics,
    ) -> None:
        self.queue = queue
        self.channels = channels
        self.engine = engine
        self.worker_id = worker_id
        self.options = options
        self.metrics = metrics
        self.leases = Leases(queue, worker_id, options.lease_seconds)
        self._readable: set[int] = set()  # held partitions whose pending entries are claimed
        self._giving_up: set[int] = set()
        self._background: set[asyncio.Task] = set()
        self._lanes = _Lanes()
        self._slot_free = asyncio.Event()
        self._stopping = False  # no more claiming (a drain)
        self._keeper_done = asyncio.Event()
        self._reads_issued = self._reads_done = 0  # a partition is released between reads
        self._orphans_due = False  # a renewal asks the read loop to adopt orphans
        self.redis_ok = False
        self.claimed = 0
        self.answered = 0

    def state(self) -> dict[str, Any]:
        """What the worker holds and does, for operators (SIGUSR1) and tests."""
        return {
            "held": sorted(self.leases.held),
            "readable": sorted(self._readable),
            "trusted_for": round(self.leases.valid_until - time.monotonic(), 3),
            "in_flight": self._lanes.total,
            "lanes": len(self._lanes.running),
            "claimed": self.claimed,
            "answered": self.answered,
        }

    # --- the loops ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Claim and answer until cancelled; then drain (``_drain``), still renewing the
        leases of what is being finished, and release them all."""
        keeper = asyncio.create_task(self._keep_leases(), name="chatcore-leases")
        reader = asyncio.create_task(self._read_loop(), name="chatcore-reader")
        try:
            await asyncio.shield(reader)
        finally:
            # stopped by flag, not by cancelling a Redis command mid-flight (redis-py may
            # swallow that cancellation, or leave the connection with an unread reply)
            self._stopping = True
            await _stopped(reader, self.leases.longest_wait + 5)
            await self._drain()
            self._keeper_done.set()
            await _stopped(keeper, 10)
            with contextlib.suppress(Exception):
                await self.leases.release_all()

    async def _keep_leases(self) -> None:
        period = self.options.lease_seconds / 3
        outage: float | None = None
        while not self._keeper_done.is_set():
            try:
                lost, gained = await self.leases.tick(acquire=not self._stopping)
                if outage is not None:
                    log.info("worker %s: Redis reachable again", self.worker_id)
                self.redis_ok, outage = True, None
                await self._on_leases(lost, gained)
                if not self._stopping:  # a draining worker finishes what it has, no more
                    self._orphans_due = True  # the read loop looks, even if nothing new comes
                    await self._rebalance()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _raise_if_cancelled(exc)
                self.redis_ok = False
                if outage is None:
                    outage = time.monotonic()
                    log.warning("worker %s: Redis unavailable (%s); retrying", self.worker_id, exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._keeper_done.wait(), period)

    async def _rebalance(self) -> None:
        """Give up partitions beyond the fair share (a worker joined), each once done."""
        for partition in await self.leases.surplus():
            if partition not in self._giving_up:
                self._giving_up.add(partition)
                task = asyncio.create_task(self._give_up(partition))
                self._background.add(task)
                task.add_done_callback(self._background.discard)

    async def _on_leases(self, lost: set[int], gained: set[int]) -> None:
        for partition in lost:
            log.warning("worker %s: lost partition %d", self.worker_id, partition)
            self._readable.discard(partition)
        if lost:
            self._forget_queued(lost)
        if self._stopping:
            return  # a draining worker reads nothing more
        # every held partition not read yet: those gained now, and those whose backlog a Redis
        # error kept from being claimed on an earlier tick (still held, never "gained" again)
        for partition in sorted(gained | self._unread()):
            jobs = await self._claim_backlog(partition)
            if jobs:
                log.info(
                    "worker %s: reclaimed %d messages of partition %d",
                    self.worker_id,
                    len(jobs),
                    partition,
                )
                self.metrics.reclaimed(len(jobs))
            token = self.leases.tokens.get(partition)
            if token is None:
                continue
            for job in jobs:
                self._dispatch(job, token)
            self._readable.add(partition)

    async def _claim_backlog(self, partition: int) -> list[Job]:
        """The partition's pending entries, claimed; when Redis lost the groups (restarted
        without its data) they are made again first, as a read that meets NOGROUP does."""
        try:
            return await self.queue.claim_pending(self.worker_id, partition)
        except Exception as exc:
            if "NOGROUP" not in str(exc):
                raise
            await self.queue.ensure_groups()
            return await self.queue.claim_pending(self.worker_id, partition)

    def _unread(self) -> set[int]:
        """Held partitions neither read nor being given up."""
        return self.leases.held - self._readable - self._giving_up

    async def _give_up(self, partition: int) -> None:
        """Stop reading a partition, finish its claimed jobs, then release it at once."""
        self._readable.discard(partition)
        try:
            # a read issued before the discard may still bring entries of the partition;
            # releasing first would let them arrive after the next owner claimed its backlog
            issued = self._reads_issued
            while self._reads_done < issued or self._lanes.per_partition.get(partition, 0) > 0:
                await asyncio.sleep(0.05)
            await self.leases.release(partition)
        except Exception:
            log.warning("worker %s: could not release partition %d", self.worker_id, partition)
        finally:
            self._giving_up.discard(partition)

    async def _read_loop(self) -> None:
        while not self._stopping:
            capacity = self.options.max_in_flight - self._lanes.total
            tokens, wait = self.leases.tokens, self.leases.longest_wait
            readable = sorted(
                p for p in self._readable if self.leases.trusted(p, tokens.get(p), wait)
            )
            if capacity <= 0 or not readable:
                self._slot_free.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._slot_free.wait(), 0.1)
                continue
            self._reads_issued += 1
            try:
                await self._read_once(readable, capacity, wait)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _raise_if_cancelled(exc)
                await self._on_read_error(exc)
            finally:
                self._reads_done += 1  # after the read's jobs are in their lanes (_give_up)

    async def _read_once(self, readable: list[int], capacity: int, wait: float) -> None:
        """Read new entries, adopt the orphans of their partitions, dispatch all in queue
        order. Only this loop adopts orphans, so no two claims of one entry race."""
        block_ms = min(self.options.read_block_ms, int(wait * 1000))
        per_partition = max(1, capacity // len(readable))  # COUNT is per stream
        jobs = await self.queue.read(self.worker_id, readable, per_partition, block_ms)
        due, self._orphans_due = self._orphans_due, False
        for job in await self._with_orphans(jobs, readable if due else []):
            token = self.leases.tokens.get(job.partition)
            if token is not None:  # else lost meanwhile: its next owner claims it
                self._dispatch(job, token)

    async def _with_orphans(self, jobs: list[Job], also: list[int]) -> list[Job]:
        """``jobs`` just read, with the entries of their partitions (and of ``also``) left
        pending under another worker, all in queue order. Such an entry is a read of that
        worker's that reached Redis after its lease had moved here (held back by a Redis
        outage or a pause); it may be older than ``jobs``. Only partitions still trusted are
        looked at. If Redis fails here, ``jobs`` go on alone; the next renewal asks again."""
        tokens = self.leases.tokens
        partitions = sorted(
            p
            for p in {job.partition for job in jobs} | set(also)
            if self.leases.trusted(p, tokens.get(p))
        )
        if not partitions:
            return jobs
        try:
            orphans = await self.queue.claim_orphans(self.worker_id, partitions)
        except Exception as exc:
            _raise_if_cancelled(exc)
            log.warning("worker %s: could not adopt orphans: %s", self.worker_id, exc)
            self._orphans_due = True
            return jobs
        if not orphans:
            return jobs
        log.info("worker %s: reclaimed %d orphaned messages", self.worker_id, len(orphans))
        self.metrics.reclaimed(len(orphans))
        return sorted(orphans + jobs, key=lambda job: (job.partition, entry_order(job.id)))

    async def _on_read_error(self, exc: Exception) -> None:
        if "NOGROUP" in str(exc):  # Redis lost the groups (restarted without its data)
            with contextlib.suppress(Exception):
                await self.queue.ensure_groups()
        log.warning("worker %s: read failed: %s: %s", self.worker_id, type(exc).__name__, exc)
        await asyncio.sleep(0.2)

    # --- lanes -------------------------------------------------------------------------------

    def _dispatch(self, job: Job, token: str) -> None:
        lanes = self._lanes
        if job.key in lanes.tokens:  # claimed again (its partition lost and taken back)
            lanes.tokens[job.key] = token  # answered under the newer lease
            return
        lanes.tokens[job.key] = token
        lanes.queued.setdefault(job.chat_key, deque()).append(job)
        lanes.per_partition[job.partition] = lanes.per_partition.get(job.partition, 0) + 1
        lanes.total += 1
        self.claimed += 1
        if job.chat_key not in lanes.running:
            task = asyncio.create_task(self._run_lane(job.chat_key))
            lanes.running[job.chat_key] = task

    def _forget_queued(self, partitions: set[int]) -> None:
        """Drop the waiting jobs of lost partitions: whoever claims the partition next gets
        them back in order (this worker too), behind nothing newer of their chat."""
        lanes = self._lanes
        for queued in lanes.queued.values():
            dropped = [job for job in queued if job.partition in partitions]
            for job in dropped:
                queued.remove(job)
                del lanes.tokens[job.key]
                lanes.per_partition[job.partition] -= 1
                lanes.total -= 1
        self._slot_free.set()

    async def _run_lane(self, chat_key: str) -> None:
        lanes = self._lanes
        queued = lanes.queued[chat_key]
        try:
            while queued:
                job = queued.popleft()
                try:
                    await self._process(job)
                finally:
                    del lanes.tokens[job.key]
                    lanes.per_partition[job.partition] -= 1
                    lanes.total -= 1
                    self._slot_free.set()
        finally:
            del lanes.running[chat_key]
            if not queued:
                lanes.queued.pop(chat_key, None)

    async def _drain(self) -> None:
        """Stop claiming; let claimed jobs finish (up to ``drain_seconds``); what is left
        stays pending in Redis for the next owner of its partition."""
        running = list(self._lanes.running.values())
        if not running:
            return
        log.info("worker %s: draining %d chats", self.worker_id, len(running))
        _, late = await asyncio.wait(running, timeout=self.options.drain_seconds)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)
            log.warning(
                "worker %s: %d chats unfinished at stop; left queued", self.worker_id, len(late)
            )

    # --- one job -----------------------------------------------------------------------------

    async def _process(self, job: Job) -> None:
        attempt = 1
        while attempt <= self.options.max_attempts:
            token = await self._lease_for(job)
            if token is None:
                return  # the partition moved: its next owner claims the job
            try:
                await self._answer(job, token, last=attempt == self.options.max_attempts)
                return
            except LeaseLost:
                if self._lanes.tokens[job.key] == token:
                    return  # another worker owns it now
                continue  # lost and taken back meanwhile: go on under the new lease
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "worker %s: job %s of %s failed (attempt %d): %s",
                    self.worker_id,
                    job.id,
                    job.chat_key,
                    attempt,
                    exc,
                )
                await asyncio.sleep(self.options.retry_seconds * attempt)
                attempt += 1
        log.error(
            "worker %s: job %s given up after %d attempts",
            self.worker_id,
            job.id,
            self.options.max_attempts,
        )
        with contextlib.suppress(Exception):
            await self.queue.ack(job, token)

    async def _lease_for(self, job: Job) -> str | None:
        """The lease token to work on ``job`` under, once trusted; None when the partition
        was lost. A renewal under way (the lease's trust ran out while the renewal waits on
        Redis) is waited for, not taken for a loss: dropping the job then would leave it
        pending under this worker, answered only after later messages of its chat."""
        while True:
            token = self._lanes.tokens[job.key]  # renewed when the job is claimed again
            if self.leases.trusted(job.partition, token):
                return token
            if self.leases.tokens.get(job.partition) != token:
                return None
            await asyncio.sleep(0.02)

    async def _answer(self, job: Job, token: str, last: bool = False) -> None:
        channel = self.channels.get(job.channel)
        if channel is None:
            raise RuntimeError(f"no channel {job.channel!r} on this worker")
        text = await self.queue.saved_reply(job)
        if text is None:
            text = await self._compute(job, channel, last)
            await self.queue.checkpoint(job, token, text)
        if text != SILENT and text:
            if await self._lease_for(job) != token:
                raise LeaseLost(f"partition {job.partition}")
            await channel.deliver(job.payload, text)
        await self._acknowledge(job, token)
        self.answered += 1
        self.metrics.queue_to_reply(time.time() - job.enqueued_at)

    async def _acknowledge(self, job: Job, token: str) -> None:
        """Acknowledge, retrying through a short Redis outage: once a reply went out, a late
        acknowledgement is better than the next owner sending it again. The script still
        refuses (LeaseLost) if the partition moved meanwhile."""
        deadline = time.monotonic() + self.options.lease_seconds * 3
        while True:
            try:
                await self.queue.ack(job, token)
                return
            except LeaseLost:
                raise
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)

    async def _compute(self, job: Job, channel: Any, last: bool) -> str:
        """The reply's text. The engine's apology for its own failure (Redis away, a plugin
        raising) is retried first: only the last attempt sends it."""
        incoming = await channel.read(job.payload, self.engine)
        if incoming.message is None:
            return incoming.note or SILENT
        reply = await self.engine.handle(incoming.message)
        if reply.kind == "error" and not last:
            raise RuntimeError("the engine failed to answer; retrying")
        self.metrics.message()
        self.metrics.reply(reply)
        return SILENT if reply.silent else reply.text


def ready_check(worker: Worker, model_ready: Callable[[], bool]) -> tuple[bool, dict[str, Any]]:
    """Ready: Redis answered the last lease renewal and the model is loaded."""
    detail = {
        "redis": worker.redis_ok,
        "model": model_ready(),
        "partitions": len(worker.leases.held),
    }
    return worker.redis_ok and detail["model"], detail


async def _stopped(task: asyncio.Task, seconds: float) -> None:
    """Wait for a loop that stops by its flag; cancel it if it does not in time."""
    done, _ = await asyncio.wait([task], timeout=seconds)
    if not done:
        task.cancel()
        await asyncio.wait([task], timeout=seconds)


def _raise_if_cancelled(exc: Exception) -> None:
    """A client library may turn the task's cancellation into its own error (redis-py does,
    mid-command); a loop that retries on errors must still stop when it was cancelled."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from exc
