"""Conversation stores: turns/s written and context-read latency, 1 / 10 / 100 concurrent chats.

Each run writes TURNS turns spread over the chats (every chat writes its turns in order, all
chats at once), then every chat reads its context (``recent_turns(chat, 6)``) READS times, all
chats at once. The memory store is the baseline: what the engine costs without any I/O.
"sqlite" serves context reads of active chats from its in-memory cache (the steady state of a
running bot); "sqlite, cache off" reads every context from the file (a cold chat).
Targets (issue #4): sqlite >= 2,000 turns/s, context read p95 < 2 ms.

python -m bench store
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from bench.common import Stats, table
from chatcore.stats import percentile

TURNS = 1000
READS = 20
RUNS = 10
CONTEXT = 6
CHATS = (1, 10, 100)


async def _write(store, chats: int) -> float:
    """Seconds to write TURNS turns over ``chats`` chats concurrently."""
    from chatcore.store import Turn

    per_chat = TURNS // chats

    async def chat(n: int) -> None:
        for i in range(per_chat):
            await store.append_turn(Turn(f"bench:{n}", "u", f"question {i} " * 8, "answer " * 12))

    started = time.perf_counter()
    await asyncio.gather(*(chat(n) for n in range(chats)))
    return time.perf_counter() - started


async def _read(store, chats: int) -> list[float]:
    """Latency (ms) of every context read, READS per chat, all chats concurrently."""
    samples: list[float] = []

    async def chat(n: int) -> None:
        for _ in range(READS):
            started = time.perf_counter()
            turns = await store.recent_turns(f"bench:{n}", CONTEXT)
            samples.append((time.perf_counter() - started) * 1000)
            assert turns, "context read returned nothing"

    await asyncio.gather(*(chat(n) for n in range(chats)))
    return samples


async def _measure(make_store: Callable[[], object], chats: int) -> tuple[Stats, Stats]:
    rates, reads = [], []
    for _ in range(RUNS + 1):  # the first run warms up (imports, server caches) and is dropped
        store = make_store()
        await store.open()
        try:
            seconds = await _write(store, chats)
            latencies = await _read(store, chats)
        finally:
            await store.close()
        rates.append((TURNS // chats * chats) / seconds)
        reads.append(latencies)
    return Stats(tuple(rates[1:])), Stats(tuple(x for run in reads[1:] for x in run))


def _start_redis() -> tuple[subprocess.Popen | None, str | None]:
    import socket

    from chatcore.testing import free_port

    binary = shutil.which("redis-server")
    if binary is None:
        return None, None
    port = free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    return None, None


def _factories(tmp: Path, redis_url: str | None) -> dict[str, Callable[[], object]]:
    from chatcore.builtin.conversation.memory import MemoryStore
    from chatcore.builtin.conversation.redis_store import RedisSettings, RedisStore
    from chatcore.builtin.conversation.sqlite import SqliteSettings, SqliteStore

    no_cache = SqliteSettings(context_cache_chats=0)
    factories = {
        "memory (baseline)": MemoryStore,
        "sqlite": lambda: SqliteStore(tmp / f"{uuid.uuid4().hex}.db"),
        "sqlite, cache off": lambda: SqliteStore(tmp / f"{uuid.uuid4().hex}.db", no_cache),
    }
    if redis_url:
        prefix = lambda: f"bench{uuid.uuid4().hex[:8]}:"  # noqa: E731
        factories["redis"] = lambda: RedisStore(RedisSettings(url=redis_url, key_prefix=prefix()))
    return factories


def _row(name: str, chats: int, rates: Stats, reads: Stats) -> list[str]:
    low = percentile(rates.samples, 5)
    return [name, str(chats), f"{rates.median:,.0f}", f"{low:,.0f}", str(reads)]


def main() -> None:
    proc, redis_url = _start_redis()
    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="chatcore-bench-") as tmp:
            for name, factory in _factories(Path(tmp), redis_url).items():
                for chats in CHATS:
                    rates, reads = asyncio.run(_measure(factory, chats))
                    rows.append(_row(name, chats, rates, reads))
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
    headers = ["store", "chats", "turns/s median", "turns/s p5", "context read ms median / p95"]
    title = f"conversation stores: {TURNS} turns per run, {RUNS} runs (+1 warm-up)"
    print(table(title, headers, rows))
    if redis_url is None:
        print("redis-server not found: redis rows skipped (install it with `make services`)")
    print(
        f"Each run: {TURNS} turns written, then {READS} context reads ({CONTEXT} turns) per chat;"
        " read latency includes waiting behind the other chats' reads in flight."
    )
