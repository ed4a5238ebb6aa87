"""The recent context of active chats, kept in memory so the engine's context read does not
queue behind other chats' reads on the database thread.

The store updates it after each of its own committed writes and drops it when another process
is seen writing the same database (checked on each write, and in the background at most every
half second while reads are served from here). Reads are only served from it when it provably
holds the turns asked for; otherwise they go to the database and fill it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from chatcore.store import Turn


@dataclass
class _Entry:
    turns: list[Turn] = field(default_factory=list)
    complete: bool = False  # True when ``turns`` is the whole current conversation


class ContextCache:
    """Last ``turns`` turns of the current conversation of up to ``chats`` chats (LRU)."""

    def __init__(self, chats: int, turns: int) -> None:
        self.chats = chats
        self.turns = turns
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._generation: dict[str, int] = {}
        self._epoch = 0

    def get(self, chat_key: str, limit: int) -> list[Turn] | None:
        entry = self._entries.get(chat_key)
        if entry is None or (limit > len(entry.turns) and not entry.complete):
            return None
        self._entries.move_to_end(chat_key)
        return entry.turns[-limit:]

    def version(self, chat_key: str) -> tuple[int, int]:
        """Taken before a database read; ``fill`` ignores the result if a write came between."""
        return self._epoch, self._generation.get(chat_key, 0)

    def fill(self, chat_key: str, turns: list[Turn], limit: int, version: tuple[int, int]) -> None:
        if self.chats <= 0 or version != self.version(chat_key):
            return
        entry = _Entry(list(turns[-self.turns :]), len(turns) < limit and len(turns) <= self.turns)
        self._entries[chat_key] = entry
        self._entries.move_to_end(chat_key)
        while len(self._entries) > self.chats:
            self._entries.popitem(last=False)

    def appended(self, turn: Turn) -> None:
        """A turn was committed to the chat's current conversation."""
        self._bump(turn.chat_key)
        entry = self._entries.get(turn.chat_key)
        if entry is None:
            return
        if entry.turns and turn.id is not None and entry.turns[-1].id >= turn.id:
            return  # a read that ran after the commit already brought it in
        entry.turns.append(turn)
        if len(entry.turns) > self.turns:
            del entry.turns[0]
            entry.complete = False

    def reset(self, chat_key: str) -> None:
        """A new conversation started: it is empty, and that is the whole of it."""
        self._bump(chat_key)
        if chat_key in self._entries:
            self._entries[chat_key] = _Entry([], complete=True)

    def drop(self, chat_key: str) -> None:
        self._bump(chat_key)
        self._entries.pop(chat_key, None)

    def clear(self) -> None:
        self._epoch += 1
        self._entries.clear()
        self._generation.clear()

    def _bump(self, chat_key: str) -> None:
        if len(self._generation) > 4 * max(self.chats, 256):
            self._generation.clear()  # bounded memory; in-flight fills are simply dropped
            self._epoch += 1
        self._generation[chat_key] = self._generation.get(chat_key, 0) + 1
