"""Partition leases: which worker reads which partitions, renewed while it lives.

A lease is a Redis key holding the worker's id with a time to live. A worker renews its leases
every third of that time; one that dies (or is cut off from Redis) loses them when they expire
and another worker takes the partitions over. Workers announce themselves in a sorted set of
heartbeats, and each aims at its fair share (partitions / live workers, rounded up): a new
worker gets partitions because the others give their surplus up.

Each acquisition writes a fresh token (worker id and a counter) and every fenced write checks
it, so work claimed under an earlier lease of the same worker cannot be acknowledged after
the partition was lost and taken again. A worker also stops trusting its leases on its own
clock: when its last successful renewal is older than the time to live less a margin, it
drops them even before Redis says so, so two workers never both believe they hold one.
"""

from __future__ import annotations

import math
import random
import time
from typing import Any

TRUSTED_SHARE = 0.6  # of the time to live, counted from the start of the last renewal

RENEW = """
local held = {}
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[i + 1] then
    redis.call('PEXPIRE', key, ARGV[1])
    held[#held + 1] = i
  end
end
return held
"""

RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class Leases:
    """The leases one worker holds; ``tick`` renews, balances and reports changes."""

    def __init__(self, queue: Any, worker_id: str, ttl_seconds: float) -> None:
        self.queue = queue
        self.client = queue.client
        self.worker_id = worker_id
        self.ttl_ms = max(100, int(ttl_seconds * 1000))
        self.tokens: dict[int, str] = {}  # partition -> the token of this worker's lease
        self._acquired = 0
        self.valid_until = 0.0  # monotonic time until which the held leases are trusted
        self._renew = self.client.register_script(RENEW)
        self._release = self.client.register_script(RELEASE)
        self._heartbeats = f"{queue.prefix}q:workers"

    @property
    def held(self) -> set[int]:
        return set(self.tokens)

    def trusted(self, partition: int, token: str | None, for_seconds: float = 0.0) -> bool:
        """This worker holds the partition under ``token``, and will for ``for_seconds``
        more, by its own clock."""
        if token is None or self.tokens.get(partition) != token:
            return False
        return time.monotonic() + for_seconds < self.valid_until

    @property
    def longest_wait(self) -> float:
        """How long a blocking read may wait: a read issued while trusted returns before the
        lease could have expired in Redis (trust ends at 60 % of the time to live)."""
        return self.ttl_ms / 1000 * 0.2

    async def tick(self, acquire: bool = True) -> tuple[set[int], set[int]]:
        """Heartbeat, renew what is held, take free partitions up to the fair share (unless
        ``acquire`` is off: a draining worker takes nothing new). Returns (partitions lost,
        partitions gained). Raises on Redis errors (the caller retries; leases it cannot
        renew expire on their own)."""
        started = time.monotonic()
        lapsed = set(self.tokens) if started >= self.valid_until else set()
        if lapsed:  # not renewed in time: another worker may own them by now
            self.tokens.clear()
        live = await self._heartbeat()
        lost = lapsed | await self._renew_held()
        self.valid_until = started + self.ttl_ms / 1000 * TRUSTED_SHARE
        gained = set()
        if acquire and len(self.held) < self.fair_share(live):
            gained = await self._acquire(self.fair_share(live) - len(self.held))
        return lost, gained

    def fair_share(self, live_workers: int) -> int:
        return math.ceil(self.queue.partitions / max(1, live_workers))

    async def surplus(self) -> list[int]:
        """Partitions beyond the fair share, to be given up once their work is done."""
        live = await self.client.zcard(self._heartbeats)
        extra = len(self.held) - self.fair_share(live)
        return sorted(self.held)[:extra] if extra > 0 else []

    async def release(self, partition: int) -> None:
        """Give a partition up at once (its work done), so the next owner need not wait for
        the lease to expire."""
        token = self.tokens.pop(partition, None)
        if token is not None:
            await self._release(keys=[self.queue.lease_key(partition)], args=[token])

    async def release_all(self) -> None:
        for partition in sorted(self.tokens):
            await self.release(partition)
        await self.client.zrem(self._heartbeats, self.worker_id)

    async def _heartbeat(self) -> int:
        now = time.time()
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.zadd(self._heartbeats, {self.worker_id: now})
            pipe.zremrangebyscore(self._heartbeats, "-inf", now - self.ttl_ms / 1000)
            pipe.zcard(self._heartbeats)
            results = await pipe.execute()
        return int(results[-1])

    async def _renew_held(self) -> set[int]:
        if not self.tokens:
            return set()
        order = sorted(self.tokens)
        keys = [self.queue.lease_key(p) for p in order]
        tokens = [self.tokens[p] for p in order]
        kept = await self._renew(keys=keys, args=[self.ttl_ms, *tokens])
        still = {order[int(i) - 1] for i in kept}
        lost = set(order) - still
        for partition in lost:
            del self.tokens[partition]
        return lost

    async def _acquire(self, wanted: int) -> set[int]:
        free = [p for p in range(self.queue.partitions) if p not in self.tokens]
        random.shuffle(free)  # workers starting together do not all race for partition 0
        gained: set[int] = set()
        for partition in free:
            if len(gained) >= wanted:
                break
            self._acquired += 1
            token = f"{self.worker_id}#{self._acquired}"
            key = self.queue.lease_key(partition)
            if await self.client.set(key, token, nx=True, px=self.ttl_ms):
                self.tokens[partition] = token
                gained.add(partition)
        return gained
