"""Chat commands: parsing ``/name@bot args`` and the context a handler receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chatcore.engine import Engine
    from chatcore.types import Message


@dataclass(frozen=True)
class Command:
    """A registered command, as the engine and frontends see it."""

    name: str
    handler: Any
    description: str = ""
    usage: str = ""
    admin_only: bool = False
    plugin: str = ""


@dataclass(frozen=True)
class CommandContext:
    """What a command handler gets: the message, its arguments and the engine."""

    message: Message
    name: str
    args: str
    engine: Engine
    language: str

    @property
    def store(self):
        return self.engine.store


def parse_command(text: str) -> tuple[str, str] | None:
    """``'/lang@mybot zh'`` -> ``('lang', 'zh')``; None when the text is not a command."""
    if not text.startswith("/") or len(text) < 2 or text[1].isspace():
        return None
    head, _, args = text[1:].partition(" ")
    name = head.split("@", 1)[0].strip().lower()
    if not name or not all(c.isalnum() or c in "_-" for c in name):
        return None
    return name, args.strip()
