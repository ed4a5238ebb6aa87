"""The ``workers`` frontend: one process in one role.

- ``gateway``: a frontend's receiving half (its QueuedChannel) puts messages on the queue;
  no engine, no model.
- ``worker``: claims queued messages and answers them with the engine; follows published
  models.
- ``all`` (``--workers N``): starts one gateway and N workers as child processes of this one
  and restarts any that dies (see supervisor.py).

Every role can run the ops server (``workers.ops``). SIGTERM drains: a gateway stops
receiving, a worker stops claiming and finishes what it claimed, and the process exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chatcore.builtin.workers.settings import WorkersSettings
from chatcore.errors import ConfigError, StoreError

log = logging.getLogger(__name__)
ROLES = ("gateway", "worker", "all")


class WorkersFrontend:
    def __init__(self, settings: WorkersSettings, runtime: Any) -> None:
        options = runtime.cli_options
        self.settings = settings
        self.runtime = runtime
        self.role: str = options.get("role") or "worker"
        self.channel: str | None = options.get("channel")
        self.workers: int = options.get("workers") or 0
        port = options.get("ops_port")
        self.ops_port = port if port is not None else settings.ops.port
        self.worker_id = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
        _check(runtime, self.role, self._channels())
        if self.role == "worker":
            start_on_published_model(runtime)

    @property
    def needs_engine(self) -> bool:
        return self.role == "worker"

    def _channels(self) -> list[str]:
        if self.role == "worker":
            return list(self.settings.channels)
        return [self.channel or self.runtime.config.core.frontend]

    async def run(self, engine: Any) -> None:
        if self.role == "all":
            from chatcore.builtin.workers.supervisor import supervise

            await supervise(
                self.runtime, self.settings, self._channels()[0], self.workers, self.ops_port
            )
        elif self.role == "gateway":
            await self._gateway()
        else:
            await self._worker(engine)

    # --- gateway -------------------------------------------------------------------------

    async def _gateway(self) -> None:
        from chatcore.builtin.workers.metrics import Metrics

        name = self._channels()[0]
        channel = build_channel(self.runtime, name)
        metrics = Metrics("gateway", self.worker_id)
        receiving = asyncio.Event()
        async with queue_for(self.runtime, self.settings) as queue:
            counts = {"queued": 0, "redelivered": 0}

            async def enqueue(channel: str, chat_key: str, payload: str, dedupe: str) -> bool:
                queued = await queue.enqueue(channel, chat_key, payload, dedupe)
                counts["queued" if queued else "redelivered"] += 1
                if queued:
                    metrics.message()
                return queued

            async def ready() -> tuple[bool, dict[str, Any]]:
                redis_ok = await _pings(queue)
                return redis_ok and receiving.is_set(), {
                    "redis": redis_ok,
                    "receiving": receiving.is_set(),
                }

            def state() -> dict[str, Any]:
                return {"receiving": receiving.is_set(), **counts}

            with _state_on_sigusr1("gateway", state):
                async with self._ops(ready, metrics):
                    await channel.receive(enqueue, self.runtime.commands(), receiving.set)

    # --- worker --------------------------------------------------------------------------

    async def _worker(self, engine: Any) -> None:
        from chatcore.builtin.workers.metrics import Metrics
        from chatcore.builtin.workers.worker import Worker, WorkerOptions

        s = self.settings
        metrics = Metrics("worker", self.worker_id)
        channels = {name: build_channel(self.runtime, name) for name in s.channels}
        async with queue_for(self.runtime, s) as queue, contextlib.AsyncExitStack() as stack:
            for channel in channels.values():
                await channel.open()
                stack.push_async_callback(channel.close)
            options = WorkerOptions(
                lease_seconds=s.lease_seconds,
                max_in_flight=s.max_in_flight,
                drain_seconds=s.drain_seconds,
            )
            engine.strict_store = True  # an answer whose turn was not stored is retried
            worker = Worker(queue, channels, engine, self.worker_id, options, metrics)
            models = ModelFollower(queue, engine, self.runtime, s, metrics)
            await models.start()
            stack.push_async_callback(models.stop)
            stats = asyncio.create_task(_queue_stats(queue, metrics))
            stack.callback(stats.cancel)

            async def ready() -> tuple[bool, dict[str, Any]]:
                detail = {
                    "redis": worker.redis_ok,
                    "model": models.ready,
                    "model_version": models.version,
                    "partitions": len(worker.leases.held),
                }
                return worker.redis_ok and models.ready, detail

            with _state_on_sigusr1("worker", worker.state):
                async with self._ops(ready, metrics):
                    log.info("worker %s: answering %s", self.worker_id, ", ".join(channels))
                    await worker.run()

    @contextlib.asynccontextmanager
    async def _ops(self, ready, metrics):
        from chatcore.builtin.workers.ops import OpsServer

        if self.ops_port is None:
            yield
            return
        shown = metrics if self.settings.ops.metrics else None
        ops = self.settings.ops
        server = OpsServer(ops.host, self.ops_port, self.role, ready, shown, self.worker_id)
        await server.start()
        try:
            yield
        finally:
            await server.close()


class ModelFollower:
    """Keeps the engine's model-serving responders on the published model (see models.py):
    applies the current one before the worker says it is ready, then follows new ones."""

    def __init__(self, queue: Any, engine: Any, runtime: Any, settings, metrics) -> None:
        self.engine = engine
        self.metrics = metrics
        self.swappable = [
            n.component for n in engine.responders if hasattr(n.component, "swap_model")
        ]
        self.version: str | None = None
        for responder in self.swappable:
            self.version = getattr(responder, "model_version", None) or self.version
        self.ready = False
        self._task: asyncio.Task | None = None
        self._watcher = None
        if self.swappable:
            from chatcore.builtin.workers.models import ModelWatcher

            self._watcher = ModelWatcher(
                queue.client,
                queue.prefix,
                runtime.data_dir / "models" / "published",
                self._swap,
                poll_seconds=settings.model_poll_seconds,
                on_event=self._event,
                applied=self.version,  # the published model may be the one already loaded
            )
        metrics.model(self.version)

    async def start(self) -> None:
        if self._watcher is None:
            self.ready = True
            return
        with contextlib.suppress(Exception):  # Redis down: the loop below keeps trying
            await self._watcher.check_once()
        self.ready = True
        self._task = asyncio.create_task(self._watcher.run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _swap(self, path, version: str) -> None:
        started = time.monotonic()
        for responder in self.swappable:
            await responder.swap_model(path)
        self.version = version
        self.metrics.model(version)
        log.info("model %s now serving (loaded in %.1f s)", version, time.monotonic() - started)

    def _event(self, kind: str, version: str) -> None:
        self.metrics.model_event(kind, version)


@contextlib.contextmanager
def _state_on_sigusr1(role: str, state):
    """``kill -USR1 <pid>`` logs what the process holds and does (a stuck deployment)."""
    import signal

    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, lambda: log.warning("%s state: %s", role, state()))
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGUSR1)


async def _queue_stats(queue: Any, metrics: Any, every: float = 1.0) -> None:
    while True:
        with contextlib.suppress(Exception):
            metrics.queue(*await queue.depth())
        await asyncio.sleep(every)


async def _pings(queue: Any) -> bool:
    try:
        return bool(await queue.client.ping())
    except Exception:
        return False


@contextlib.asynccontextmanager
async def queue_for(runtime: Any, settings: WorkersSettings, wait_seconds: float = 30.0):
    """The queue on the ``redis:`` section's server; waits for Redis to come up (a container
    started before it), then fails with the URL (password masked)."""

    from chatcore.builtin.conversation.redis_store import _masked
    from chatcore.builtin.workers.queue import RedisQueue

    redis_settings = runtime.settings_for("redis")
    client = shared_client(redis_settings.url, settings.max_in_flight)
    try:
        queue = RedisQueue(
            client, redis_settings.key_prefix, settings.partitions, settings.dedupe_seconds
        )
        deadline = asyncio.get_running_loop().time() + wait_seconds
        while True:
            try:
                await queue.ensure_groups()
                break
            except Exception as exc:
                if asyncio.get_running_loop().time() > deadline:
                    where = _masked(redis_settings.url)
                    raise StoreError(f"workers: cannot reach Redis at {where}: {exc}") from None
                await asyncio.sleep(0.5)
        yield queue
    finally:
        await client.aclose()


def shared_client(url: str, max_in_flight: int) -> Any:
    """A client whose pool waits for a free connection when all are busy (redis-py's default
    pool fails at once, which would fail a job on a burst)."""
    import redis.asyncio as aioredis

    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=max_in_flight * 2 + 16, timeout=20, health_check_interval=5
    )
    return aioredis.Redis(connection_pool=pool)


def start_on_published_model(runtime: Any) -> None:
    """Point the ``qa`` responder at the published model before the engine loads one, so a
    new worker (even one with no model of its own) starts on what the others serve, loading
    once. Redis unreachable or nothing published: the configured model; the worker's model
    follower catches up later."""
    if "qa" not in runtime.config.core.responders or runtime.settings_for("qa") is None:
        return
    try:
        with ThreadPoolExecutor(1) as thread:  # the caller's event loop is busy building
            path = thread.submit(asyncio.run, _fetch_published(runtime)).result()
    except Exception as exc:
        log.warning("worker: cannot fetch the published model yet (%s); starting on mine", exc)
        return
    if path is not None:
        qa = runtime.settings_for("qa")
        runtime.config.sections["qa"] = qa.model_copy(update={"model_dir": path})
        log.info("worker: starting on the published model %s", path.name)


async def _fetch_published(runtime: Any):
    import redis.asyncio as aioredis

    from chatcore.builtin.workers import models

    redis_settings = runtime.settings_for("redis")
    client = aioredis.from_url(redis_settings.url, socket_connect_timeout=5)
    try:
        version = await models.current(client, redis_settings.key_prefix)
        if version is None:
            return None
        cache = runtime.data_dir / "models" / "published"
        return await models.fetch(client, redis_settings.key_prefix, version, cache)
    finally:
        await client.aclose()


def build_channel(runtime: Any, name: str) -> Any:
    """The QueuedChannel the frontend ``name`` registers (``queued=`` beside its factory)."""
    spec = runtime.registry.get("frontend", name)
    factory = spec.options.get("queued") if spec is not None else None
    if factory is None:
        raise ConfigError(
            f"frontend {name!r} cannot run on several workers: its plugin offers no queued "
            "channel (see chatcore.contracts.QueuedChannel)"
        )
    return factory(runtime.settings_for(name), runtime)


def _check(runtime: Any, role: str, channels: list[str]) -> None:
    if role not in ROLES:
        raise ConfigError(f"no role {role!r} (choose from {', '.join(ROLES)})")
    if runtime.config.core.store != "redis":
        raise ConfigError(
            runtime.config.error(
                ("store",),
                "several workers share conversations, limits and the queue through Redis: "
                "set 'store: redis' (and redis.url)",
            )
        )
    for name in channels:
        spec = runtime.registry.get("frontend", name)
        if spec is None or "queued" not in spec.options:
            raise ConfigError(
                f"frontend {name!r} cannot run on several workers (no queued channel)"
            )


def build_workers_frontend(settings: WorkersSettings, runtime: Any) -> WorkersFrontend:
    from chatcore.extras import require

    require("workers", "several workers")
    return WorkersFrontend(settings, runtime)
