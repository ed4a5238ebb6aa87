"""``chatcore history``: show, export and prune, run as a separate process while the store is
open, against SQLite and Redis configs."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from chatcore.builtin.conversation.sqlite import SqliteStore
from chatcore.cli import build_cli
from chatcore.store import Turn

from .conftest import redis_store

CHATCORE = str(Path(sys.executable).with_name("chatcore"))


def sqlite_config(tmp_path: Path, path: Path | None = None) -> Path:
    db = path or tmp_path / "conversations.db"
    config = tmp_path / "bot.yaml"
    config.write_text(f"store: sqlite\nsqlite:\n  path: {db}\n", encoding="utf-8")
    return config


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(build_cli(), list(args), env=env, catch_exceptions=False)


async def fill(store, now: float) -> None:
    for days_ago, chat, text in ((40, "repl:local", "old"), (1, "repl:local", "recent")):
        await store.append_turn(
            Turn(chat, "me", text, f"re {text}", created_at=now - days_ago * 86400)
        )
    await store.append_turn(Turn("telegram:42", "7", "你好 👋", "hi", fallback=True))


async def test_a_second_process_reads_while_the_bot_writes(tmp_path):
    store = SqliteStore(tmp_path / "conversations.db")
    await fill(store, time.time())  # the store stays open, as in a running bot
    config = sqlite_config(tmp_path)

    async def history(*args: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            CHATCORE,
            "history",
            *args,
            "--config",
            str(config),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        return out.decode()

    shown = await history("--chat", "repl:local")
    assert shown.startswith("chat repl:local: 2 turn(s)\n")
    assert "  me: old\n  bot: re old  (confidence 1.00)" in shown
    await store.append_turn(Turn("repl:local", "me", "while open", "yes"))
    turns = json.loads(await history("--chat", "local", "--json"))  # a chat id is enough
    assert [t["user_text"] for t in turns] == ["old", "recent", "while open"]
    assert (await history("--chat", "telegram:42")).count("fallback") == 1
    await store.close()


def test_export_writes_every_turn_as_json_lines(tmp_path):
    store = SqliteStore(tmp_path / "conversations.db")
    asyncio.run(_fill_and_close(store))
    out = tmp_path / "exports" / "all.jsonl"
    result = invoke(
        "history", "export", "--out", str(out), "--config", str(sqlite_config(tmp_path))
    )
    assert result.exit_code == 0, result.output
    assert f"exported 3 turn(s) to {out}" in result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["chat_key"], r["user_text"]) for r in rows] == [
        ("repl:local", "old"),
        ("repl:local", "recent"),
        ("telegram:42", "你好 👋"),
    ]
    assert set(rows[0]) == set(Turn("a", "b", "c", "d").to_dict())
    assert sorted(p.name for p in out.parent.iterdir()) == ["all.jsonl"]  # no partial file


async def _fill_and_close(store) -> None:
    await fill(store, time.time())
    await store.close()


def test_prune_deletes_old_turns_and_rejects_bad_ages(tmp_path):
    store = SqliteStore(tmp_path / "conversations.db")
    asyncio.run(_fill_and_close(store))
    config = str(sqlite_config(tmp_path))
    bad = invoke("history", "prune", "--older-than", "a month", "--config", config)
    assert bad.exit_code == 2 and "invalid duration 'a month'" in bad.output

    result = invoke("history", "--config", config, "prune", "--older-than", "30d")
    assert result.exit_code == 0 and "pruned 1 turn(s) older than 30d" in result.output
    shown = json.loads(invoke("history", "--chat", "repl:local", "--json", "-c", config).output)
    assert [t["user_text"] for t in shown] == ["recent"]


def test_history_lists_the_chats_and_names_unknown_ones(tmp_path):
    config = str(sqlite_config(tmp_path))
    empty = invoke("history", "--config", config)
    assert empty.exit_code == 0 and "no stored chats" in empty.output
    store = SqliteStore(tmp_path / "conversations.db")
    asyncio.run(_fill_and_close(store))
    listed = invoke("history", "--config", config)
    assert listed.exit_code == 0 and "repl:local  2 turn(s), last " in listed.output
    rows = json.loads(invoke("history", "--json", "--config", config).stdout)
    assert [(r["chat"], r["turns"]) for r in rows] == [("telegram:42", 1), ("repl:local", 2)]
    unknown = invoke("history", "--chat", "nobody", "--config", config)
    assert unknown.exit_code == 0 and "no stored turns for chat 'nobody'" in unknown.output


def test_a_file_that_is_not_a_database_is_refused_with_its_path(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n", encoding="utf-8")
    result = invoke("history", "--chat", "x", "--config", str(sqlite_config(tmp_path, notes)))
    assert result.exit_code == 5
    assert f"chatcore: error: {notes}: not a chatcore database" in result.output
    assert notes.read_text(encoding="utf-8") == "my notes\n"


def test_history_reads_redis_with_the_url_from_the_environment(tmp_path, redis_url, redis_prefix):
    async def write() -> None:
        store = redis_store(redis_url, redis_prefix)
        await fill(store, time.time())
        await store.close()

    asyncio.run(write())
    config = tmp_path / "redis.yaml"
    config.write_text(
        f"store: redis\nredis:\n  url: ${{REDIS_URL}}\n  key_prefix: '{redis_prefix}'\n",
        encoding="utf-8",
    )
    result = invoke(
        "history",
        "--chat",
        "telegram:42",
        "--json",
        "-c",
        str(config),
        env={"REDIS_URL": redis_url},
    )
    assert result.exit_code == 0, result.output
    assert [t["user_text"] for t in json.loads(result.output)] == ["你好 👋"]


def test_redis_that_is_not_running_is_a_clear_error(tmp_path):
    config = tmp_path / "redis.yaml"
    config.write_text("store: redis\nredis:\n  url: redis://:hunter2@127.0.0.1:1/0\n")
    result = invoke("history", "--chat", "x", "-c", str(config))
    assert result.exit_code == 5
    assert "cannot reach redis://***@127.0.0.1:1/0" in result.output
    assert "hunter2" not in result.output


# C0 but newline and tab, DEL, C1, bidi embeddings/overrides/isolates, U+2028/9 (issue #17 row 4)
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
HOSTILE = "hi\x1b]0;pwned\x07 \x1b[2J \x9b31m \u202eflip"
FAKE_TURN = "ok\n[2020-01-01 00:00:00 UTC] #99 conversation 0\n  7: fake"


async def _fill_hostile(store) -> None:
    await store.append_turn(Turn("telegram:42", "7", HOSTILE, f"re {HOSTILE}"))
    await store.append_turn(Turn("telegram:42", "7", FAKE_TURN, "sure"))
    await store.close()


def test_history_shows_what_users_wrote_escaped_and_json_keeps_it_exact(tmp_path):
    asyncio.run(_fill_hostile(SqliteStore(tmp_path / "conversations.db")))
    config = str(sqlite_config(tmp_path))
    shown = invoke("history", "--chat", "telegram:42", "-c", config).output
    assert not RAW.search(shown), shown
    assert r"  7: hi\x1b]0;pwned\x07 \x1b[2J \x9b31m \u202eflip" in shown
    assert r"  bot: re hi\x1b]0;pwned\x07" in shown
    assert not any(line.startswith("[2020") for line in shown.splitlines())  # no fake turn
    assert "\n      [2020-01-01 00:00:00 UTC] #99" in shown
    for args in (["--chat", "telegram:42", "--json"], ["--json"]):
        as_json = invoke("history", *args, "-c", config).output
        assert not RAW.search(as_json), as_json
    turns = json.loads(invoke("history", "--chat", "42", "--json", "-c", config).output)
    assert [t["user_text"] for t in turns] == [HOSTILE, FAKE_TURN]
    out = tmp_path / "all.jsonl"
    assert invoke("history", "export", "--out", str(out), "-c", config).exit_code == 0
    exported = out.read_text(encoding="utf-8")
    assert not RAW.search(exported)
    replies = [json.loads(line)["reply_text"] for line in exported.splitlines()]
    assert replies == [f"re {HOSTILE}", "sure"]


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("CHATCORE_HOME", str(tmp_path / "home"))
