"""Replies that reach the terminal unasked (``engine.push``): a person's answer relayed by the
handoff plugin, "you're back with the bot" after a timeout.

The REPL registers a ``repl`` outlet while it runs. The engine may still be building when the
prompt comes up, so the outlet is added once the engine's future resolves, and removed when
the session ends, after which ``engine.push`` to the chat raises ``Unreachable`` again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator

from chatcore.errors import Unreachable
from chatcore.types import Reply


class ReplOutlet:
    """Shows replies pushed to this terminal's one chat with ``show``; a silent reply shows
    nothing. Another chat of the channel is not on this terminal: ``Unreachable``, so the
    sender (an operator) learns the answer did not arrive."""

    def __init__(self, chat_id: str, show: Callable[[Reply], None]):
        self.chat_id = chat_id
        self.show = show

    async def push(self, chat_id: str, reply: Reply) -> None:
        if chat_id != self.chat_id:
            raise Unreachable(f"chat {chat_id!r} is not the one on this terminal")
        if not reply.silent:
            self.show(reply)


@contextlib.contextmanager
def outlet_open(ready: asyncio.Future, channel: str, outlet: ReplOutlet) -> Iterator[None]:
    """Let the engine push through ``outlet`` from when ``ready`` (the engine's future) is
    done until the block ends; an engine that fails to build never gets it."""
    removers: list[Callable[[], None]] = []
    closed = False  # a done-callback may run after the block ended: it must not add then

    def register(future: asyncio.Future) -> None:
        if not closed and not future.cancelled() and future.exception() is None:
            removers.append(future.result().add_outlet(channel, outlet))

    if ready.done():
        register(ready)
    else:
        ready.add_done_callback(register)
    try:
        yield
    finally:
        closed = True
        ready.remove_done_callback(register)
        for remove in removers:
            remove()
