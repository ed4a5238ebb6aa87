"""The chat behind the page and the widget, whatever carries it (WebSocket or plain HTTP).

A browser's messages carry ids it makes; the same id sent again (a reconnect, a reload with
the message still unanswered) gets the reply already given or still being made, never a
second run: answers in flight are shared, answered ones are found by the turn stored with
the message's id. So nothing is lost and nothing is answered twice.
"""

from __future__ import annotations

import asyncio
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from chatcore.commands import parse_command
from chatcore.contracts import EngineView
from chatcore.store import Turn
from chatcore.types import Message, Reply

from .live import LiveNumbers
from .security import ChatTokens

CHANNEL = "web"
MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
ENDS_CONVERSATION = frozenset({"reset", "forget"})
REMEMBERED_REPLIES = 10_000
RECENT_TURNS = 8
UNSTORED = frozenset(
    {"command", "limited", "muted", "error"}
)  # replies the engine keeps no turn of


class BadRequest(ValueError):
    """A message the page should not have sent; the text says why, for the page to show."""


class ChatService:
    def __init__(
        self,
        engine: EngineView,
        tokens: ChatTokens,
        live: LiveNumbers,
        *,
        max_chars: int,
        history_turns: int,
    ) -> None:
        self.engine = engine
        self.tokens = tokens
        self.live = live
        self.max_chars = max_chars
        self.history_turns = history_turns
        self._in_flight: dict[tuple[str, str], asyncio.Future[dict[str, Any]]] = {}
        self._answered: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()

    def identify(self, token: object) -> tuple[str, str]:
        """(chat id, token) for a token this server signed; a new chat for anything else."""
        chat_id = self.tokens.chat_id(token)
        if chat_id is None:
            return self.tokens.issue()
        return chat_id, str(token)

    async def history(self, chat_id: str, after: object) -> list[dict[str, Any]]:
        """The current conversation's turns after turn ``after``, oldest first."""
        if self.history_turns == 0:
            return []
        since = after if isinstance(after, int) and not isinstance(after, bool) else 0
        turns = await self.engine.store.recent_turns(_chat_key(chat_id), self.history_turns)
        return [_turn_json(turn) for turn in turns if (turn.id or 0) > since]

    async def rate(self, chat_id: str, turn: object, value: object) -> bool:
        """A 👍 (1), 👎 (-1) or withdrawn (0) verdict on one of this chat's turns; False for a
        turn the chat does not have (another browser's, or a made-up number)."""
        if not isinstance(turn, int) or isinstance(turn, bool) or value not in (1, -1, 0):
            raise BadRequest("feedback needs a turn number and a value of 1, -1 or 0")
        store = self.engine.store
        return await store.set_feedback(_chat_key(chat_id), turn, chat_id, int(value))

    def check(self, message_id: object, text: object) -> tuple[str, str]:
        if not isinstance(message_id, str) or not MESSAGE_ID.fullmatch(message_id):
            raise BadRequest("a message needs an id of 1-64 letters, digits, '-' or '_'")
        if not isinstance(text, str) or not text.strip():
            raise BadRequest("a message needs some text")
        if len(text) > self.max_chars:
            raise BadRequest(f"messages are limited to {self.max_chars} characters")
        return message_id, text

    async def answer(
        self,
        chat_id: str,
        message_id: str,
        text: str,
        language: str | None = None,
        started: Callable[[], Awaitable[None]] | None = None,
    ) -> dict[str, Any]:
        """The reply to one message (see the module's docstring for repeated ids).
        ``started`` is awaited when the engine begins on it (the page's typing indicator)."""
        key = (chat_id, message_id)
        if key in self._answered:
            return self._answered[key]
        running = self._in_flight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        stored = await self._stored_reply(chat_id, message_id)
        if stored is not None:
            return stored
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            if started is not None:
                await started()
            reply = await self.engine.handle(_message(chat_id, message_id, text, language))
            result = _reply_json(message_id, reply, ends=_ends_conversation(text, reply))
            if reply.kind not in UNSTORED:
                result["turn"] = await self._turn_id(chat_id, message_id)
            self.live.record(reply.latency_ms, reply.fallback)
            self._remember(key, result)
            future.set_result(result)
            return result
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here: a waiter may not exist
            raise
        finally:
            del self._in_flight[key]

    async def _turn_id(self, chat_id: str, message_id: str) -> int | None:
        """The id of the turn just stored for a message (the page's ``after`` on reconnect);
        a few turns back, since the chat's next message may be stored already."""
        turn = await self._stored_turn(chat_id, message_id, RECENT_TURNS)
        return turn.id if turn is not None else None

    async def _stored_turn(self, chat_id: str, message_id: str, limit: int) -> Turn | None:
        turns = await self.engine.store.recent_turns(_chat_key(chat_id), limit)
        return next((t for t in reversed(turns) if t.message_id == message_id), None)

    async def _stored_reply(self, chat_id: str, message_id: str) -> dict[str, Any] | None:
        """An answer stored before (by this process before a restart, or another one)."""
        turn = await self._stored_turn(chat_id, message_id, max(self.history_turns, 50))
        if turn is None:
            return None
        return {
            "type": "reply",
            "id": message_id,
            "turn": turn.id,
            "text": turn.reply_text,
            "kind": "answer",
            "fallback": turn.fallback,
            "silent": not turn.reply_text.strip(),
            "choices": [],
        }

    def _remember(self, key: tuple[str, str], result: dict[str, Any]) -> None:
        self._answered[key] = result
        while len(self._answered) > REMEMBERED_REPLIES:
            self._answered.popitem(last=False)


def _chat_key(chat_id: str) -> str:
    return f"{CHANNEL}:{chat_id}"


def _message(chat_id: str, message_id: str, text: str, language: str | None) -> Message:
    meta = {"user_language": language} if language else {}
    return Message(CHANNEL, chat_id, chat_id, text, message_id=message_id, meta=meta)


def _ends_conversation(text: str, reply: Reply) -> bool:
    command = parse_command(text.strip())
    return reply.kind == "command" and command is not None and command[0] in ENDS_CONVERSATION


def _reply_json(message_id: str, reply: Reply, *, ends: bool) -> dict[str, Any]:
    return {
        "type": "reply",
        "id": message_id,
        "turn": None,
        "text": "" if reply.silent else reply.text,
        "kind": reply.kind,
        "fallback": reply.fallback,
        "silent": reply.silent,
        "ends_conversation": ends,
        "choices": [] if reply.silent else list(reply.choices),
    }


def push_json(reply: Reply) -> dict[str, Any]:
    """The frame of a reply sent unasked (an operator's answer, a handoff notice). It has no
    turn yet: an operator's answer is stored just after it is sent, and the page matches the
    history's turn to the bubble by its text."""
    return {
        "type": "push",
        "turn": None,
        "text": reply.text,
        "kind": reply.kind,
        "choices": list(reply.choices),
    }


def _turn_json(turn: Turn) -> dict[str, Any]:
    """A stored turn for the page: ``user`` is empty for an operator's answer (no user bubble),
    ``bot`` for a message a person was to answer (no bot bubble)."""
    return {
        "turn": turn.id,
        "id": turn.message_id,
        "user": turn.user_text,
        "bot": turn.reply_text,
        "at": turn.created_at,
        "operator": turn.source.startswith("operator"),
    }
