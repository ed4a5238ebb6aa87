"""The inbound queue: Redis Streams with one consumer group, split into partitions by chat.

A chat always lands in the same partition (``partition_of``), and a partition is read by one
worker at a time (it holds the partition's lease, ``leases.py``), so each chat's messages are
answered in the order they were queued while different chats spread over workers. A worker
that dies leaves its claimed entries pending in the group; whoever takes the partition's lease
next claims them (``XAUTOCLAIM``) before reading anything new.

Every write that depends on holding a partition (the reply checkpoint, the acknowledgement) is
one Lua script that first checks the lease, so a worker that lost its lease (paused, cut off)
can never acknowledge or checkpoint what another worker now owns.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass
from typing import Any

GROUP = "workers"
CHECKPOINT_SECONDS = 24 * 3600

ENQUEUE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], '*', 'channel', ARGV[2], 'chat', ARGV[3],
                    'payload', ARGV[4], 'dedupe', ARGV[5])
end
return false
"""

ACK = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('XACK', KEYS[2], ARGV[2], ARGV[3])
redis.call('XDEL', KEYS[2], ARGV[3])
redis.call('DEL', KEYS[3])
return 1
"""

CHECKPOINT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
return 1
"""


@dataclass(frozen=True)
class Job:
    """One queued message as a worker claimed it."""

    partition: int
    id: str  # the stream entry id: "<milliseconds>-<sequence>"
    channel: str
    chat_key: str
    payload: str
    dedupe: str
    reclaimed: bool = False  # claimed from a worker that stopped holding the partition

    @property
    def key(self) -> tuple[int, str]:
        """Unique across the queue (entry ids are unique only within one stream)."""
        return self.partition, self.id

    @property
    def enqueued_at(self) -> float:
        return int(self.id.split("-", 1)[0]) / 1000


class LeaseLost(Exception):
    """The worker no longer holds the job's partition: another worker owns the job now."""


def partition_of(chat_key: str, partitions: int) -> int:
    """Stable across processes and Python runs (``hash()`` is salted per process)."""
    return zlib.crc32(chat_key.encode("utf-8")) % partitions


