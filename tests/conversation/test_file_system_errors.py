"""The data folder and the conversation database in bad states (issue #17 rows 7 and 9): one
line naming the path and what to do, the documented exit code, nothing changed or lost."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chatcore.errors import StoreError
from chatcore.testing import ChatHarness, make_runtime

CHATCORE = str(Path(sys.executable).with_name("chatcore"))


def _ask(home: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    config = tmp_path / "bot.yaml"
    config.write_text("responders: [fallback]\n", encoding="utf-8")
    return subprocess.run(
        [CHATCORE, "ask", "--chat", "c1", "hello", "-c", str(config)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        env={**os.environ, "CHATCORE_HOME": str(home)},
    )


def _one_clear_line(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == StoreError.exit_code, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("chatcore: error: "), result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_a_data_dir_that_is_a_file(tmp_path):
    home = tmp_path / "home"
    home.write_text("not a folder", encoding="utf-8")
    _one_clear_line(_ask(home, tmp_path), str(home), "in the way of a folder")
    assert home.read_text(encoding="utf-8") == "not a folder"


def test_a_dangling_symlink_as_home(tmp_path):
    home = tmp_path / "home"
    home.symlink_to(tmp_path / "gone")
    _one_clear_line(_ask(home, tmp_path), str(home), "broken link")


def test_a_data_dir_that_cannot_be_created(tmp_path):
    _one_clear_line(_ask(Path("/proc/chatcore-home"), tmp_path), "/proc/chatcore-home")


def test_a_truncated_database_is_refused_and_left_as_it_was(tmp_path):
    home = tmp_path / "home"
    assert _ask(home, tmp_path).returncode == 0  # a database with a turn in it
    database = home / "conversations.db"
    content = database.read_bytes()[:4096]  # the header page survives, the rest is gone
    database.write_bytes(content)
    _one_clear_line(_ask(home, tmp_path), str(database), "damaged", "move it aside")
    assert database.read_bytes() == content


async def test_a_full_disk_still_answers_and_says_so_in_one_line(tmp_path, caplog):
    """SQLite's page limit gives the same SQLITE_FULL error as a full disk."""
    runtime = make_runtime(
        {"data_dir": str(tmp_path), "responders": ["fallback"], "store": "sqlite"}
    )
    async with runtime.build_engine() as engine:
        chat = ChatHarness(engine)
        await chat.say("hello")
        writer = engine.store._writer
        pages = (await writer.run(writer.conn.execute, "PRAGMA page_count")).fetchone()[0]
        await writer.run(writer.conn.execute, f"PRAGMA max_page_count = {pages}")
        with caplog.at_level(logging.ERROR):
            reply = await chat.say("x" * 20000)  # needs new pages
        assert reply.kind != "error" and "went wrong" not in reply.text
        lost = [r for r in caplog.records if "could not store a turn" in r.getMessage()]
        assert len(lost) == 1 and lost[0].exc_info is None
        assert "full" in lost[0].getMessage()
        await writer.run(writer.conn.execute, "PRAGMA max_page_count = 1073741823")
        await chat.say("space again")
        texts = [t.user_text for t in await engine.store.recent_turns("test:chat", 10)]
        assert texts == ["hello", "space again"]


@pytest.mark.parametrize("errno_name", ["EACCES", "ENOSPC", "EROFS"])
def test_each_file_system_problem_says_what_to_do(errno_name):
    import errno

    from chatcore.errors import file_system_problem

    code = getattr(errno, errno_name)
    line = file_system_problem(OSError(code, os.strerror(code), "/srv/bot"))
    assert line.startswith("/srv/bot: ") and "; " in line
