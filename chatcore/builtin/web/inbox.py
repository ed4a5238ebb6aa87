"""The console's inbox: chats handed to a person (the handoff plugin), what was said in them,
and the operator's answers and "Done". The handoff service does the work (moderation of the
answer, storing it as a turn, telling the user); this module only shapes it for the console.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from chatcore.contracts import EngineView
from chatcore.store import Turn

from .pages import json_body

log = logging.getLogger("chatcore.web.admin")
OPERATOR = "web:console"  # who the console's answers are from (in the turn's source)
NOT_CONFIGURED = "handoff is not configured (responders: [handoff, ...])"
CONSOLE_OFF = "the console's inbox is off (handoff: {console: false})"
PREVIEW = 4  # messages of each chat the inbox list shows
TRANSCRIPT_TURNS = 200
PROBLEMS = {
    "handoff.not_waiting": 409,
    "handoff.blocked": 422,
    "handoff.unreachable": 503,
    "handoff.undeliverable": 502,
}


class Inbox:
    """The inbox's API handlers (the console guards them: session, CSRF for changes)."""

    def __init__(self, engine: EngineView, max_chars: int) -> None:
        self.engine = engine
        self.max_chars = max_chars

    def _service(self) -> Any:
        """The handoff service, or the 404 that says why there is none."""
        service = self.engine.services.get("handoff")
        if service is None:
            raise _not_found(NOT_CONFIGURED)
        if not service.settings.console:
            raise _not_found(CONSOLE_OFF)
        return service

    async def handoffs(self, request: web.Request) -> web.Response:
        """Every open handoff, oldest first, with the chat's last few messages."""
        service = self._service()
        items = []
        for handoff in await service.inbox.all():
            turns = await self.engine.store.recent_turns(handoff.chat_key, PREVIEW)
            items.append({**self._handoff_json(handoff), "messages": messages(turns)[-PREVIEW:]})
        return web.json_response({"items": items})

    async def chat(self, request: web.Request) -> web.Response:
        """One chat's current conversation, and its handoff (null: back with the bot)."""
        service = self._service()
        chat_key = _chat_key(request)
        handoff = await service.inbox.get(chat_key)
        turns = await self.engine.store.recent_turns(chat_key, TRANSCRIPT_TURNS)
        return web.json_response(
            {
                "chat_key": chat_key,
                "handoff": self._handoff_json(handoff) if handoff is not None else None,
                "messages": messages(turns),
            }
        )

    async def reply(self, request: web.Request) -> web.Response:
        """An operator's answer, sent as the handoff service sends it (output filters first)."""
        service = self._service()
        chat_key = _chat_key(request)
        text = (await json_body(request)).get("text")
        if not isinstance(text, str) or not text.strip():
            return _error("write an answer first", 400)
        if len(text) > self.max_chars:
            return _error(f"answers are limited to {self.max_chars} characters", 400)
        problem = await service.operator_reply(chat_key, text.strip(), OPERATOR)
        if problem:
            log.info("console: answer to %s not sent (%s)", chat_key, problem)
            return _error(self.engine.say(problem, None, chat=chat_key), PROBLEMS.get(problem, 409))
        return web.json_response({"sent": True})

    async def done(self, request: web.Request) -> web.Response:
        """Give the chat back to the bot; the user is told."""
        service = self._service()
        chat_key = _chat_key(request)
        if await service.finish(chat_key, "done", by=OPERATOR) is None:
            text = self.engine.say("handoff.not_waiting", None, chat=chat_key)
            return _error(text, 409)
        log.info("console: %s given back to the bot", chat_key)
        return web.json_response({"done": True})

    def _handoff_json(self, handoff: Any) -> dict[str, Any]:
        service = self.engine.services["handoff"]  # there: the handoff came from it
        return {
            "chat_key": handoff.chat_key,
            "channel": handoff.chat_key.split(":", 1)[0],
            "user_id": handoff.user_id,
            "reason": handoff.reason,
            "reason_text": service.reason_text(handoff, None),
            "language": handoff.language,
            "since": handoff.since,
            "last_activity": handoff.last_activity,
            "operator": handoff.operator,
            "operator_at": handoff.operator_at or None,
            # the user spoke last (or nobody answered yet): an operator should answer
            "needs_answer": handoff.operator_at < handoff.last_activity,
        }


def messages(turns: list[Turn]) -> list[dict[str, Any]]:
    """Turns as the messages people saw, oldest first: an empty side is no message (an
    operator's answer has no user text, a message to a person no bot reply)."""
    found = []
    for turn in turns:
        if turn.user_text:
            found.append(_message("user", turn.user_text, turn))
        if turn.reply_text:
            who = "operator" if turn.source.startswith("operator") else "bot"
            found.append(_message(who, turn.reply_text, turn))
    return found


def _message(who: str, text: str, turn: Turn) -> dict[str, Any]:
    by = turn.source.partition(":")[2] if who == "operator" else ""
    return {"from": who, "by": by, "text": text, "at": turn.created_at, "turn": turn.id}


def _chat_key(request: web.Request) -> str:
    return unquote(request.match_info["chat_key"])


def _error(text: str, status: int) -> web.Response:
    return web.json_response({"error": text}, status=status)


def _not_found(text: str) -> web.HTTPNotFound:
    """A 404 to raise, with the JSON body the console's other errors have."""
    return web.HTTPNotFound(text=json.dumps({"error": text}), content_type="application/json")
