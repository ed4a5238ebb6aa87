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
# "[telegram:42] ..." at the very start of a message names the chat it is about to operators
TAG = re.compile(r"\[([a-z][a-z0-9_-]*:[^\]\s]+)\]")
RELAYED_CHARS = 1500  # a relayed message is cut to this, so a notice is never split in two
RECENT_TURNS = 5  # how much of the chat the operators are shown when it is handed over
CONSOLE = "handoff.console"  # engine.services key the web console sets while it serves
REASONS = {"asked": "handoff.reason_asked", "fallbacks": "handoff.reason_fallbacks"}
ENDINGS = {"done": "handoff.why_done", "wait": "handoff.why_wait", "idle": "handoff.why_idle"}


class HandoffService:
    """The responder and the inbox operators work from (Telegram chat, web console)."""

    def __init__(self, settings: HandoffSettings):
        self.settings = settings
        self.engine: Any = None
        self.inbox: Inbox | None = None
        self._sweeper: asyncio.Task | None = None
        self._patterns: list[re.Pattern] | None = None

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
        """A phrase of ``ask_phrases`` in the message, as whole words ("real person" is not
        in "real personal")."""
        text = " ".join(message.text.casefold().split())
        return any(pattern.search(text) for pattern in self._ask_patterns)

    @property
    def _ask_patterns(self) -> list[re.Pattern]:
        if self._patterns is None:
            phrases = [p for lang in self.settings.ask_phrases.values() for p in lang]
            self._patterns = [_phrase_pattern(p) for p in phrases if p.strip()]
        return self._patterns

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
        if self.is_operators_chat(message):
            return self._say_to_user("handoff.unavailable", language)
        if await self._inbox.get(message.chat_key) is not None:
            return self._say_to_user("handoff.already", language)
        hours = self.settings.opening_hours
        if hours is not None and not hours.is_open(self.now()):
            text = hours.describe(language or self.engine.settings.default_language)
            return self._say_to_user("handoff.closed", language, hours=text)
        now = self.now()
        handoff = Handoff(
            message.chat_key, reason, language or "", now, now, user_id=message.user_id
        )
        await self._inbox.open(handoff)
        told = await self._tell_operators(handoff, await self._summary(handoff))
        if not (told or self.console_serves()):  # nobody could see it: do not keep the user
            await self._inbox.remove(handoff.chat_key, handoff.since)
            return self._say_to_user("handoff.unavailable", language)
        started = "handoff.started" if reason == "asked" else "handoff.after_fallbacks"
        return self._say_to_user(started, language)

    def console_serves(self) -> bool:
        """Whether a web console with an inbox runs in this process (it says so in
        ``engine.services`` while it runs); it can answer the chats this process serves."""
        return self.settings.console and bool(self.engine.services.get(CONSOLE))

    async def finish(
        self,
        chat_key: str,
        why: str,
        by: str = "",
        *,
        tell_user: bool = True,
        since: float | None = None,
    ) -> Handoff | None:
        """Give a chat back to the bot (``why``: done, wait, idle); the operators are told,
        and the user unless they asked (their /done is answered as a command). None when the
        chat was not handed over."""
        handoff = await self._inbox.remove(chat_key, since)
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
        await self.finish(handoff.chat_key, why, since=handoff.since)
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
            if not self.engine.can_push(handoff.chat_key):
                continue  # another process serves that chat: it tells the user, it sweeps
            if await self._expire(handoff):
                ended.append(handoff.chat_key)
        return ended

    async def forget(self, chat_key: str, user_id: str) -> None:
        """A user's /forget: their handoff in this chat ends, silently (the operators are
        told the chat went back to the bot)."""
        handoff = await self._inbox.get(chat_key)
        if handoff is not None and handoff.user_id == user_id:
            await self.finish(chat_key, "done", by="/forget", tell_user=False, since=handoff.since)

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
        except Exception as exc:  # the user blocked the bot, the network gave up...
            log.warning("handoff: could not deliver to %s: %s", chat_key, exc)
            return "handoff.undeliverable"
        if sent.kind == "refusal":
            return "handoff.blocked"
        now = self.now()
        await self._store_operator_turn(handoff, sent, operator, now)
        await self._inbox.answered(handoff, operator, now)
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
        """A message in the operators' chat: a reply to a chat's notice answers that chat.
        Not stored as a turn of the operators' chat: the answer is stored in the user's
        chat, where their /forget removes it."""
        who = f"{message.channel}:{message.user_id}"
        if not self.is_operator(who):
            return self._say_to_user("handoff.not_operator", None, unstored=True)
        target = chat_named_in(message.meta.get("reply_to_text", ""))
        if target is None:
            return self._say_to_user("handoff.reply_how", None, unstored=True)
        problem = await self.operator_reply(target, message.text, who)
        if problem:
            return self._say_to_user(problem, None, chat=target, unstored=True)
        return Reply("", kind="handoff", source="handoff", unstored=True)

    async def _relay_to_operators(self, handoff: Handoff, message: Message) -> None:
        await self._inbox.touch(handoff, self.now())
        await self._tell_operators(handoff, _cut(message.text))

    async def _tell_operators(self, handoff: Handoff, text: str) -> bool:
        """A line in the operators' Telegram chat, tagged with the chat it is about (the web
        console reads the inbox and the store instead); whether it was sent."""
        chat = self.settings.telegram_chat
        if chat is None:
            return False
        line = Reply(f"[{handoff.chat_key}] {text}", kind="handoff", source="handoff")
        return await self._push(f"telegram:{chat}", line)

    async def _summary(self, handoff: Handoff) -> str:
        reason = self.reason_text(handoff, None)
        lines = [self._text("handoff.notice", None, reason=reason)]
        for turn in await self.engine.store.recent_turns(handoff.chat_key, RECENT_TURNS):
            if turn.user_text:
                lines.append(f"> {_cut(turn.user_text, 300)}")
            if turn.reply_text:
                lines.append(f"< {_cut(turn.reply_text, 300)}")
        return "\n".join(lines)

    async def _push(self, chat_key: str, reply: Reply) -> bool:
        """Send, and say whether it went (a failure is logged, never raised)."""
        try:
            sent = await self.engine.push(chat_key, reply)
        except Unreachable as exc:
            log.warning("handoff: %s", exc)
            return False
        except Exception:
            log.exception("handoff: could not send to %s", chat_key)
            return False
        return sent.kind != "refusal"

    # --- helpers ---------------------------------------------------------------------------

    @property
    def _inbox(self) -> Inbox:
        if self.inbox is None:
            raise RuntimeError("the handoff responder was not attached to an engine")
        return self.inbox

    def reason_text(self, handoff: Handoff, language: str | None) -> str:
        """Why the chat was handed over, in words (the operators' notice, the console)."""
        message_id = REASONS.get(handoff.reason)
        return self._text(message_id, language) if message_id else handoff.reason

    def _text(self, message_id: str, language: str | None, **fields: object) -> str:
        return self.engine.say(message_id, language, **fields)

    def _say_to_user(
        self, message_id: str, language: str | None, *, unstored: bool = False, **fields: object
    ) -> Reply:
        text = self._text(message_id, language, **fields)
        return Reply(text, kind="handoff", source="handoff", language=language, unstored=unstored)


def _phrase_pattern(phrase: str) -> re.Pattern:
    """A phrase as whole words where it is written in letters (Chinese has no spaces)."""
    words = " ".join(phrase.casefold().split())
    return re.compile(
        rf"(?<![^\W\d_]){re.escape(words)}(?![^\W\d_])" if words.isascii() else re.escape(words)
    )


def fallbacks_in_a_row(context: list[Turn]) -> int:
    """Fallbacks at the end of the context, back to the last handoff or answer."""
    count = 0
    for turn in reversed(context):
        if not turn.fallback or turn.source.startswith(("handoff", "operator")):
            break
        count += 1
    return count


def chat_named_in(text: str) -> str | None:
    """The chat key a notice to operators is about: its ``[channel:id]`` tag, which starts
    every notice (a tag elsewhere in a text is a user's words, never a target)."""
    found = TAG.match(text or "")
    return found.group(1) if found else None


def _cut(text: str, limit: int = RELAYED_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
