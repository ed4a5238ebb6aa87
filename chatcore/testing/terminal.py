"""The environment for running ``chatcore chat`` in a pseudo-terminal (tests, benchmarks)."""

from __future__ import annotations

import os
from pathlib import Path


def pty_env(home: Path, pythonpath: Path | None = None, **extra: str) -> dict[str, str]:
    """This process's environment with ``CHATCORE_HOME`` set, and what a pty needs: it answers
    no cursor-position requests, so without ``PROMPT_TOOLKIT_NO_CPR`` prompt_toolkit waits and
    warns."""
    env = dict(os.environ, CHATCORE_HOME=str(home), PROMPT_TOOLKIT_NO_CPR="1", **extra)
    env["TERM"] = "xterm-256color"
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return env
