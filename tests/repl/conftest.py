"""Fixtures for the REPL tests: a runtime with the test plugin, and a REPL driven through a
real prompt_toolkit pipe input (keys in) and a recording output."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from chatcore.testing import make_runtime
from tests.repl.helpers import repl_test_plugin

PLUGIN = ("repl_test_plugin", repl_test_plugin)


def runtime_for(tmp_path: Path, repl: dict | None = None, store: str = "memory"):
    raw = {
        "data_dir": str(tmp_path),
        "responders": ["parrot"],
        "filters": {"input": ["nobad"], "output": []},
        "store": store,
        "repl": repl or {},
    }
    return make_runtime(raw, plugins=[PLUGIN])


class Screen:
    """What the REPL printed, as (style, text) fragments."""

    def __init__(self) -> None:
        self.fragments: list[tuple[str, str]] = []

    def __call__(self, fragments) -> None:
        self.fragments.extend(fragments)

    @property
    def text(self) -> str:
        return "".join(text for _, text in self.fragments)

    def styled(self, style: str) -> str:
        return "".join(text for s, text in self.fragments if s == style)


async def drive(
    tmp_path: Path, keys: str | list[str], repl: dict | None = None, store: str = "memory"
):
    """Run one REPL session typing ``keys`` (end with Ctrl-D or /quit); returns the screen.
    A list of key chunks is typed with a pause between chunks, as a person would."""
    from chatcore_repl.frontend import ReplFrontend
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    runtime = runtime_for(tmp_path, repl, store)
    screen = Screen()
    with create_pipe_input() as pipe:
        settings = runtime.settings_for("repl")
        frontend = ReplFrontend(
            settings, runtime, input=pipe, output=DummyOutput(), printer=screen, interactive=True
        )
        async with runtime.build_engine() as engine:
            task = asyncio.ensure_future(frontend.run(engine))
            for chunk in [keys] if isinstance(keys, str) else keys:
                pipe.send_text(chunk)
                await asyncio.sleep(0.05)
            await asyncio.wait_for(task, 10)
    return screen


@pytest.fixture
def repl_drive(tmp_path):
    async def run(keys: str, **kwargs):
        return await drive(tmp_path, keys, **kwargs)

    return run
