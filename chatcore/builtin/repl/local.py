"""Commands only the terminal understands: /quit, /clear, /verbose and /save. They never
reach the engine (a Telegram user cannot write files on the bot's machine)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatcore.commands import parse_command
from chatcore.terminal_text import printable

LOCAL_COMMANDS = {
    "quit": ("", "leave the chat (Ctrl-D works too); the conversation is kept"),
    "clear": ("", "clear the screen"),
    "verbose": ("on|off", "show confidence and fallback markers under replies"),
    "save": ("FILE", "write this conversation to FILE as Markdown"),
}
TRANSCRIPT_TURNS = 100_000


@dataclass
class Outcome:
    """What a local command did: text to show, and whether the REPL should end."""

    text: str = ""
    quit: bool = False
    clear: bool = False


@dataclass
class LocalCommands:
    """State the local commands change, and what they need to read the conversation."""

    engine_ready: Any  # a future of the started engine (it may still be starting)
    chat_key: str
    verbose: bool = False

    async def dispatch(self, text: str) -> Outcome | None:
        """The outcome of a local command, or None when the engine should handle ``text``."""
        parsed = parse_command(text.strip())
        if parsed is None or parsed[0] not in LOCAL_COMMANDS:
            return None
        name, args = parsed
        handler: Callable[[str], Awaitable[Outcome]] = getattr(self, f"_{name}")
        return await handler(args)

    async def _quit(self, args: str) -> Outcome:
        return Outcome(quit=True)

    async def _clear(self, args: str) -> Outcome:
        return Outcome(clear=True)

    async def _verbose(self, args: str) -> Outcome:
        choice = args.strip().lower()
        if choice not in ("on", "off", ""):
            return Outcome("Usage: /verbose on|off")
        if choice:
            self.verbose = choice == "on"
        return Outcome(f"Verbose replies are {'on' if self.verbose else 'off'}.")

    async def _save(self, args: str) -> Outcome:
        if not args.strip():
            return Outcome("Usage: /save FILE (writes the conversation as Markdown)")
        path = Path(args.strip()).expanduser()
        engine = await asyncio.shield(self.engine_ready)
        turns = await engine.store.recent_turns(self.chat_key, TRANSCRIPT_TURNS)
        try:
            write_atomic(path, transcript_markdown(turns))
        except OSError as exc:
            return Outcome(f"Could not save to {path}: {exc.strerror or exc}")
        return Outcome(f"Saved {len(turns)} turn(s) to {path}.")


def transcript_markdown(turns: list) -> str:
    """The conversation as Markdown: one section per turn, texts as block quotes."""
    lines = ["# chatcore conversation", ""]
    for turn in turns:
        when = dt.datetime.fromtimestamp(turn.created_at).strftime("%Y-%m-%d %H:%M:%S")
        lines += [f"## {when}", "", "**You:**", "", *_quote(turn.user_text), ""]
        lines += ["**Bot:**", "", *_quote(turn.reply_text), ""]
    if not turns:
        lines += ["_(no turns yet)_", ""]
    return "\n".join(lines)


def _quote(text: str) -> list[str]:
    """``text`` as a block quote, escapes made visible: the transcript is for reading, often
    with ``cat`` on a terminal (the exact texts stay in the store)."""
    return [f"> {line}".rstrip() for line in (printable(text).splitlines() or [""])]


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
