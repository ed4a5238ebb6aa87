"""``chatcore worker``, ``chatcore model publish|status`` and ``chatcore queue status``.
Only click is imported here; Redis and the rest load inside the commands."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import click

from chatcore.builtin.qa.cli import model_option
from chatcore.cli import config_option, load_runtime, ops_port_option, run_frontend
from chatcore.extras import require


@click.command("worker")
@config_option
@ops_port_option
def worker_command(config_path: str | None, ops_port: int | None) -> None:
    """Answer queued messages (the gateway queues them): one worker process of a
    deployment on one Redis. SIGTERM drains: finishes what it claimed, then exits 0."""
    runtime = load_runtime(config_path)
    runtime.cli_options.update(role="worker", ops_port=ops_port)
    asyncio.run(run_frontend(runtime, "workers"))


@click.group("model")
def model_group() -> None:
    """Publish a trained model to running workers."""


@model_group.command("publish")
@model_option
@click.option(
    "--keep",
    type=click.IntRange(1, 100),
    default=3,
    show_default=True,
    help="Published versions kept in Redis.",
)
@config_option
def model_publish(model: str | None, keep: int, config_path: str | None) -> None:
    """Check a trained model and publish it: every worker switches to it between messages
    within seconds (workers.model_poll_seconds); one that fails the checks is refused."""
    require("workers", "chatcore model publish")
    from chatcore.builtin.qa.cli import model_dir_for
    from chatcore.builtin.workers import models

    runtime = load_runtime(config_path)
    target = model_dir_for(lambda: runtime, model)
    _check_loads(runtime, target)

    async def publish() -> str:
        async with _redis(runtime) as (client, prefix):
            return await models.publish(client, prefix, target, keep=keep)

    version = asyncio.run(publish())
    click.echo(f"published {target} as version {version}")


def _check_loads(runtime: Any, target: Any) -> None:
    """Refuse a model that does not load and answer as the workers would load it."""
    require("qa", "chatcore model publish")
    from chatcore.builtin.qa.serve.responder import check_model
    from chatcore.builtin.workers.models import ModelPublishError
    from chatcore.errors import ChatcoreError

    try:
        check_model(runtime.settings_for("qa"), target)
    except ChatcoreError:
        raise
    except Exception as exc:
        raise ModelPublishError(f"{target}: refused, it does not load: {exc}") from exc


@model_group.command("status")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def model_status(config_path: str | None, as_json: bool) -> None:
    """The published model version and the versions kept (oldest first), each with when it
    was published (UTC), its size and its number of files."""
    require("workers", "chatcore model status")
    from chatcore.builtin.workers import models

    runtime = load_runtime(config_path)

    async def status() -> dict[str, Any]:
        async with _redis(runtime) as (client, prefix):
            kept = []
            for version in await models.versions(client, prefix):
                stored = await models.info(client, prefix, version) or {}
                published = stored.get("published_at")
                kept.append(
                    {
                        "version": version,
                        "published_at": None if published is None else _iso(published),
                        "size": stored.get("size"),
                        "files": stored.get("files"),
                    }
                )
            return {"current": await models.current(client, prefix), "versions": kept}

    data = asyncio.run(status())
    if as_json:
        _show(data, as_json)
        return
    from chatcore.terminal_text import printable

    click.echo(printable(f"current: {data['current'] or 'none'}"))
    click.echo("versions:" if data["versions"] else "versions: none")
    for entry in data["versions"]:
        size, files = entry["size"], entry["files"]
        line = (
            f"  {entry['version']}  published {entry['published_at'] or '?'}  "
            f"{'?' if size is None else _size(size)}  "
            f"{'?' if files is None else files} files"
        )
        click.echo(printable(line + ("  (current)" if entry["version"] == data["current"] else "")))


def _iso(timestamp: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def _size(size: float) -> str:
    """1234567 -> "1.2 MB" (powers of 1000, as the sizes in docs/deploy.md)."""
    if size < 1000:
        return f"{size:.0f} B"
    for unit in ("KB", "MB", "GB"):
        size /= 1000
        if size < 1000 or unit == "GB":
            break
    return f"{size:.1f} {unit}"


@click.group("queue")
def queue_group() -> None:
    """Look at the shared queue of a deployment with workers."""


@queue_group.command("status")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def queue_status(config_path: str | None, as_json: bool) -> None:
    """Queued messages, the oldest one's age, live workers and who holds which partition."""
    require("workers", "chatcore queue status")
    from chatcore.builtin.workers.queue import RedisQueue

    runtime = load_runtime(config_path)
    settings = runtime.settings_for("workers")

    async def status() -> dict[str, Any]:
        async with _redis(runtime) as (client, prefix):
            queue = RedisQueue(client, prefix, settings.partitions)
            depth, age = await queue.depth()
            alive = await client.zrangebyscore(
                f"{prefix}q:workers", time.time() - settings.lease_seconds, "+inf"
            )
            holders = await client.mget([queue.lease_key(p) for p in range(queue.partitions)])
            return {
                "queued": depth,
                "oldest_age_seconds": round(age, 3),
                "workers": sorted(_text(w) for w in alive),
                "partitions": {
                    str(p): _text(h).split("#", 1)[0] if h else None for p, h in enumerate(holders)
                },
            }

    _show(asyncio.run(status()), as_json)


def _show(data: dict[str, Any], as_json: bool) -> None:
    from chatcore.terminal_text import printable

    if as_json:
        click.echo(json.dumps(data, indent=1))
        return
    for key, value in data.items():
        click.echo(printable(f"{key}: {value}"))


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class _redis:
    """A client on the ``redis:`` section's server and its key prefix, closed after use."""

    def __init__(self, runtime: Any) -> None:
        self.settings = runtime.settings_for("redis")

    async def __aenter__(self) -> tuple[Any, str]:
        import redis.asyncio as aioredis
        from redis.exceptions import RedisError

        from chatcore.builtin.conversation.redis_store import _masked
        from chatcore.errors import StoreError

        self.client = aioredis.from_url(self.settings.url)
        try:
            await self.client.ping()
        except RedisError as exc:
            await self.client.aclose()
            raise StoreError(f"cannot reach Redis at {_masked(self.settings.url)}: {exc}") from None
        return self.client, self.settings.key_prefix

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()
