"""Model publishing: one operator publishes a trained model into Redis, every worker fetches it
and swaps it in between messages.

Keys (under a prefix): ``model:files:<version>`` a hash of file name to bytes, written in one
MULTI with ``model:info:<version>`` (published_at, size, files), ``model:versions`` (a sorted
set by publish time) and ``model:current``, so no worker ever sees half a model. A version is
``modeldir.version``: the start of the SHA-256 of ``metadata.json``, which holds every other
file's hash. A model is verified when published and again when fetched; a worker that cannot
load or check one keeps its model and does not retry that version (``ModelWatcher``).

Clients are ``redis.asyncio`` clients *without* ``decode_responses`` (files are bytes).
Nothing here imports TensorFlow; the swap callback (``QAResponder.swap_model``) does.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from chatcore.builtin.qa.model import modeldir
from chatcore.errors import ChatcoreError

log = logging.getLogger(__name__)
VERSION_PATTERN = re.compile(rf"[0-9a-f]{{{modeldir.VERSION_DIGITS}}}")


class ModelPublishError(ChatcoreError):
    """A model cannot be published or fetched; the message names the directory or version."""

    exit_code = 6


def model_version(model_dir: Path) -> str:
    """The id a model directory is published under (``modeldir.version``)."""
    return modeldir.version(model_dir)


def _key(prefix: str, *parts: str) -> str:
    return prefix + ":".join(("model", *parts))


async def publish(client: Any, prefix: str, model_dir: Path, *, keep: int = 3) -> str:
    """Upload a verified model directory and make it the current model; keep the ``keep``
    newest versions (the current one always). Returns the version."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    version, blobs = await asyncio.to_thread(_snapshot, Path(model_dir))
    now = time.time()
    info = {"published_at": repr(now), "size": sum(map(len, blobs.values())), "files": len(blobs)}
    async with client.pipeline(transaction=True) as pipe:
        pipe.delete(_key(prefix, "files", version))
        pipe.hset(_key(prefix, "files", version), mapping=blobs)
        pipe.hset(_key(prefix, "info", version), mapping=info)
        pipe.zadd(_key(prefix, "versions"), {version: now})
        pipe.set(_key(prefix, "current"), version)
        await pipe.execute()
    log.info("published model %s from %s", version, model_dir)
    await _drop_old(client, prefix, keep)
    return version


def _snapshot(model_dir: Path) -> tuple[str, dict[str, bytes]]:
    """The version and the files of a complete, valid model directory, read once and checked
    against the hashes in the metadata read with them (a file changing meanwhile is caught)."""
    try:
        modeldir.verify(model_dir)
        metadata = (model_dir / modeldir.METADATA).read_bytes()
        blobs = {modeldir.METADATA: metadata}
        for name in modeldir.listed_files(json.loads(metadata)):
            blobs[name] = (model_dir / name).read_bytes()
        _check(blobs, f"{model_dir}")
        blobs.update(_fast_path_entries(model_dir))
    except (ChatcoreError, OSError, ValueError) as exc:
        raise ModelPublishError(f"{model_dir}: refused, not a complete valid model: {exc}") from exc
    return modeldir.version_id(metadata), blobs


FAST_PATH = re.compile(r"\.fastpath-[0-9a-f]{32}-([0-9a-f]{16})\.npz")
"""A model's NumPy forward-pass cache (chatcore.builtin.qa.serve.fastload): published with it,
so a worker swaps without loading Keras. Not in the metadata's hashes; its name ends with the
SHA-256 of its bytes, checked on fetch and again by the loader before it is used."""


def _fast_path_entries(model_dir: Path) -> dict[str, bytes]:
    found = {}
    for path in model_dir.iterdir():
        match = FAST_PATH.fullmatch(path.name)
        if match:
            content = path.read_bytes()
            if hashlib.sha256(content).hexdigest()[:16] == match.group(1):
                found[path.name] = content
    return found


def _check(blobs: dict[str, bytes], where: str) -> dict[str, Any]:
    """The metadata of a model's files in memory; ValueError unless every file it lists is there
    and matches its hash."""
    if modeldir.METADATA not in blobs:
        raise ValueError(f"{where}: no {modeldir.METADATA}")
    metadata = json.loads(blobs[modeldir.METADATA])
    hashes = metadata.get("files") if isinstance(metadata, dict) else None
    if not isinstance(hashes, dict):
        raise ValueError(f"{where}: {modeldir.METADATA} has no file hashes")
    for name in modeldir.listed_files(metadata):
        if name not in blobs:
            raise ValueError(f"{where}: {name} is missing")
        if hashlib.sha256(blobs[name]).hexdigest() != hashes.get(name):
            raise ValueError(f"{where}: {name} does not match its hash in {modeldir.METADATA}")
    return metadata


