"""Which chats are with a person, kept in the conversation store (so every worker sharing a
Redis store sees the same): each chat's own setting ``handoff`` says whether it is handed
over (one read per message), and one index lists them all (the inbox of the console and
of the timeout sweep)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass

from chatcore.store import ConversationStore

KEY = "handoff"
INDEX_CHAT = "chatcore:handoff"  # not a chat: the store key of the index of open handoffs
INDEX_KEY = "open"


@dataclass(frozen=True)
class Handoff:
    """One chat waiting for or talking with a person."""

    chat_key: str
    reason: str  # "asked" (the user asked) or "fallbacks" (the bot could not help)
    language: str
    since: float
    last_activity: float  # the last message either way
    operator: str = ""  # who answered last ("" until someone does)
    operator_at: float = 0.0
    user_id: str = ""  # whose chat it is (operator answers are stored as their turns)

    def expired(self, now: float, wait_seconds: float, idle_seconds: float) -> str:
        """Why the bot takes the chat back now: "wait" (nobody answered), "idle", or ""."""
        if not self.operator and now - self.since >= wait_seconds:
            return "wait"
        if now - self.last_activity >= idle_seconds:
            return "idle"
        return ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> Handoff | None:
        """The stored state, or None for none (a row that does not parse counts as none)."""
        if not text:
            return None
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError):
            return None


class Inbox:
    """Open handoffs in a store; writes in this process are serialised (several workers may
    still race on the index: the per-chat setting stays the truth, see ``repair``)."""

    def __init__(self, store: ConversationStore):
        self.store = store
        self._lock = asyncio.Lock()

    async def get(self, chat_key: str) -> Handoff | None:
        return Handoff.from_json(await self.store.get_setting(chat_key, KEY))

    async def put(self, handoff: Handoff) -> None:
        async with self._lock:
            await self.store.set_setting(handoff.chat_key, KEY, handoff.to_json())
            keys = await self._keys()
            if handoff.chat_key not in keys:
                await self._write_keys([*keys, handoff.chat_key])

    async def remove(self, chat_key: str) -> Handoff | None:
        """Close a chat's handoff; returns what it was (None: it was not open)."""
        async with self._lock:
            current = await self.get(chat_key)
            await self.store.set_setting(chat_key, KEY, None)
            keys = await self._keys()
            if chat_key in keys:
                await self._write_keys([k for k in keys if k != chat_key])
            return current

    async def all(self) -> list[Handoff]:
        """Every open handoff, oldest first; index entries whose chat is no longer handed
        over are dropped on the way."""
        found = [(key, await self.get(key)) for key in await self._keys()]
        stale = [key for key, handoff in found if handoff is None]
        if stale:
            async with self._lock:
                keys = await self._keys()
                await self._write_keys([k for k in keys if k not in stale])
        return sorted((h for _, h in found if h is not None), key=lambda h: h.since)

    async def _keys(self) -> list[str]:
        raw = await self.store.get_setting(INDEX_CHAT, INDEX_KEY)
        try:
            keys = json.loads(raw) if raw else []
        except ValueError:
            keys = []
        return [k for k in keys if isinstance(k, str)]

    async def _write_keys(self, keys: list[str]) -> None:
        await self.store.set_setting(INDEX_CHAT, INDEX_KEY, json.dumps(keys) if keys else None)
