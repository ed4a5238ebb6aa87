"""The SQLite schema: identity check, version table and forward migrations.

A chatcore database carries ``PRAGMA application_id`` = ``APPLICATION_ID`` and a
``schema_version`` table. A fresh file is built by running every migration from version 0, so
the migration path is exercised on every new database, not only on upgrades.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from chatcore.builtin.conversation.errors import NotAChatcoreDatabase
from chatcore.errors import StoreError

APPLICATION_ID = 0x63686174  # "chat"
SQLITE_HEADER = b"SQLite format 3\x00"

V1 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (0);
CREATE TABLE turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_key TEXT NOT NULL,
    conversation INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    user_text TEXT NOT NULL,
    reply_text TEXT NOT NULL,
    confidence REAL NOT NULL,
    fallback INTEGER NOT NULL,
    source TEXT NOT NULL,
    verdicts TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX turns_by_chat ON turns (chat_key, id);
CREATE TABLE chats (chat_key TEXT PRIMARY KEY, conversation INTEGER NOT NULL DEFAULT 0);
CREATE TABLE settings (
    chat_key TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (chat_key, key)
);
CREATE TABLE strikes (chat_key TEXT NOT NULL, user_id TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE mutes (
    chat_key TEXT NOT NULL, user_id TEXT NOT NULL, until REAL NOT NULL,
    PRIMARY KEY (chat_key, user_id)
);
"""

# v2: turns remember their language and whether a text was truncated; indexes for retention
# pruning, /forget and strike counting.
V2 = """
ALTER TABLE turns ADD COLUMN language TEXT;
ALTER TABLE turns ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0;
CREATE INDEX turns_by_age ON turns (created_at);
CREATE INDEX turns_by_user ON turns (chat_key, user_id);
CREATE INDEX strikes_by_user ON strikes (chat_key, user_id, at);
"""

# v3: turns remember their message id; a chat stores one turn per message id (a message
# processed twice, e.g. re-run after a crash, is stored once).
V3 = """
ALTER TABLE turns ADD COLUMN message_id TEXT;
CREATE UNIQUE INDEX turns_by_message ON turns (chat_key, message_id)
    WHERE message_id IS NOT NULL;
"""

# v4: users' verdicts on answers (👍/👎, /good /bad), one per turn, the last one counting.
V4 = """
CREATE TABLE feedback (
    chat_key TEXT NOT NULL, turn_id INTEGER NOT NULL, user_id TEXT NOT NULL,
    value INTEGER NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (chat_key, turn_id)
);
"""

# target version -> script from the one before
MIGRATIONS: dict[int, str] = {1: V1, 2: V2, 3: V3, 4: V4}
LATEST = max(MIGRATIONS)


def check_file(path: Path) -> None:
    """Refuse, without touching it, anything at ``path`` that cannot be a SQLite database."""
    if path.is_dir():
        raise StoreError(f"{path}: is a directory; the sqlite store needs a database file path")
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise NotAChatcoreDatabase(
            f"{path}: not a chatcore database (not even a SQLite file); refusing to open or "
            "overwrite it. Point sqlite.path at another file or move this one away."
        )


def migrate(conn: sqlite3.Connection, path: Path) -> int:
    """Bring the database to ``LATEST`` in one transaction per step; returns the old version.
    Refuses foreign SQLite databases and ones written by a newer chatcore."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _version(conn, path)
        for target in range(version + 1, LATEST + 1):
            _apply(conn, target)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back already (e.g. disk full)
            conn.execute("ROLLBACK")
        raise
    return version


def _apply(conn: sqlite3.Connection, target: int) -> None:
    for statement in _statements(MIGRATIONS[target]):
        conn.execute(statement)
    conn.execute("UPDATE schema_version SET version = ?", (target,))
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def _statements(script: str) -> list[str]:
    """Split a migration script; ``executescript`` would commit our transaction."""
    return [s.strip() for s in script.split(";") if s.strip()]


def _version(conn: sqlite3.Connection, path: Path) -> int:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    if app_id == 0 and not tables:
        return 0  # a new, empty database
    if app_id != APPLICATION_ID or "schema_version" not in tables:
        shown = ", ".join(sorted(tables)[:8]) or "none"
        raise NotAChatcoreDatabase(
            f"{path}: a SQLite database, but not a chatcore one (application_id {app_id:#x}, "
            f"tables: {shown}); refusing to change it. Point sqlite.path at another file."
        )
    version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0
    if version > LATEST:
        raise StoreError(
            f"{path}: schema version {version} was written by a newer chatcore (this one "
            f"knows up to {LATEST}); upgrade chatcore to open it"
        )
    return version


def upgrade(conn: sqlite3.Connection, path: Path) -> int:
    """``migrate`` with SQLite's own errors (corrupt file, locked, ...) made readable."""
    return _readable(path, lambda: migrate(conn, path))


def _readable(path: Path, func: Callable[[], int]) -> int:
    try:
        return func()
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) or "malformed" in str(exc):
            raise NotAChatcoreDatabase(
                f"{path}: cannot be read as a chatcore database ({exc}); refusing to change it"
            ) from exc
        raise StoreError(f"{path}: {exc}") from exc