async def _drop_old(client: Any, prefix: str, keep: int) -> None:
    """Delete every version but the ``keep`` newest and the current one."""
    versions = _key(prefix, "versions")
    serving = await current(client, prefix)
    old = [_text(v) for v in await client.zrange(versions, 0, -keep - 1)]
    old = [v for v in old if v != serving]
    if not old:
        return
    async with client.pipeline(transaction=True) as pipe:
        for version in old:
            pipe.delete(_key(prefix, "files", version), _key(prefix, "info", version))
        pipe.zrem(versions, *old)
        await pipe.execute()
    log.info("dropped old model versions %s", ", ".join(old))


async def current(client: Any, prefix: str) -> str | None:
    """The version workers should serve, or None when none was published."""
    value = await client.get(_key(prefix, "current"))
    return None if value is None else _text(value)


async def versions(client: Any, prefix: str) -> list[str]:
    """The published versions still stored, oldest first."""
    return [_text(v) for v in await client.zrange(_key(prefix, "versions"), 0, -1)]


async def info(client: Any, prefix: str, version: str) -> dict[str, Any] | None:
    """``model:info:<version>``: published_at (a Unix time), size (bytes) and files, or None
    when the version is not stored."""
    stored = await client.hgetall(_key(prefix, "info", version))
    if not stored:
        return None
    fields = {_text(k): _text(v) for k, v in stored.items()}
    return {
        "published_at": float(fields["published_at"]) if "published_at" in fields else None,
        "size": int(fields.get("size", 0)),
        "files": int(fields.get("files", 0)),
    }


def _text(value: bytes | str) -> str:
    return value.decode("ascii") if isinstance(value, bytes) else value


async def fetch(client: Any, prefix: str, version: str, cache_dir: Path) -> Path:
    """The model directory of ``version`` in ``cache_dir/<version>``: reused when it is there and
    verifies, else downloaded, checked and renamed into place (never seen half-written)."""
    if not VERSION_PATTERN.fullmatch(version):
        raise ModelPublishError(f"model version {version!r}: not a version id")
    target = Path(cache_dir) / version
    if await asyncio.to_thread(_is_version, target, version):
        return target
    stored = await client.hgetall(_key(prefix, "files", version))
    if not stored:
        raise ModelPublishError(
            f"model version {version}: not in Redis (dropped or never published)"
        )
    blobs = {_text(name): data for name, data in stored.items()}
    return await asyncio.to_thread(_write_version, blobs, version, target)


def _is_version(path: Path, version: str) -> bool:
    """``path`` holds a complete, valid model of exactly ``version``."""
    try:
        modeldir.verify(path)
        return modeldir.version(path) == version
    except (ChatcoreError, OSError, ValueError):
        return False


