"""Fixtures for the REPL tests: a runtime with the test plugin, and a REPL driven through a
real prompt_toolkit pipe input (keys in) and a recording output."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatcore.builtin.repl.testing import Screen, drive_repl
from chatcore.testing import make_runtime
from tests.repl.helpers import choices_plugin, repl_test_plugin

PLUGIN = ("repl_test_plugin", repl_test_plugin)
CHOICES_PLUGIN = ("choices_plugin", choices_plugin)


def runtime_for(
    tmp_path: Path, repl: dict | None = None, store: str = "memory", responder: str = "parrot"
):
    raw = {
        "data_dir": str(tmp_path),
        "responders": [responder],
        "filters": {"input": ["nobad"], "output": []},
        "store": store,
        "repl": repl or {},
    }
    return make_runtime(raw, plugins=[PLUGIN, CHOICES_PLUGIN])


async def drive(
    tmp_path: Path, keys: str | list[str], repl: dict | None = None, store: str = "memory"
) -> Screen:
    """Run one REPL session typing ``keys`` (end with Ctrl-D or /quit); returns the screen."""
    return await drive_repl(runtime_for(tmp_path, repl, store), keys)


@pytest.fixture
def repl_drive(tmp_path):
    async def run(keys: str, **kwargs):
        return await drive(tmp_path, keys, **kwargs)

    return run
