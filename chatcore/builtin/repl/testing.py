"""Drive the terminal REPL in-process: keys go in through a real prompt_toolkit pipe input,
what it prints is recorded. For testing commands and frontends' behaviour at the prompt."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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


class LiveRepl:
    """A REPL running on a real prompt_toolkit pipe input: type into it, read its screen, and
    reach its engine (``await live.engine.push(live.chat_key, reply)``)."""

    def __init__(self, pipe: Any, engine: Any, frontend: Any, screen: Screen):
        self.pipe = pipe
        self.engine = engine
        self.frontend = frontend
        self.screen = screen

    @property
    def chat_key(self) -> str:
        return self.frontend.chat_key

    def type(self, keys: str) -> None:
        self.pipe.send_text(keys)

    async def shows(self, text: str, timeout: float = 5.0) -> None:
        """Wait until ``text`` is on the screen (a reply comes when the engine is done)."""
        async with asyncio.timeout(timeout):
            while text not in self.screen.text:
                await asyncio.sleep(0.01)


@asynccontextmanager
async def live_repl(runtime: Runtime, *, timeout: float = 10.0) -> AsyncIterator[LiveRepl]:
    """Run one REPL session on ``runtime`` for the block, which should end it (type ``\\x04``
    (Ctrl-D) or ``/quit\\r``); leaving the block waits for the session to end."""
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
            try:
                yield LiveRepl(pipe, engine, frontend, screen)
                await asyncio.wait_for(task, timeout)
            finally:
                task.cancel()
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await task


async def drive_repl(
    runtime: Runtime, keys: str | list[str], *, pause: float = 0.05, timeout: float = 10.0
) -> Screen:
    """Run one REPL session on ``runtime`` typing ``keys`` (end with ``\\x04`` (Ctrl-D) or
    ``/quit\\r``); a list of chunks is typed with a pause between them, as a person would."""
    async with live_repl(runtime, timeout=timeout) as repl:
        for chunk in [keys] if isinstance(keys, str) else keys:
            repl.type(chunk)
            await asyncio.sleep(pause)
    return repl.screen
