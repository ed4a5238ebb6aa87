"""The ``handoff`` responder: hands a chat to a person and back.

Put it first (``responders: [handoff, qa]``). While a chat is with a person it answers every
message itself, silently, and relays it to the operators; a message asking for a person, or
``handoff.after_fallbacks`` fallbacks in a row, start a handoff; an operator's reply reaches
the user through the same frontend (``engine.push``, so the output filters apply); ``/done``
or a timeout gives the chat back to the bot. The user is told each step in their language.
Frontends and commands reach it as ``engine.services["handoff"]``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import replace
from typing import Any

from chatcore.builtin.handoff.settings import HandoffSettings
from chatcore.builtin.handoff.state import Handoff, Inbox
from chatcore.errors import Unreachable
from chatcore.store import Turn
from chatcore.types import Message, Reply

log = logging.getLogger(__name__)
TAG = re.compile(r"\[([a-z][a-z0-9_-]*:[^\]\s]+)\]")  # "[telegram:42]" names a chat to operators
RECENT_TURNS = 5  # how much of the chat the operators are shown when it is handed over
REASONS = {"asked": "handoff.reason_asked", "fallbacks": "handoff.reason_fallbacks"}
ENDINGS = {"done": "handoff.why_done", "wait": "handoff.why_wait", "idle": "handoff.why_idle"}


class HandoffService:
    """The responder and the inbox operators work from (Telegram chat, web console)."""

    def __init__(self, settings: HandoffSettings):
        self.settings = settings
        self.engine: Any = None
        self.inbox: Inbox | None = None
        self._sweeper: asyncio.Task | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def attach(self, engine: Any) -> None:
        self.engine = engine
        self.inbox = Inbox(engine.store)
        engine.services["handoff"] = self

    async def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_forever())

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None

    def now(self) -> float:
        return getattr(self.engine, "clock", time.time)()

    # --- the responder -------------------------------------------------------------------------

    async def respond(self, message: Message, context: list) -> Reply | None:
        if self.is_operators_chat(message):
            return await self._from_operator(message)
        handoff = await self._inbox.get(message.chat_key)
        if handoff is not None and await self._expire(handoff) is None:
            await self._relay_to_operators(handoff, message)
            return Reply("", kind="handoff", source="handoff")
        if self.asks_for_person(message):
            return await self.begin(message, "asked")
        return None

    async def after_fallback(self, message: Message, reply: Reply, context: list) -> Reply | None:
        """The N-th fallback in a row hands the chat over (counted since the last handoff)."""
        wanted = self.settings.after_fallbacks
        if wanted == 0 or self.is_operators_chat(message):
            return None
        if 1 + fallbacks_in_a_row(context) < wanted:
            return None
        started = await self.begin(message, "fallbacks")
        return replace(reply, text=started.text, kind=started.kind, choices=(), source="handoff")

    def asks_for_person(self, message: Message) -> bool:
        text = " ".join(message.text.casefold().split())
        phrases = [p for lang in self.settings.ask_phrases.values() for p in lang]
        return any(" ".join(p.casefold().split()) in text for p in phrases)

    def is_operators_chat(self, message: Message) -> bool:
        chat = self.settings.telegram_chat
        return chat is not None and message.channel == "telegram" and message.chat_id == str(chat)

    def is_operator(self, who: str) -> bool:
        return who in self.settings.operators

    # --- starting and ending -------------------------------------------------------------------

    async def begin(self, message: Message, reason: str) -> Reply:
        """Hand the chat over now, if operators are there; the Reply tells the user what
        happens."""
        language = message.language or None
        if await self._inbox.get(message.chat_key) is not None:
            return self._say_to_user("handoff.already", language)
        hours = self.settings.opening_hours
        if hours is not None and not hours.is_open(self.now()):
            return self._say_to_user("handoff.closed", language, hours=hours.describe())
        if self.settings.telegram_chat is None and not self.settings.console:
            return self._say_to_user("handoff.unavailable", language)
        now = self.now()
        handoff = Handoff(
            message.chat_key, reason, language or "", now, now, user_id=message.user_id
        )
        await self._inbox.put(handoff)
        await self._tell_operators(handoff, await self._summary(handoff))
        started = "handoff.started" if reason == "asked" else "handoff.after_fallbacks"
        return self._say_to_user(started, language)

    async def finish(
        self, chat_key: str, why: str, by: str = "", *, tell_user: bool = True
    ) -> Handoff | None:
        """Give a chat back to the bot (``why``: done, wait, idle); the operators are told,
        and the user unless they asked (their /done is answered as a command). None when the
        chat was not handed over."""
        handoff = await self._inbox.remove(chat_key)
        if handoff is None:
            return None
        if tell_user:
            notice = {"wait": "handoff.timeout_wait", "idle": "handoff.timeout_idle"}
            language = handoff.language or None
            text = self._text(notice.get(why, "handoff.ended"), language)
            await self._push(chat_key, Reply(text, kind="handoff", language=language))
        reason = self._text(ENDINGS[why], None, who=by)
        await self._tell_operators(handoff, self._text("handoff.back", None, why=reason))
        return handoff

    async def _expire(self, handoff: Handoff) -> str | None:
        """Ends a handoff that timed out; returns why, or None while it holds."""
        s = self.settings
        why = handoff.expired(self.now(), s.wait_minutes * 60, s.idle_minutes * 60)
        if not why:
            return None
        await self.finish(handoff.chat_key, why)
        return why

    async def _sweep_forever(self) -> None:
        """Timeouts end even when nobody writes again."""
        while True:
            await asyncio.sleep(self.settings.sweep_seconds)
            try:
                await self.sweep()
            except Exception:
                log.exception("handoff: checking timeouts failed")

    async def sweep(self) -> list[str]:
        """End every handoff that timed out; the chats that were given back."""
        ended = []
        for handoff in await self._inbox.all():
            if await self._expire(handoff):
                ended.append(handoff.chat_key)
        return ended

    # --- operators ---------------------------------------------------------------------------

    async def operator_reply(self, chat_key: str, text: str, operator: str) -> str:
        """Send an operator's answer to a handed-over chat and store it as a turn; "" when
        sent, else the catalogue id of why not (not_waiting, unreachable, blocked)."""
        handoff = await self._inbox.get(chat_key)
        if handoff is None:
            return "handoff.not_waiting"
        reply = Reply(text, source="operator", kind="operator", language=handoff.language or None)
        try:
            sent = await self.engine.push(chat_key, reply)
        except Unreachable as exc:
            log.warning("handoff: %s", exc)
            return "handoff.unreachable"
        if sent.kind == "refusal":
            return "handoff.blocked"
        now = self.now()
        await self._store_operator_turn(handoff, sent, operator, now)
        await self._inbox.put(
            replace(handoff, operator=operator, operator_at=now, last_activity=now)
        )
        return ""

    async def _store_operator_turn(
        self, handoff: Handoff, sent: Reply, operator: str, now: float
    ) -> None:
        """The answer is part of the user's conversation (``/forget`` removes it too)."""
        turn = Turn(
            chat_key=handoff.chat_key,
            user_id=handoff.user_id,
            user_text="",
            reply_text=sent.text,
            source=f"operator:{operator}",
            verdicts=[v.to_dict() for v in sent.verdicts],
            language=handoff.language or None,
            created_at=now,
        )
        await self.engine.store.append_turn(turn)

    async def _from_operator(self, message: Message) -> Reply:
        """A message in the operators' chat: a reply to a chat's notice answers that chat."""
        who = f"{message.channel}:{message.user_id}"
        if not self.is_operator(who):
            return self._say_to_user("handoff.not_operator", None)
        target = chat_named_in(message.meta.get("reply_to_text", ""))
        if target is None:
            return self._say_to_user("handoff.reply_how", None)
        problem = await self.operator_reply(target, message.text, who)
        if problem:
            return self._say_to_user(problem, None, chat=target)
        return Reply("", kind="handoff", source="handoff")

    async def _relay_to_operators(self, handoff: Handoff, message: Message) -> None:
        await self._inbox.put(replace(handoff, last_activity=self.now()))
        await self._tell_operators(handoff, message.text)

    async def _tell_operators(self, handoff: Handoff, text: str) -> None:
        """A line in the operators' Telegram chat, tagged with the chat it is about (the web
        console reads the inbox and the store instead)."""
        chat = self.settings.telegram_chat
        if chat is None:
            return
        line = Reply(f"[{handoff.chat_key}] {text}", kind="handoff", source="handoff")
        await self._push(f"telegram:{chat}", line)

    async def _summary(self, handoff: Handoff) -> str:
        reason = self._text(REASONS[handoff.reason], None)
        lines = [self._text("handoff.notice", None, reason=reason)]
        for turn in await self.engine.store.recent_turns(handoff.chat_key, RECENT_TURNS):
            if turn.user_text:
                lines.append(f"> {turn.user_text}")
            if turn.reply_text:
                lines.append(f"< {turn.reply_text}")
        return "\n".join(lines)

    async def _push(self, chat_key: str, reply: Reply) -> None:
        try:
            await self.engine.push(chat_key, reply)
        except Unreachable as exc:
            log.warning("handoff: %s", exc)
        except Exception:
            log.exception("handoff: could not send to %s", chat_key)

    # --- helpers ---------------------------------------------------------------------------

    @property
    def _inbox(self) -> Inbox:
        if self.inbox is None:
            raise RuntimeError("the handoff responder was not attached to an engine")
        return self.inbox

    def _text(self, message_id: str, language: str | None, **fields: object) -> str:
        return self.engine.say(message_id, language, **fields)

    def _say_to_user(self, message_id: str, language: str | None, **fields: object) -> Reply:
        text = self._text(message_id, language, **fields)
        return Reply(text, kind="handoff", source="handoff", language=language)


def fallbacks_in_a_row(context: list[Turn]) -> int:
    """Fallbacks at the end of the context, back to the last handoff or answer."""
    count = 0
    for turn in reversed(context):
        if not turn.fallback or turn.source.startswith(("handoff", "operator")):
            break
        count += 1
    return count


def chat_named_in(text: str) -> str | None:
    """The chat key a notice to operators is about (its ``[channel:id]`` tag)."""
    found = TAG.search(text or "")
    return found.group(1) if found else None
