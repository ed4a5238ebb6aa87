"""How tests and benchmarks start ``chatcore chat`` as a user in a terminal would: its
environment in a pseudo-terminal, and Ctrl-C at its default action."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

_RUN_WITH_DEFAULT_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execvp(sys.argv[1], sys.argv[1:])"
)


def pty_env(home: Path, pythonpath: Path | None = None, **extra: str) -> dict[str, str]:
    """This process's environment with ``CHATCORE_HOME`` set, and what a pty needs: it answers
    no cursor-position requests, so without ``PROMPT_TOOLKIT_NO_CPR`` prompt_toolkit waits and
    warns."""
    env = dict(os.environ, CHATCORE_HOME=str(home), PROMPT_TOOLKIT_NO_CPR="1", **extra)
    env["TERM"] = "xterm-256color"
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return env


def as_foreground_job(argv: Sequence[str]) -> list[str]:
    """``argv`` run with SIGINT at its default action, as a shell runs a command in the
    foreground. A test run from a background job (``make test &`` in a script) has SIGINT
    ignored, every command it starts inherits that, and chatcore keeps ignoring it as POSIX
    commands do; tests of Ctrl-C start their command through this to test what a user at a
    terminal gets. (An exec'ing launcher, not ``preexec_fn``, which is unsafe with threads.)"""
    return [sys.executable, "-c", _RUN_WITH_DEFAULT_SIGINT, *argv]
