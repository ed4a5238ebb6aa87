"""kill -9 in the middle of writing: the file stays intact and nothing acknowledged is lost."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from chatcore.builtin.conversation.sqlite import SqliteStore

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from crash_writer import expected  # noqa: E402


def write_until_killed(path: Path, run: str, acks_before_kill: int) -> list[int]:
    """Start the writer, SIGKILL it after some acks, return every ack it printed."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path])}
    child = subprocess.Popen(
        [sys.executable, str(HERE / "crash_writer.py"), str(path), run],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    acked: list[int] = []
    try:
        for line in child.stdout:  # read on to EOF: acks printed before the kill still count
            acked.append(int(line.split()[1]))
            if len(acked) == acks_before_kill:
                os.kill(child.pid, signal.SIGKILL)  # mid-loop: the next write is in flight
        child.wait(timeout=30)
        errors = child.stderr.read()
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL, errors
    return acked


async def test_killed_writer_loses_nothing_it_acknowledged(tmp_path):
    path = tmp_path / "crash.db"
    rng = random.Random(4)
    for run in ("a", "b", "c"):
        acked = write_until_killed(path, run, rng.randint(150, 400))
        assert acked == list(range(len(acked)))

        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        conn.close()

        store = SqliteStore(path)
        stored = {}
        for chat in await store.chat_keys():
            for turn in await store.all_turns(chat):
                stored[turn.reply_text] = turn
        await store.close()
        for n in acked:
            want = expected(run, n)
            got = stored[want.reply_text]
            assert (got.chat_key, got.user_id, got.user_text) == (
                want.chat_key,
                want.user_id,
                want.user_text,
            )
            assert got.confidence == want.confidence and not got.truncated
        # at most the one write in flight got in without its ack
        assert len([k for k in stored if k.startswith(f"reply {run}/")]) - len(acked) in (0, 1)