def _write_version(blobs: dict[str, bytes], version: str, target: Path) -> Path:
    try:
        if modeldir.version_id(blobs.get(modeldir.METADATA, b"")) != version:
            raise ValueError(f"{modeldir.METADATA} does not match the version")
        names = (modeldir.METADATA, *modeldir.listed_files(_check(blobs, "the stored files")))
        names += tuple(_checked_fast_paths(blobs))
    except ValueError as exc:
        raise ModelPublishError(
            f"model version {version}: refused, corrupt in Redis: {exc}"
        ) from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    modeldir.remove_leftovers(target)  # temporary directories of killed fetches
    tmp = Path(tempfile.mkdtemp(prefix=f".{version}.tmp-", dir=target.parent))
    try:
        tmp.chmod(0o755)
        for name in names:  # only the names the metadata lists: nothing else is written
            (tmp / name).write_bytes(blobs[name])
        modeldir.verify(tmp)
        _move_into_place(tmp, target, version)
    except ChatcoreError as exc:
        raise ModelPublishError(f"model version {version}: refused: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _checked_fast_paths(blobs: dict[str, bytes]) -> list[str]:
    """The names of the stored fast-path entries; ValueError if one's bytes do not match
    the hash in its name."""
    names = []
    for name, content in blobs.items():
        match = FAST_PATH.fullmatch(name)
        if match is None:
            continue
        if hashlib.sha256(content).hexdigest()[:16] != match.group(1):
            raise ValueError(f"{name} does not match the hash in its name")
        names.append(name)
    return names


def _move_into_place(tmp: Path, target: Path, version: str) -> None:
    """Rename ``tmp`` to ``target``, replacing a broken one; another fetch of the same version
    that got there first wins (the content is the same)."""
    if target.exists():
        if _is_version(target, version):
            return
        old = target.with_name(f".{version}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        shutil.rmtree(old, ignore_errors=True)
    try:
        os.replace(tmp, target)
    except OSError:
        if not _is_version(target, version):
            raise


def prune_cache(cache_dir: Path, keep: set[str], *, min_age: float = 0.0) -> list[str]:
    """Delete the version directories of ``cache_dir`` (16 hex digits) not in ``keep``, and
    return their names. Nothing else is touched: no file, no symbolic link, no dot-directory
    (a fetch in progress), no directory changed in the last ``min_age`` seconds (another
    process sharing the cache may have just fetched it). A directory that cannot be removed
    is logged and left."""
    cutoff = time.time() - min_age
    removed = []
    try:
        entries = sorted(Path(cache_dir).iterdir())
    except OSError:
        return removed
    for path in entries:
        if path.name in keep or not VERSION_PATTERN.fullmatch(path.name):
            continue
        try:
            if path.is_symlink() or not path.is_dir() or path.stat().st_mtime > cutoff:
                continue
            shutil.rmtree(path)
        except OSError as exc:
            log.warning("cannot remove the cached model %s: %s", path, exc)
            continue
        removed.append(path.name)
    if removed:
        log.info("removed cached models %s", ", ".join(removed))
    return removed


PRUNE_MIN_AGE = 600.0
"""ModelWatcher leaves a cached version younger than this (seconds): with workers on one machine
the cache is shared, and a sibling may be loading one it just fetched."""

Swap = Callable[[Path, str], Awaitable[None]]
OnEvent = Callable[[str, str], None]


class ModelWatcher:
    """Follows ``model:current``: fetches each new version and hands it to ``swap``. A version
    that fails (fetch, load or check) is refused and not retried until another is published;
    the worker keeps the model it has. ``on_event(kind, version)``: "applied" or "refused".
    After applying one, the cache keeps it and the one it replaced (``prune_cache``)."""

    def __init__(
        self,
        client: Any,
        prefix: str,
        cache_dir: Path,
        swap: Swap,
        poll_seconds: float = 1.0,
        on_event: OnEvent | None = None,
        *,
        applied: str | None = None,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.cache_dir = Path(cache_dir)
        self.swap = swap
        self.poll_seconds = poll_seconds
        self.on_event = on_event
        self.applied = applied  # the version serving (the worker's own model's, if it says)
        self.refused: str | None = None
        self.prune_min_age = PRUNE_MIN_AGE
        self._outage = False

    async def check_once(self) -> str | None:
        """Apply the current version if it is new: "applied", "refused", or None (nothing to
        do). Redis being unreachable raises (that refuses nothing)."""
        version = await current(self.client, self.prefix)
        if version is None or version in (self.applied, self.refused):
            return None
        try:
            started = time.monotonic()
            path = await fetch(self.client, self.prefix, version, self.cache_dir)
            log.info("model %s fetched in %.1f s", version, time.monotonic() - started)
            await self.swap(path, version)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if _is_connection_error(exc):
                raise
            log.error("model %s refused, still serving %s: %s", version, self.applied, exc)
            self.refused = version
            self._emit("refused", version)
            return "refused"
        log.info("model %s applied (was %s)", version, self.applied)
        keep = {version} | ({self.applied} if self.applied else set())
        self.applied, self.refused = version, None
        self._emit("applied", version)
        await asyncio.to_thread(prune_cache, self.cache_dir, keep, min_age=self.prune_min_age)
        return "applied"

    async def run(self) -> None:
        """Check every ``poll_seconds`` until cancelled; an outage of Redis is logged once."""
        while True:
            try:
                await self.check_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not self._outage:
                    log.error("cannot check for a new model (retrying): %s", exc)
                self._outage = True
            else:
                if self._outage:
                    log.info("checking for new models again")
                self._outage = False
            await asyncio.sleep(self.poll_seconds)

    def _emit(self, kind: str, version: str) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(kind, version)
        except Exception:
            log.exception("the model event callback failed on %s %s", kind, version)


def _is_connection_error(exc: BaseException) -> bool:
    """Redis unreachable or timing out: a passing outage, not the version's fault."""
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - the client came from redis
        return False
    return isinstance(exc, RedisConnectionError | RedisTimeoutError | ConnectionError)
