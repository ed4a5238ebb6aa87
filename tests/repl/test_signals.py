"""Piped ``chatcore chat`` stopped by a signal (issue #17 row 3): exit 0 on SIGTERM and 130
on SIGINT in every state, never Python's "Fatal Python error: _enter_buffered_busy" abort;
SIGINT ignored by whoever started it (a shell's background job) stays ignored."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from chatcore.testing.terminal import as_foreground_job
from tests.repl.test_e2e import CHATCORE, CONFIG, env_for

EXPECTED = {signal.SIGTERM: 0, signal.SIGINT: 130}


def _start(
    home: Path,
    launcher: Callable[[list[str]], list[str]] = as_foreground_job,
    **env: str,
) -> subprocess.Popen:
    """Piped ``chatcore chat`` in ``home``, started through ``launcher``, ``env`` added."""
    (home / "chatcore.yaml").write_text(CONFIG, encoding="utf-8")
    return subprocess.Popen(
        launcher([CHATCORE, "chat", "--config", str(home / "chatcore.yaml")]),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**env_for(home), **env},
        cwd=home,
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
@pytest.mark.parametrize("state", ["starting", "idle", "replying", "after-input-closed-half"])
def test_a_signal_stops_piped_chat_cleanly(tmp_path, sig, state):
    chat = _start(tmp_path)
    try:
        if state == "starting":
            time.sleep(0.5)  # still importing and building the engine
        elif state == "replying":
            chat.stdin.write(b"hello\nslow 20 late\n")
            chat.stdin.flush()
            assert chat.stdout.readline().strip()
            time.sleep(0.3)  # the slow reply is being awaited
        else:
            chat.stdin.write(b"hello\n")
            chat.stdin.flush()
            assert chat.stdout.readline().strip()  # answered: the reader thread now waits
            if state == "after-input-closed-half":
                chat.stdin.write(b"a line without its end")
                chat.stdin.flush()
                time.sleep(0.2)
        chat.send_signal(sig)
        _, err = chat.communicate(timeout=30)
    finally:
        if chat.poll() is None:
            chat.kill()
    stderr = err.decode("utf-8", "replace")
    assert chat.returncode == EXPECTED[sig], stderr
    assert "Fatal Python error" not in stderr and "Traceback" not in stderr


def test_ctrl_c_while_the_command_line_is_still_importing(tmp_path):
    """Ctrl-C right after starting, while Python imports chatcore's command line: exit 130,
    no traceback. Python's import-time report (on stderr, a line per imported module) says
    when the CLI's imports are under way, so the signal lands there on any machine."""
    chat = _start(tmp_path, PYTHONPROFILEIMPORTTIME="1")
    try:
        seen = []
        for raw in chat.stderr:
            seen.append(raw.decode("utf-8", "replace"))
            if _imported(seen[-1]) == "chatcore.errors":  # imported by chatcore.cli
                break
        chat.send_signal(signal.SIGINT)
        # stdin stays open, so only the signal can end the chat (a lost one hangs till killed)
        watchdog = threading.Timer(30, chat.kill)
        watchdog.start()
        err = chat.stderr.read()  # to its end: the chat has exited
        watchdog.cancel()
        chat.wait(timeout=30)
    finally:
        if chat.poll() is None:
            chat.kill()
    stderr = "".join(seen) + err.decode("utf-8", "replace")
    assert _imported(seen[-1]) == "chatcore.errors", stderr[-2000:]
    assert chat.returncode == 130, stderr[-2000:]
    assert "Traceback" not in stderr, stderr[-2000:]


def test_sigint_ignored_at_start_stays_ignored(tmp_path):
    """Started as a shell starts a background job (SIGINT ignored), the chat ignores SIGINT
    while starting and while idle, and goes on answering; end of input ends it as usual."""
    chat = _start(tmp_path, launcher=_with_sigint_ignored)
    try:
        time.sleep(0.5)  # still starting
        chat.send_signal(signal.SIGINT)
        chat.stdin.write(b"hello\n")
        chat.stdin.flush()
        first = chat.stdout.readline()
        chat.send_signal(signal.SIGINT)  # idle: the reader thread waits for a line
        time.sleep(0.3)
        out, err = chat.communicate(b"hello\n", timeout=30)
    finally:
        if chat.poll() is None:
            chat.kill()
    assert first.strip() and out.strip() == first.strip(), err.decode("utf-8", "replace")
    assert chat.returncode == 0, err.decode("utf-8", "replace")


def _with_sigint_ignored(argv: list[str]) -> list[str]:
    """``argv`` as a non-interactive shell starts a background job: SIGINT ignored."""
    return ["sh", "-c", 'trap "" INT; exec "$@"', "sh", *argv]


def _imported(line: str) -> str:
    """The module an import-time line ("import time: 926 | 926 |   chatcore.errors") names."""
    return line.rsplit("|", 1)[-1].strip()
