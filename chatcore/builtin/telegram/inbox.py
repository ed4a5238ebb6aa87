"""The durable inbox: every update is written to SQLite before Telegram is told it arrived,
and marked done after the reply is sent, so a crash loses nothing and repeats nothing.

python-telegram-bot confirms an update (the next getUpdates offset, or the webhook's 200)
right after ``update_queue.put``; ``DurableUpdateQueue.put`` commits the update first.
Writes are synchronous on purpose: no await between the commit and the enqueue, so a
cancellation cannot separate them. WAL keeps each write well under a millisecond.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

from chatcore.errors import ChatcoreError

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS telegram_inbox (
    update_id   INTEGER PRIMARY KEY,
    raw         TEXT NOT NULL,
    received_at REAL NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    done_at     REAL,
    outcome     TEXT
);
CREATE INDEX IF NOT EXISTS telegram_inbox_pending ON telegram_inbox (done_at, update_id);
"""
KEEP_DONE_SECONDS = 7 * 24 * 3600  # long enough to recognise any redelivery


class Inbox:
    """One SQLite file owned by the Telegram frontend (table ``telegram_inbox``)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None

    def open(self) -> Inbox:
        try:
            self._db = self._connect()
        except (OSError, sqlite3.Error) as exc:
            raise ChatcoreError(f"cannot open the Telegram inbox {self.path}: {exc}") from None
        return self

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes
        db.executescript(SCHEMA)
        db.execute(
            "DELETE FROM telegram_inbox WHERE done_at < ?", (time.time() - KEEP_DONE_SECONDS,)
        )
        return db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the Telegram inbox is not open")
        return self._db

    def record(self, update_id: int, raw: str) -> bool:
        """Store an update; False when it is already known and done (a redelivery)."""
        inserted = self.db.execute(
            "INSERT OR IGNORE INTO telegram_inbox (update_id, raw, received_at) VALUES (?, ?, ?)",
            (update_id, raw, time.time()),
        ).rowcount
        if inserted:
            return True
        row = self.db.execute(
            "SELECT done_at FROM telegram_inbox WHERE update_id = ?", (update_id,)
        ).fetchone()
        return row is not None and row[0] is None

    def begin(self, update_id: int) -> int:
        """Count one more processing attempt; returns the attempt number."""
        self.db.execute(
            "UPDATE telegram_inbox SET attempts = attempts + 1 WHERE update_id = ?", (update_id,)
        )
        row = self.db.execute(
            "SELECT attempts FROM telegram_inbox WHERE update_id = ?", (update_id,)
        ).fetchone()
        return row[0] if row else 1

    def finish(self, update_id: int, outcome: str) -> None:
        """Mark an update done: answered, ignored, undeliverable or given up."""
        self.db.execute(
            "UPDATE telegram_inbox SET done_at = ?, outcome = ? WHERE update_id = ?",
            (time.time(), outcome, update_id),
        )

    def unfinished(self) -> list[tuple[int, dict[str, Any]]]:
        """Updates received but not done, oldest first: answer these on start."""
        rows = self.db.execute(
            "SELECT update_id, raw FROM telegram_inbox WHERE done_at IS NULL ORDER BY update_id"
        ).fetchall()
        return [(update_id, json.loads(raw)) for update_id, raw in rows]

    def outcomes(self) -> dict[int, str | None]:
        """update_id -> outcome (None while pending), for tests and operators."""
        rows = self.db.execute("SELECT update_id, outcome FROM telegram_inbox").fetchall()
        return dict(rows)


class DurableUpdateQueue(asyncio.Queue):
    """The Application's update queue: commits each update to the inbox before it is
    queued (and thus before it is confirmed), and drops updates already done or queued."""

    def __init__(self, inbox: Inbox):
        super().__init__()
        self.inbox = inbox
        self.in_flight: set[int] = set()

    async def put(self, item: Any) -> None:
        update_id = getattr(item, "update_id", None)
        if isinstance(update_id, int) and hasattr(item, "to_json"):
            if not self.inbox.record(update_id, item.to_json()) or update_id in self.in_flight:
                log.debug("update %s is a redelivery; already handled or queued", update_id)
                return
            self.in_flight.add(update_id)
        self.put_nowait(item)

    def replay(self, item: Any) -> None:
        """Queue an update read back from the inbox (it is stored already)."""
        if item.update_id not in self.in_flight:
            self.in_flight.add(item.update_id)
            self.put_nowait(item)

    def finish(self, update_id: int, outcome: str | None) -> None:
        """Processing ended: record the outcome (None keeps it pending for the next start)."""
        if outcome is not None:
            self.inbox.finish(update_id, outcome)
        self.in_flight.discard(update_id)
