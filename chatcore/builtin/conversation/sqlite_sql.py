"""The SQL of the sqlite store. Every function here runs on one of the store's worker threads,
with that thread's connection; none of them touches the event loop."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from chatcore.store import Turn

T = TypeVar("T")
COLUMNS = (
    "chat_key, user_id, user_text, reply_text, confidence, fallback, source, verdicts, "
    "language, truncated, created_at, conversation, id, message_id"
)


def transaction(conn: sqlite3.Connection, func: Callable[..., T], *args: Any) -> tuple[T, int]:
    """One write = one transaction: all of it is committed, or none of it. Also returns the
    data version seen inside it (it changes only when *another* connection commits)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        result = func(conn, *args)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back already (e.g. disk full)
            conn.execute("ROLLBACK")
        raise
    return result, version


def data_version(conn: sqlite3.Connection) -> int:
    """Changes whenever *another* connection (e.g. another process) commits."""
    return conn.execute("PRAGMA data_version").fetchone()[0]


def execute(conn: sqlite3.Connection, sql: str, params: tuple) -> None:
    conn.execute(sql, params)


def scalar(conn: sqlite3.Connection, sql: str, params: tuple, default: Any) -> Any:
    row = conn.execute(sql, params).fetchone()
    return default if row is None or row[0] is None else row[0]


def current_conversation(conn: sqlite3.Connection, chat_key: str) -> int:
    sql = "SELECT conversation FROM chats WHERE chat_key = ?"
    return scalar(conn, sql, (chat_key,), 0)


def insert_turn(conn: sqlite3.Connection, turn: Turn, keep: int) -> tuple[int | None, int]:
    """Insert a turn and trim the chat to ``keep`` turns; returns its id (None when its
    message id was already stored in the chat: nothing was written) and its conversation."""
    conversation = current_conversation(conn, turn.chat_key)
    cursor = conn.execute(
        "INSERT INTO turns (chat_key, conversation, user_id, user_text, reply_text, confidence,"
        " fallback, source, verdicts, language, truncated, created_at, message_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (chat_key, message_id) WHERE message_id IS NOT NULL DO NOTHING",
        (
            turn.chat_key,
            conversation,
            turn.user_id,
            turn.user_text,
            turn.reply_text,
            float(turn.confidence),
            int(turn.fallback),
            turn.source,
            json.dumps(turn.verdicts, ensure_ascii=False, default=str),
            turn.language,
            int(turn.truncated),
            float(turn.created_at),
            turn.message_id,
        ),
    )
    if cursor.rowcount == 0:
        return None, conversation
    conn.execute(
        "DELETE FROM turns WHERE chat_key = ?1 AND id <= (SELECT id FROM turns"
        " WHERE chat_key = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
        (turn.chat_key, keep),
    )
    return cursor.lastrowid, conversation


def row_to_turn(row: tuple) -> Turn:
    return Turn(
        chat_key=row[0],
        user_id=row[1],
        user_text=row[2],
        reply_text=row[3],
        confidence=row[4],
        fallback=bool(row[5]),
        source=row[6],
        verdicts=json.loads(row[7]),
        language=row[8],
        truncated=bool(row[9]),
        created_at=row[10],
        conversation=row[11],
        id=row[12],
        message_id=row[13],
    )


def select_turns(conn: sqlite3.Connection, sql: str, params: tuple) -> list[Turn]:
    return [row_to_turn(row) for row in conn.execute(sql, params)]


def recent_turns(conn: sqlite3.Connection, chat_key: str, limit: int) -> list[Turn]:
    conn.execute("BEGIN")  # one snapshot for both queries
    try:
        current = current_conversation(conn, chat_key)
        sql = (
            f"SELECT {COLUMNS} FROM turns WHERE chat_key = ? AND conversation = ?"
            " ORDER BY id DESC LIMIT ?"
        )
        turns = select_turns(conn, sql, (chat_key, current, limit))
    finally:
        conn.execute("COMMIT")
    return turns[::-1]


