"""The taught log: every change an operator made, in order, with who and when.

What the bot knows beyond its model is the fold of the log (``Knowledge``): taught items (one
answer, one or more questions) and overrides of the model's answer classes (a new text, or
deleted: the bot falls back instead). Nothing is ever rewritten: an undo is a change that
cancels an earlier one, so the history stays whole and exportable. The log lives in SQLite
beside the conversations (one machine) or in Redis (several workers); a process follows it by
reading only the changes after the last it saw.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from chatcore.errors import StoreError

OPS = ("add", "question", "edit", "delete", "undo")
FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "op": str,
    "target": str,
    "question": (str, type(None)),
    "answer": (str, type(None)),
    "undoes": (int, type(None)),
    "original": (str, type(None)),
    "who": str,
    "at": (int, float),
    "seq": int,
}
log = logging.getLogger(__name__)
TAUGHT = "taught:"  # a taught item's target prefix
ANSWER = "answer:"  # a model answer's target prefix: the hash of the answer's text, so an
# edit or deletion still finds its answer after retraining on the same data


@dataclass(frozen=True)
class Change:
    """One change: ``add`` a taught item (question, answer); ``question``: one more question
    for a target; ``edit`` a target's answer; ``delete`` a target; ``undo`` change ``undoes``."""

    op: str
    target: str
    question: str | None = None
    answer: str | None = None
    undoes: int | None = None
    original: str | None = None  # a model answer's text, for its edit or deletion
    who: str = ""
    at: float = field(default_factory=time.time)
    seq: int = 0  # assigned by the log

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Change:
        """A change from its JSON form; ValueError naming the field when it is not one (a
        bad line of an import must not reach the log, where every bot would trip on it)."""
        if not isinstance(data, dict):
            raise ValueError("a change is a JSON object")
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        for name, kinds in FIELD_TYPES.items():
            if name in known and not isinstance(known[name], kinds):
                raise ValueError(f"{name!r} has the wrong type")
            if isinstance(known.get(name), bool):
                raise ValueError(f"{name!r} has the wrong type")
        if known.get("op") not in OPS or not known.get("target"):
            raise ValueError("'op' must be one of " + ", ".join(OPS) + " and 'target' given")
        return cls(**known)


def new_item_target() -> str:
    return TAUGHT + secrets.token_hex(4)


def answer_target(answer: str) -> str:
    """The target naming a model answer (its class's first answer text)."""
    return ANSWER + hashlib.sha256(answer.encode("utf-8")).hexdigest()[:12]


@dataclass
class Item:
    """What the fold knows of one target."""

    target: str
    questions: list[str] = field(default_factory=list)
    answer: str | None = None  # None for a model class whose text was not edited
    deleted: bool = False
    original: str | None = None  # the model's answer this item overrides
    changed_by: str = ""
    changed_at: float = 0.0

    @property
    def taught(self) -> bool:
        return self.target.startswith(TAUGHT)


@dataclass
class Knowledge:
    """The log folded: taught items and overrides of model classes, by target."""

    items: dict[str, Item] = field(default_factory=dict)
    version: int = 0  # the last change folded in

    @classmethod
    def fold(cls, changes: Iterable[Change]) -> Knowledge:
        changes = list(changes)
        undone = {c.undoes for c in changes if c.op == "undo"}
        knowledge = cls(version=max((c.seq for c in changes), default=0))
        for change in changes:
            if change.op != "undo" and change.seq not in undone:
                knowledge._apply(change)
        return knowledge

    def _apply(self, change: Change) -> None:
        item = self.items.setdefault(change.target, Item(change.target))
        item.changed_by, item.changed_at = change.who, change.at
        item.original = change.original or item.original
        if change.op == "add":
            item.questions, item.answer = [change.question or ""], change.answer
            item.deleted = False
        elif change.op == "question" and change.question:
            item.questions.append(change.question)
        elif change.op == "edit":
            item.answer, item.deleted = change.answer, False
        elif change.op == "delete":
            item.deleted = True

    def taught(self) -> list[Item]:
        """Taught items still in force, oldest first."""
        return [i for i in self.items.values() if i.taught and not i.deleted and i.answer]

    def override(self, answer: str) -> Item | None:
        """The edit or deletion of the model answer whose class's first answer this is."""
        return self.items.get(answer_target(answer)) if self.items else None


class TaughtLog(Protocol):
    """Where the changes live; ``append`` is atomic and returns the change's number."""

    def append(self, change: Change) -> int: ...

    def since(self, seq: int) -> list[Change]: ...

    def version(self) -> int: ...

    def close(self) -> None: ...


class SqliteTaughtLog:
    """The log in an SQLite file (WAL: readers never wait for the writer). One connection,
    used from worker threads one call at a time (the lock), never two at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, timeout=10, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                "data TEXT NOT NULL)"
            )
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: not a taught-answers database ({exc})") from exc

    def append(self, change: Change) -> int:
        data = change.to_dict()
        data.pop("seq")
        with self._lock, self._errors(), self._db:  # one transaction: whole or absent
            cursor = self._db.execute("INSERT INTO changes (data) VALUES (?)", (json.dumps(data),))
        return int(cursor.lastrowid or 0)

    def since(self, seq: int) -> list[Change]:
        with self._lock, self._errors():
            rows = self._db.execute(
                "SELECT seq, data FROM changes WHERE seq > ? ORDER BY seq", (seq,)
            ).fetchall()
        return _parsed((n, data) for n, data in rows)

    def version(self) -> int:
        with self._lock, self._errors():
            row = self._db.execute("SELECT max(seq) FROM changes").fetchone()
        return int(row[0] or 0)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite's errors (locked, disk full, corrupt) as one line naming the file."""
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: {exc}") from exc


class RedisTaughtLog:
    """The log in a Redis list shared by every worker: a change's number is its position + 1
    (RPUSH returns it atomically), so ``since`` is one LRANGE."""

    def __init__(self, url: str, key_prefix: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._key = f"{key_prefix}taught:log"
        self._where = url.rsplit("@", 1)[-1]  # never the password

    def append(self, change: Change) -> int:
        data = change.to_dict()
        data.pop("seq")
        with self._errors():
            return int(self._redis.rpush(self._key, json.dumps(data)))

    def since(self, seq: int) -> list[Change]:
        with self._errors():
            rows = self._redis.lrange(self._key, seq, -1)
        return _parsed((seq + n + 1, raw) for n, raw in enumerate(rows))

    def version(self) -> int:
        with self._errors():
            return int(self._redis.llen(self._key))

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        import redis

        try:
            yield
        except redis.RedisError as exc:
            raise StoreError(f"the taught log in Redis ({self._where}): {exc}") from exc

    def close(self) -> None:
        self._redis.close()


def _parsed(rows: Iterable[tuple[int, str | bytes]]) -> list[Change]:
    """Changes of stored rows; a row that is not one (written by hand, or by a bug) is logged
    and skipped, so it cannot stop every bot from reading the changes after it."""
    changes = []
    for seq, raw in rows:
        try:
            changes.append(Change.from_dict({**json.loads(raw), "seq": seq}))
        except (ValueError, TypeError) as exc:
            log.warning("taught change %d skipped: %s", seq, exc)
    return changes
