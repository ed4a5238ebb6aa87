"""Which chats are with a person, kept in the conversation store (so every worker sharing a
Redis store sees the same): each chat's own settings say whether it is handed over (one read
per message), and one index lists them all (the inbox of the console and of the timeout
sweep).

A handoff is three settings of its chat, each written by one kind of event, so concurrent
events never write back each other's stale copy: ``handoff`` (who, why, since: written once
when it opens), ``handoff.activity`` (the last message either way) and ``handoff.operator``
(who answered last, when). An update names the handoff it is for (its ``since``) and is
dropped when that handoff has ended or been replaced meanwhile."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass

from chatcore.store import ConversationStore

KEY = "handoff"
ACTIVITY = "handoff.activity"
OPERATOR = "handoff.operator"
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

    def opening(self) -> str:
        """The part written once, when the handoff opens."""
        data = asdict(self)
        for name in ("last_activity", "operator", "operator_at"):
            del data[name]
        return json.dumps(data, ensure_ascii=False)


class Inbox:
    """Open handoffs in a store. Writes in this process are serialised; between processes
    the per-chat settings stay the truth (an index entry a race dropped or left behind is
    mended by ``all``)."""

    def __init__(self, store: ConversationStore):
        self.store = store
        self._lock = asyncio.Lock()

    async def get(self, chat_key: str) -> Handoff | None:
        opening = _json(await self.store.get_setting(chat_key, KEY))
        if not isinstance(opening, dict):
            return None
        activity = _json(await self.store.get_setting(chat_key, ACTIVITY))
        operator = _json(await self.store.get_setting(chat_key, OPERATOR))
        try:
            handoff = Handoff(**opening, last_activity=float(opening["since"]))
        except (TypeError, KeyError, ValueError):
            return None  # a row that does not parse counts as none
        if isinstance(activity, dict) and activity.get("since") == handoff.since:
            handoff = _with(handoff, last_activity=activity.get("at"))
        if isinstance(operator, dict) and operator.get("since") == handoff.since:
            handoff = _with(handoff, operator=operator.get("who"), operator_at=operator.get("at"))
        return handoff

    async def open(self, handoff: Handoff) -> None:
        async with self._lock:
            for key in (ACTIVITY, OPERATOR):
                await self.store.set_setting(handoff.chat_key, key, None)
            await self.store.set_setting(handoff.chat_key, KEY, handoff.opening())
            keys = await self._keys()
            if handoff.chat_key not in keys:
                await self._write_keys([*keys, handoff.chat_key])

    async def touch(self, handoff: Handoff, at: float) -> bool:
        """A message either way at ``at``; False when the handoff is over."""
        return await self._update(handoff, ACTIVITY, {"at": at})

    async def answered(self, handoff: Handoff, operator: str, at: float) -> bool:
        """An operator answered at ``at`` (also activity); False when the handoff is over."""
        if not await self._update(handoff, OPERATOR, {"who": operator, "at": at}):
            return False
        return await self._update(handoff, ACTIVITY, {"at": at})

    async def remove(self, chat_key: str, since: float | None = None) -> Handoff | None:
        """Close a chat's handoff (only the one opened at ``since``, when given); returns what
        it was (None: no such handoff was open)."""
        async with self._lock:
            current = await self.get(chat_key)
            if current is None or (since is not None and current.since != since):
                return None
            for key in (KEY, ACTIVITY, OPERATOR):
                await self.store.set_setting(chat_key, key, None)
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

    async def _update(self, handoff: Handoff, key: str, value: dict) -> bool:
        async with self._lock:
            current = await self.get(handoff.chat_key)
            if current is None or current.since != handoff.since:
                return False
            text = json.dumps({"since": handoff.since, **value}, ensure_ascii=False)
            await self.store.set_setting(handoff.chat_key, key, text)
            return True

    async def _keys(self) -> list[str]:
        keys = _json(await self.store.get_setting(INDEX_CHAT, INDEX_KEY))
        return [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []

    async def _write_keys(self, keys: list[str]) -> None:
        await self.store.set_setting(INDEX_CHAT, INDEX_KEY, json.dumps(keys) if keys else None)


def _json(text: str | None) -> object:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _with(handoff: Handoff, **fields: object) -> Handoff:
    """``handoff`` with the fields that parse (a damaged update is ignored, not fatal)."""
    from dataclasses import replace

    try:
        clean = {k: (float(v) if k != "operator" else str(v)) for k, v in fields.items()}
    except (TypeError, ValueError):
        return handoff
    return replace(handoff, **clean)
