"""The default store: one SQLite file in WAL mode, zero setup.

All SQLite calls run on two dedicated threads, never on the event loop: one writer (every
write is one transaction, so concurrent asyncio tasks are serialized safely) and one reader
(WAL lets it read while the writer writes, so context reads do not queue behind writes). Other
processes may read the same file at the same time (``chatcore history``).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import Field

from chatcore.builtin.conversation import sqlite_sql as queries
from chatcore.builtin.conversation.common import StoreLimits, prepare_turn
from chatcore.builtin.conversation.context_cache import ContextCache
from chatcore.builtin.conversation.sqlite_schema import check_file, upgrade
from chatcore.errors import StoreError, file_system_problem
from chatcore.store import ConversationStore, Turn

T = TypeVar("T")


class SqliteSettings(StoreLimits):
    path: Path | None = Field(None, description="default: <data_dir>/conversations.db")
    synchronous: Literal["normal", "full"] = Field(
        "normal", description="normal survives process crashes; full also survives power loss"
    )
    busy_timeout_ms: int = Field(5000, ge=0, description="wait this long for another writer")
    prune_interval_seconds: float = Field(3600, gt=0, description="how often retention runs")
    context_cache_chats: int = Field(
        1024,
        ge=0,
        description="chats whose recent turns are kept in memory (0: off); dropped when "
        "another process writes the file (noticed within about half a second)",
    )
    context_cache_turns: int = Field(20, ge=1, description="turns per cached chat")


class _Worker:
    """One thread owning one connection (sqlite3 connections stay on their thread)."""

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=name)
        self.conn: sqlite3.Connection | None = None

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, func, *args)

    async def close(self) -> None:
        if self.conn is not None:
            await self.run(self.conn.close)
            self.conn = None
        self._executor.shutdown(wait=True)


class SqliteStore(ConversationStore):
    freshness_seconds = 0.5  # how stale cached context may get after another process writes

    def __init__(self, path: Path, settings: SqliteSettings | None = None, clock=time.time):
        self.path = Path(path)
        self.settings = settings or SqliteSettings()
        self.clock = clock
        self._writer: _Worker | None = None
        self._reader: _Worker | None = None
        self._last_prune = 0.0
        self._opening = asyncio.Lock()
        self._data_version: int | None = None
        self._checked_at = 0.0
        self._check: asyncio.Future | None = None
        self._cache = ContextCache(
            self.settings.context_cache_chats,
            min(self.settings.context_cache_turns, self.settings.max_turns_per_chat),
        )

    # --- lifecycle -------------------------------------------------------------------------

    async def open(self) -> None:
        """Check the file is ours (or new), migrate it, then open the reader; prune old turns."""
        async with self._opening:
            if self._writer is not None:
                return
            writer, reader = _Worker("chatcore-sqlite-w"), _Worker("chatcore-sqlite-r")
            try:
                writer.conn = await writer.run(self._connect_writer)
                reader.conn = await reader.run(self._connect, False)
            except BaseException as exc:
                await writer.close()
                await reader.close()
                if isinstance(exc, sqlite3.DatabaseError | OSError):
                    raise self._open_error(exc) from exc
                raise
            self._writer, self._reader = writer, reader
        await self._maybe_prune(force=True)

    def _open_error(self, exc: Exception) -> StoreError:
        """One line naming the file and what to do; the file itself is left as it was."""
        damaged = ("malformed", "not a database", "file is encrypted")
        if isinstance(exc, sqlite3.DatabaseError) and any(d in str(exc) for d in damaged):
            return StoreError(
                f"{self.path}: the conversation database is damaged ({exc}); nothing was "
                "changed: move it aside to start a fresh one, or restore a backup"
            )
        if isinstance(exc, OSError):
            problem = file_system_problem(exc)
            return StoreError(f"{self.path}: cannot open the conversation database: {problem}")
        return StoreError(
            f"{self.path}: cannot open the conversation database ({exc}); make its folder "
            "writable, or set data_dir (or store.sqlite.path) to a folder you can write"
        )

    async def close(self) -> None:
        if self._check is not None:
            await asyncio.gather(self._check, return_exceptions=True)
        writer, reader = self._writer, self._reader
        self._writer = self._reader = None
        for worker in (reader, writer):
            if worker is not None:
                await worker.close()

    def _connect(self, create: bool) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {self.settings.busy_timeout_ms}")
        conn.execute(f"PRAGMA synchronous = {self.settings.synchronous.upper()}")
        if not create:
            conn.execute("PRAGMA query_only = ON")
        return conn

    def _connect_writer(self) -> sqlite3.Connection:
        check_file(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect(True)
        try:
            upgrade(conn, self.path)  # refuses foreign files before anything is written
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {self.settings.synchronous.upper()}")
        except BaseException:
            conn.close()
            raise
        return conn

    async def _write(self, func: Callable[..., T], *args: Any) -> T:
        """Run ``func(conn, *args)`` in one transaction on the writer thread. SQLite's
        ``data_version`` changes when another connection commits: then the cache is dropped."""
        if self._writer is None:
            await self.open()
        assert self._writer is not None
        result, version = await self._writer.run(
            queries.transaction, self._writer.conn, func, *args
        )
        self._seen_version(version)
        return result

    def _seen_version(self, version: int) -> None:
        if version != self._data_version:
            if self._data_version is not None:
                self._cache.clear()
            self._data_version = version

    def _check_freshness(self) -> None:
        """Served from the cache: at most every ``freshness_seconds``, look (in the background,
        on the writer thread) whether another process wrote; if so the cache is dropped."""
        now = time.monotonic()
        if self._check is not None or now - self._checked_at < self.freshness_seconds:
            return
        self._checked_at = now
        self._check = asyncio.ensure_future(self._read_data_version())

    async def _read_data_version(self) -> None:
        try:
            writer = self._writer
            if writer is not None:
                self._seen_version(await writer.run(queries.data_version, writer.conn))
        finally:
            self._check = None

    async def _write_chat(self, chat_key: str, func: Callable[..., T], *args: Any) -> T:
        """``_write`` for a change to one chat's turns: if the caller is cancelled (the write
        may still commit) or it fails, the chat's cached context is dropped."""
        try:
            return await self._write(func, *args)
        except BaseException:
            self._cache.drop(chat_key)
            raise

    async def _read(self, func: Callable[..., T], *args: Any) -> T:
        if self._reader is None:
            await self.open()
        assert self._reader is not None
        return await self._reader.run(func, self._reader.conn, *args)

    # --- turns -----------------------------------------------------------------------------

    async def append_turn(self, turn: Turn) -> None:
        await self._maybe_prune()
        stored = prepare_turn(turn, self.settings.max_text_chars)
        keep = self.settings.max_turns_per_chat
        turn_id, conversation = await self._write_chat(
            turn.chat_key, queries.insert_turn, stored, keep
        )
        if turn_id is not None:  # None: this message's turn was stored before
            self._cache.appended(replace(stored, id=turn_id, conversation=conversation))

    async def recent_turns(self, chat_key: str, limit: int) -> list[Turn]:
        if limit <= 0:
            return []
        cached = self._cache.get(chat_key, limit)
        if cached is not None:
            self._check_freshness()
            return cached
        version = self._cache.version(chat_key)
        turns = await self._read(queries.recent_turns, chat_key, limit)
        self._cache.fill(chat_key, turns, limit, version)
        return turns

    async def all_turns(self, chat_key: str) -> list[Turn]:
        sql = f"SELECT {queries.COLUMNS} FROM turns WHERE chat_key = ? ORDER BY id"
        return await self._read(queries.select_turns, sql, (chat_key,))

    async def chat_keys(self) -> list[str]:
        return await self._read(queries.chat_keys)

    async def review_turns(self) -> list[tuple[Turn, int]]:
        return await self._read(queries.review_turns)

    async def reset(self, chat_key: str) -> None:
        await self._write_chat(chat_key, queries.reset, chat_key)
        self._cache.reset(chat_key)

    async def forget_user(self, chat_key: str, user_id: str) -> int:
        deleted = await self._write_chat(chat_key, queries.forget_user, chat_key, user_id)
        self._cache.drop(chat_key)
        return deleted

    async def set_feedback(self, chat_key: str, turn_id: int, user_id: str, value: int) -> bool:
        now = self.clock()
        return await self._write(queries.set_feedback, chat_key, turn_id, user_id, value, now)

    async def feedback(self, chat_key: str) -> dict[int, int]:
        return await self._read(queries.feedback, chat_key)

    async def prune(self, before: float) -> int:
        try:
            return await self._write(queries.prune, before)
        finally:
            self._cache.clear()  # even if cancelled: the delete may have committed

    async def _maybe_prune(self, force: bool = False) -> None:
        """Retention runs on open and then every ``prune_interval_seconds`` of writing."""
        retention = self.settings.retention_seconds
        now = self.clock()
        if retention is None or (not force and now - self._last_prune < self._interval):
            return
        self._last_prune = now
        await self.prune(now - retention)

    @property
    def _interval(self) -> float:
        return self.settings.prune_interval_seconds

    # --- settings, strikes, mutes ----------------------------------------------------------

    async def get_setting(self, chat_key: str, key: str) -> str | None:
        sql = "SELECT value FROM settings WHERE chat_key = ? AND key = ?"
        return await self._read(queries.scalar, sql, (chat_key, key), None)

    async def set_setting(self, chat_key: str, key: str, value: str | None) -> None:
        await self._write(queries.set_setting, chat_key, key, value)

    async def add_strike(self, chat_key: str, user_id: str, at: float) -> None:
        sql = "INSERT INTO strikes (chat_key, user_id, at) VALUES (?, ?, ?)"
        await self._write(queries.execute, sql, (chat_key, user_id, at))

    async def count_strikes(self, chat_key: str, user_id: str, since: float) -> int:
        sql = "SELECT count(*) FROM strikes WHERE chat_key = ? AND user_id = ? AND at >= ?"
        return await self._read(queries.scalar, sql, (chat_key, user_id, since), 0)

    async def set_muted_until(self, chat_key: str, user_id: str, until: float) -> None:
        sql = "INSERT OR REPLACE INTO mutes (chat_key, user_id, until) VALUES (?, ?, ?)"
        await self._write(queries.execute, sql, (chat_key, user_id, until))

    async def muted_until(self, chat_key: str, user_id: str) -> float:
        sql = "SELECT until FROM mutes WHERE chat_key = ? AND user_id = ?"
        return float(await self._read(queries.scalar, sql, (chat_key, user_id), 0.0))


def build_sqlite_store(settings: SqliteSettings, runtime: Any) -> SqliteStore:
    path = settings.path or Path(runtime.data_dir) / "conversations.db"
    return SqliteStore(Path(path).expanduser(), settings)
