"""The SQLite file itself: WAL, schema version and migrations, refusing files that are not
ours without touching them, retention on open, and wiring from the config."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest

from chatcore.builtin.conversation.errors import NotAChatcoreDatabase
from chatcore.builtin.conversation.sqlite import SqliteSettings, SqliteStore
from chatcore.builtin.conversation.sqlite_schema import APPLICATION_ID, LATEST
from chatcore.errors import ChatcoreError, ConfigError, StoreError
from chatcore.store import Turn
from chatcore.testing import make_runtime

FIXTURES = Path(__file__).parent / "fixtures"


def make_v1_database(path: Path, now: float) -> None:
    script = (FIXTURES / "v1.sql").read_text(encoding="utf-8").replace("{now}", repr(now))
    with sqlite3.connect(path) as conn:
        conn.executescript(script)
    conn.close()


def pragma(path: Path, name: str):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


async def test_new_database_is_wal_versioned_and_marked_as_ours(tmp_path):
    path = tmp_path / "deep" / "dir" / "conversations.db"
    store = SqliteStore(path)
    await store.open()
    await store.append_turn(Turn("t:1", "u", "hi", "hello"))
    assert pragma(path, "journal_mode") == "wal"
    assert pragma(path, "application_id") == APPLICATION_ID
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [(LATEST,)]
    conn.close()
    await store.close()


async def test_v1_database_is_migrated_keeping_everything(tmp_path):
    path = tmp_path / "old.db"
    now = time.time()
    make_v1_database(path, now)
    store = SqliteStore(path)
    await store.open()

    history = await store.all_turns("telegram:42")
    assert [(t.user_text, t.conversation, t.fallback) for t in history] == [
        ("hello", 0, False),
        ("what is AI?", 0, True),
        ("你好", 1, False),
    ]
    assert history[2].verdicts == [
        {"action": "flag", "category": "spam", "filter": "links", "snippet": ""}
    ]
    assert all(t.language is None and t.truncated is False for t in history)
    assert [t.user_text for t in await store.recent_turns("telegram:42", 5)] == ["你好"]
    assert await store.get_setting("telegram:42", "lang") == "zh"
    assert await store.count_strikes("telegram:42", "7", now - 60) == 1

    await store.append_turn(Turn("telegram:42", "7", "again", "yes", language="zh"))
    (last,) = await store.recent_turns("telegram:42", 1)
    assert (last.user_text, last.language, last.conversation) == ("again", "zh", 1)
    await store.close()

    conn = sqlite3.connect(path)
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [(LATEST,)]
    columns = {row[1] for row in conn.execute("PRAGMA table_info(turns)")}
    assert {"language", "truncated"} <= columns
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    reopened = SqliteStore(path)  # a migrated file opens again as it is
    assert len(await reopened.all_turns("telegram:42")) == 4
    await reopened.close()


@pytest.mark.parametrize(
    "content",
    [b"name,age\nada,36\n", b"\x00\x01\x02binary" * 100, b"SQLite format 2\x00 almost"],
    ids=["csv", "binary", "almost-sqlite"],
)
async def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path, content):
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    store = SqliteStore(path)
    with pytest.raises(NotAChatcoreDatabase) as caught:
        await store.open()
    assert isinstance(caught.value, ChatcoreError)
    assert str(path) in str(caught.value) and "not a chatcore database" in str(caught.value)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


async def test_another_programs_sqlite_database_is_refused_untouched(tmp_path):
    path = tmp_path / "app.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices (total) VALUES (9.5)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(NotAChatcoreDatabase) as caught:
        await SqliteStore(path).open()
    message = str(caught.value)
    assert str(path) in message and "not a chatcore one" in message and "invoices" in message
    assert path.read_bytes() == before
    assert pragma(path, "journal_mode") == "delete"  # WAL was never switched on


async def test_a_database_from_a_newer_chatcore_is_refused(tmp_path):
    path = tmp_path / "future.db"
    store = SqliteStore(path)
    await store.open()
    await store.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = ?", (LATEST + 1,))
    conn.commit()
    conn.close()
    expected = rf"{re.escape(str(path))}: schema version {LATEST + 1} .* newer"
    with pytest.raises(StoreError, match=expected):
        await SqliteStore(path).open()


async def test_a_directory_is_refused(tmp_path):
    with pytest.raises(StoreError, match=re.escape(f"{tmp_path}: is a directory")):
        await SqliteStore(tmp_path).open()


async def test_an_empty_file_becomes_a_database(tmp_path):
    path = tmp_path / "empty.db"
    path.touch()
    store = SqliteStore(path)
    await store.append_turn(Turn("t:1", "u", "hi", "hello"))  # opens on first use
    assert len(await store.recent_turns("t:1", 5)) == 1
    await store.close()


async def test_retention_prunes_on_open_and_then_periodically(tmp_path):
    path = tmp_path / "c.db"
    clock = [1_000_000.0]
    day = 86400.0
    forever = SqliteStore(path, SqliteSettings(retention_days=None), clock=lambda: clock[0])
    for days_ago in (100, 40, 10):
        at = clock[0] - days_ago * day
        await forever.append_turn(Turn("t:1", "u", f"{days_ago}", "", created_at=at))
    await forever.close()

    settings = SqliteSettings(retention_days=30, prune_interval_seconds=3600)
    store = SqliteStore(path, settings, clock=lambda: clock[0])
    await store.open()
    assert [t.user_text for t in await store.all_turns("t:1")] == ["10"]

    clock[0] += 25 * day  # the "10 days ago" turn is now 35 days old
    await store.append_turn(Turn("t:1", "u", "new", "", created_at=clock[0]))
    assert [t.user_text for t in await store.all_turns("t:1")] == ["new"]
    await store.close()


def test_the_default_path_is_in_the_data_dir_and_settings_are_validated(tmp_path):
    runtime = make_runtime({"store": "sqlite", "data_dir": str(tmp_path)})
    store = runtime.build("store", "sqlite")
    assert store.path == tmp_path / "conversations.db"
    custom = make_runtime({"store": "sqlite", "sqlite": {"path": str(tmp_path / "x.db")}})
    assert custom.build("store", "sqlite").path == tmp_path / "x.db"
    with pytest.raises(ConfigError, match=r"sqlite\.max_turns_per_chat"):
        make_runtime({"store": "sqlite", "sqlite": {"max_turns_per_chat": 0}})


async def test_a_turn_write_that_fails_half_way_leaves_nothing(tmp_path):
    path = tmp_path / "c.db"
    store = SqliteStore(path, SqliteSettings(max_turns_per_chat=2))
    for n in range(2):
        await store.append_turn(Turn("t:1", "u", f"q{n}", "a"))
    conn = sqlite3.connect(path)  # make the trim step (after the insert) fail
    conn.execute(
        "CREATE TRIGGER no_trim BEFORE DELETE ON turns BEGIN SELECT RAISE(ABORT, 'x'); END"
    )
    conn.commit()
    conn.close()
    with pytest.raises(sqlite3.DatabaseError):
        await store.append_turn(Turn("t:1", "u", "q2", "a"))
    assert [t.user_text for t in await store.all_turns("t:1")] == ["q0", "q1"]
    assert [t.user_text for t in await store.recent_turns("t:1", 5)] == ["q0", "q1"]
    await store.close()
