"""Drive the terminal REPL in-process: keys go in through a real prompt_toolkit pipe input,
what it prints is recorded. For testing commands and frontends' behaviour at the prompt."""

from __future__ import annotations

import asyncio
from typing import Any

from chatcore.runtime import Runtime


class Screen:
    """What the REPL printed, as (style, text) fragments."""

    def __init__(self) -> None:
        self.fragments: list[tuple[str, str]] = []

    def __call__(self, fragments: Any) -> None:
        self.fragments.extend(fragments)

    @property
    def text(self) -> str:
        return "".join(text for _, text in self.fragments)

    def styled(self, style: str) -> str:
        return "".join(text for s, text in self.fragments if s == style)


async def drive_repl(
    runtime: Runtime, keys: str | list[str], *, pause: float = 0.05, timeout: float = 10.0
) -> Screen:
    """Run one REPL session on ``runtime`` typing ``keys`` (end with ``\\x04`` (Ctrl-D) or
    ``/quit\\r``); a list of chunks is typed with a pause between them, as a person would."""
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from chatcore.builtin.repl.frontend import ReplFrontend

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
                await asyncio.sleep(pause)
            await asyncio.wait_for(task, timeout)
    return screen
