"""Non-interactive use: ``echo hi | chatcore chat`` reads lines and prints replies as plain
text (no prompt, no escape codes), flushing after each so other programs can converse.

Everything printed goes through ``printable``: piped output often ends up on a terminal
anyway (``| tee``, ``| less -R``), and an escape sequence in an answer must not reach it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from typing import Any, BinaryIO, TextIO

from chatcore.builtin.repl.render import picked_line, reply_plain
from chatcore.terminal_text import printable
from chatcore.types import Reply


def _reader(fd: int, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue) -> None:
    """Feed lines to the event loop from a daemon thread: works for pipes, files and
    terminals alike, and never keeps the process alive at exit. It reads the raw descriptor
    (``os.read``), not ``sys.stdin.buffer``: a thread blocked inside the buffered reader holds
    its lock, and Python aborts ("_enter_buffered_busy") when a signal ends the process then."""

    def put(item: str | None) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, item)

    pending = b""
    # OSError: the descriptor closed; RuntimeError: the loop is gone (the process is ending)
    with contextlib.suppress(OSError, RuntimeError):
        while chunk := os.read(fd, 65536):
            *complete, pending = (pending + chunk).split(b"\n")
            for raw in complete:
                put(raw.decode("utf-8", "replace"))
        if pending:
            put(pending.decode("utf-8", "replace"))
    with contextlib.suppress(RuntimeError):
        put(None)


async def lines(stream: BinaryIO | None = None):
    """Lines of ``stream`` (default: stdin) without their line ends, as they arrive."""
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    stream = stream if stream is not None else sys.stdin.buffer
    loop = asyncio.get_running_loop()
    args = (stream.fileno(), loop, queue)
    threading.Thread(target=_reader, args=args, daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line.rstrip("\r\n")


async def run_piped(frontend: Any, engine: Any, local: Any, stream=None, out: TextIO | None = None):
    """Answer every non-empty line until end of input or /quit; replies pushed to the chat
    meanwhile (a person's answer) are printed as they come."""
    out = out or sys.stdout
    with frontend.outlet(local.engine_ready, lambda reply: _show(frontend, reply, local, out)):
        async for text in lines(stream):
            if text.strip() and not await _answer(frontend, engine, local, text, out):
                return


async def _answer(frontend: Any, engine: Any, local: Any, text: str, out: TextIO) -> bool:
    """Run a local command or ask the engine; a number right after a reply with choices
    sends that choice (echoed, as at the prompt). False when the user leaves."""
    outcome = await local.dispatch(text)
    if outcome is not None:
        if outcome.text:
            say(outcome.text, out)
        return not outcome.quit
    picked = frontend.choices.pick(text)
    if picked is not None:
        say(picked_line(picked), out)
        text = picked
    reply = await engine.handle(frontend.message(text))
    frontend.choices.offer(reply)
    if not reply.silent:
        say(reply_plain(reply, local.verbose), out)
    return True


def _show(frontend: Any, reply: Reply, local: Any, out: TextIO) -> None:
    """A reply pushed unasked: printed like an answer; its choices, if any, are the ones a
    number on the next line picks."""
    frontend.choices.offer(reply)
    say(reply_plain(reply, local.verbose), out)


def say(text: str, out: TextIO) -> None:
    """Print one answer or command outcome, escapes made visible, at once (a program on the
    other end of the pipe waits for it)."""
    print(printable(text), file=out, flush=True)