def chat_keys(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT DISTINCT chat_key FROM turns ORDER BY chat_key")]


def reset(conn: sqlite3.Connection, chat_key: str) -> None:
    conn.execute(
        "INSERT INTO chats (chat_key, conversation) VALUES (?, 1)"
        " ON CONFLICT (chat_key) DO UPDATE SET conversation = conversation + 1",
        (chat_key,),
    )


def forget_user(conn: sqlite3.Connection, chat_key: str, user_id: str) -> int:
    conn.execute(  # verdicts on the user's turns (whoever gave them), before the turns go
        "DELETE FROM feedback WHERE chat_key = ?1 AND turn_id IN"
        " (SELECT id FROM turns WHERE chat_key = ?1 AND user_id = ?2)",
        (chat_key, user_id),
    )
    deleted = conn.execute(
        "DELETE FROM turns WHERE chat_key = ? AND user_id = ?", (chat_key, user_id)
    ).rowcount
    for table in ("strikes", "mutes", "feedback"):
        conn.execute(f"DELETE FROM {table} WHERE chat_key = ? AND user_id = ?", (chat_key, user_id))
    return deleted


def set_setting(conn: sqlite3.Connection, chat_key: str, key: str, value: str | None) -> None:
    if value is None:
        conn.execute("DELETE FROM settings WHERE chat_key = ? AND key = ?", (chat_key, key))
    else:
        conn.execute(
            "INSERT OR REPLACE INTO settings (chat_key, key, value) VALUES (?, ?, ?)",
            (chat_key, key, value),
        )


def prune(conn: sqlite3.Connection, before: float) -> int:
    """Old turns and strikes go; a mute is kept until it is as old (the engine counts strikes
    only since the last mute, so an ended mute still matters for a while)."""
    deleted = conn.execute("DELETE FROM turns WHERE created_at < ?", (before,)).rowcount
    conn.execute("DELETE FROM strikes WHERE at < ?", (before,))
    conn.execute("DELETE FROM mutes WHERE until < ?", (before,))
    conn.execute("DELETE FROM feedback WHERE turn_id NOT IN (SELECT id FROM turns)")
    return deleted


def set_feedback(
    conn: sqlite3.Connection, chat_key: str, turn_id: int, user_id: str, value: int, at: float
) -> bool:
    found = conn.execute(
        "SELECT 1 FROM turns WHERE chat_key = ? AND id = ?", (chat_key, turn_id)
    ).fetchone()
    if found is None:
        return False
    conn.execute(
        "INSERT INTO feedback (chat_key, turn_id, user_id, value, at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (chat_key, turn_id) DO UPDATE SET"
        " user_id = excluded.user_id, value = excluded.value, at = excluded.at",
        (chat_key, turn_id, user_id, value, at),
    )
    return True


def feedback(conn: sqlite3.Connection, chat_key: str) -> dict[int, int]:
    rows = conn.execute(
        "SELECT f.turn_id, f.value FROM feedback f JOIN turns t"
        " ON t.id = f.turn_id AND t.chat_key = f.chat_key"
        " WHERE f.chat_key = ? AND f.value != 0",
        (chat_key,),
    )
    return dict(rows.fetchall())


def review_turns(conn: sqlite3.Connection) -> list[tuple[Turn, int]]:
    """Turns that fell back or carry a verdict, with it (0: none), in one query."""
    columns = ", ".join(f"t.{c.strip()}" for c in COLUMNS.split(","))
    rows = conn.execute(
        f"SELECT {columns}, coalesce(f.value, 0) FROM turns t LEFT JOIN feedback f"
        " ON f.turn_id = t.id AND f.chat_key = t.chat_key"
        " WHERE t.fallback = 1 OR coalesce(f.value, 0) != 0 ORDER BY t.id"
    )
    return [(row_to_turn(row[:-1]), int(row[-1])) for row in rows]