class RedisQueue:
    """The queue's keys under one prefix: ``q:<n>`` streams, ``q:seen:<id>`` dedupe markers,
    ``q:reply:<id>`` reply checkpoints and ``q:lease:<n>`` leases."""

    def __init__(
        self, client: Any, prefix: str, partitions: int, dedupe_seconds: int = 2 * 24 * 3600
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.partitions = partitions
        self.dedupe_seconds = dedupe_seconds
        self._enqueue = client.register_script(ENQUEUE)
        self._ack = client.register_script(ACK)
        self._checkpoint = client.register_script(CHECKPOINT)

    def stream(self, partition: int) -> str:
        return f"{self.prefix}q:{partition}"

    def lease_key(self, partition: int) -> str:
        return f"{self.prefix}q:lease:{partition}"

    def _reply_key(self, job: Job) -> str:
        return f"{self.prefix}q:reply:{job.dedupe}"

    async def ensure_groups(self) -> None:
        """Create each partition's stream and group (reading from the start, so nothing
        queued before the group existed is skipped); existing ones are kept."""
        from redis.exceptions import ResponseError

        for partition in range(self.partitions):
            try:
                await self.client.xgroup_create(self.stream(partition), GROUP, "0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def enqueue(self, channel: str, chat_key: str, payload: str, dedupe: str) -> bool:
        """Queue a message durably; False when ``dedupe`` was queued before (a redelivery).
        Returns only once Redis has the entry: a gateway confirms receipt after this."""
        stream = self.stream(partition_of(chat_key, self.partitions))
        keys = [f"{self.prefix}q:seen:{dedupe}", stream]
        args = [self.dedupe_seconds, channel, chat_key, payload, dedupe]
        return await self._enqueue(keys=keys, args=args) is not None

    async def read(self, consumer: str, partitions: list[int], count: int, block_ms: int):
        """New entries of the given partitions for this consumer, oldest first per partition."""
        if not partitions or count <= 0:
            return []
        streams = {self.stream(p): ">" for p in partitions}
        found = await self.client.xreadgroup(GROUP, consumer, streams, count=count, block=block_ms)
        return [job for name, entries in found or [] for job in self._jobs(name, entries)]

    async def claim_pending(self, consumer: str, partition: int) -> list[Job]:
        """Every entry of the partition that was read but never acknowledged (by a worker that
        died or gave the partition up), claimed for ``consumer``, oldest first."""
        stream, start, jobs = self.stream(partition), "0-0", []
        while True:
            result = await self.client.xautoclaim(stream, GROUP, consumer, 0, start, count=500)
            start, entries = result[0], result[1]
            jobs += self._jobs(stream, entries, reclaimed=True)
            if start in ("0-0", b"0-0"):
                return jobs

    async def claim_orphans(self, consumer: str, partitions: list[int]) -> list[Job]:
        """Entries of partitions this consumer holds that are pending under another consumer
        (a worker that lost the lease while a read of it was under way): claimed for
        ``consumer``, oldest first. While the lease is held nobody else may work on them."""
        if not partitions:
            return []
        async with self.client.pipeline(transaction=False) as pipe:
            for partition in partitions:
                pipe.xpending(self.stream(partition), GROUP)
            summaries = await pipe.execute()
        jobs: list[Job] = []
        for partition, summary in zip(partitions, summaries, strict=True):
            others = [c for c in summary.get("consumers") or [] if _text(c["name"]) != consumer]
            if others:
                jobs += await self._claim_from(consumer, partition, others)
        return jobs

    async def _claim_from(self, consumer: str, partition: int, others: list) -> list[Job]:
        stream, ids = self.stream(partition), []
        for other in others:
            pending = await self.client.xpending_range(
                stream, GROUP, "-", "+", 1000, consumername=_text(other["name"])
            )
            ids += [entry["message_id"] for entry in pending]
        if not ids:
            return []
        claimed = await self.client.xclaim(stream, GROUP, consumer, 0, ids)
        jobs = self._jobs(stream, claimed, reclaimed=True)
        return sorted(jobs, key=lambda job: entry_order(job.id))

    def _jobs(self, stream: Any, entries: list, reclaimed: bool = False) -> list[Job]:
        partition = int(_text(stream).rsplit(":", 1)[1])
        jobs = []
        for entry_id, fields in entries:
            if not fields:  # deleted while pending
                continue
            f = {_text(k): _text(v) for k, v in fields.items()}
            job = Job(
                partition, _text(entry_id), f["channel"], f["chat"], f["payload"], f["dedupe"]
            )
            jobs.append(job if not reclaimed else _reclaimed(job))
        return jobs

    async def checkpoint(self, job: Job, token: str, reply: str) -> None:
        """Keep the computed reply, so if this worker dies before acknowledging, the next one
        sends the same reply instead of running the engine again."""
        keys = [self.lease_key(job.partition), self._reply_key(job)]
        if not await self._checkpoint(keys=keys, args=[token, reply, CHECKPOINT_SECONDS]):
            raise LeaseLost(f"partition {job.partition}")

    async def saved_reply(self, job: Job) -> str | None:
        value = await self.client.get(self._reply_key(job))
        return None if value is None else _text(value)

    async def ack(self, job: Job, token: str) -> None:
        """Done: acknowledge and delete the entry, drop its checkpoint, all only while the
        lease ``token`` the job was claimed under still holds the partition."""
        keys = [self.lease_key(job.partition), self.stream(job.partition), self._reply_key(job)]
        if not await self._ack(keys=keys, args=[token, GROUP, job.id]):
            raise LeaseLost(f"partition {job.partition}")

    async def depth(self) -> tuple[int, float]:
        """Entries not yet acknowledged, and the age in seconds of the oldest of them."""
        async with self.client.pipeline(transaction=False) as pipe:
            for partition in range(self.partitions):
                pipe.xlen(self.stream(partition))
                pipe.xrange(self.stream(partition), "-", "+", count=1)
            results = await pipe.execute()
        total = sum(results[0::2])
        heads = [entries[0][0] for entries in results[1::2] if entries]
        if not heads:
            return total, 0.0
        oldest = min(int(_text(entry_id).split("-", 1)[0]) for entry_id in heads) / 1000
        return total, max(0.0, time.time() - oldest)


def entry_order(entry_id: str) -> tuple[int, int]:
    """A stream entry id ("<milliseconds>-<sequence>") as a key that sorts in queue order."""
    millis, _, sequence = entry_id.partition("-")
    return int(millis), int(sequence or 0)


def _reclaimed(job: Job) -> Job:
    from dataclasses import replace

    return replace(job, reclaimed=True)


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
