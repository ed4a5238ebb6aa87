"""One update at a time per chat: route it, ask the engine, send the reply, record the
outcome in the inbox. Different chats are handled concurrently."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from chatcore.builtin.telegram import routing
from chatcore.builtin.telegram.inbox import DurableUpdateQueue
from chatcore.builtin.telegram.sender import Undeliverable, send_text, typing
from chatcore.builtin.telegram.settings import TelegramSettings
from chatcore.types import Message
from telegram import Update

log = logging.getLogger(__name__)
NOTES = {routing.NON_TEXT: "telegram.non_text", routing.EDITED: "telegram.edited"}
NOT_ALLOWED = "telegram.not_allowed"  # message ids of the notes for what is not answered


class UpdateHandler:
    """The Application's only handler (a ``TypeHandler(Update, ...)`` callback)."""

    def __init__(self, settings: TelegramSettings, engine: Any, queue: DurableUpdateQueue):
        self.settings = settings
        self.engine = engine
        self._queue = queue
        self._chat_locks: dict[int, tuple[asyncio.Lock, int]] = {}
        self.working: set[asyncio.Task] = set()
        self.abandon = False  # set when the shutdown grace period ran out

    async def drain(self, grace: float) -> None:
        """Wait up to ``grace`` seconds for replies in flight; cancel the rest, which stay
        in the inbox and are answered on the next start."""
        if not self.working:
            return
        _, late = await asyncio.wait(set(self.working), timeout=grace)
        if late:
            log.warning("telegram: %d replies unfinished at stop; kept for next start", len(late))
            self.abandon = True
            for task in late:
                task.cancel()

    async def __call__(self, update: Update, context: Any) -> None:
        if self.abandon:  # shutting down past the grace period: leave it for the next start
            self._queue.finish(update.update_id, None)
            return
        message = update.effective_message
        chat_id = message.chat.id if message is not None else 0
        outcome: str | None = None
        task = asyncio.current_task()
        if task is not None:
            self.working.add(task)
        try:
            async with self._chat_lock(chat_id):
                outcome = await self._answer(update, context.bot)
        except Undeliverable as exc:
            log.warning("telegram: update %s undeliverable: %s", update.update_id, exc)
            outcome = "undeliverable"
        except Exception:
            log.exception("telegram: update %s failed; kept for the next start", update.update_id)
        finally:
            self.working.discard(task)  # type: ignore[arg-type]
            self._queue.finish(update.update_id, outcome)

    async def _answer(self, update: Update, bot: Any) -> str:
        decision = routing.decide(update, bot.bot, self.settings)
        if decision.action == routing.IGNORE:
            return "ignored"
        message = update.effective_message
        language = user_language(update)
        where = reply_place(update, decision)
        if decision.action != routing.ANSWER:
            note = self.engine.messages.text(NOTES.get(decision.action, NOT_ALLOWED), language)
            await send_text(bot, message.chat.id, note, self._retries, **where)
            return decision.action
        async with typing(bot, message.chat.id, self.settings.typing_delay):
            reply = await self.engine.handle(
                to_message(update, decision.text, language, self.settings)
            )
        if not reply.silent:
            await send_text(bot, message.chat.id, reply.text, self._retries, **where)
        return "answered"

    @property
    def _retries(self):
        return self.settings.retries

    @asynccontextmanager
    async def _chat_lock(self, chat_id: int) -> AsyncIterator[None]:
        """Updates of one chat are answered one after another, in arrival order."""
        lock, users = self._chat_locks.get(chat_id, (asyncio.Lock(), 0))
        self._chat_locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._chat_locks[chat_id]
            if users == 1:
                del self._chat_locks[chat_id]
            else:
                self._chat_locks[chat_id] = (lock, users - 1)


def user_language(update: Update) -> str | None:
    """The two-letter language of the sender's Telegram app, if it says."""
    user = update.effective_message.from_user
    return (user.language_code or "")[:2] or None if user else None


def reply_place(update: Update, decision: routing.Decision) -> dict[str, Any]:
    """Where a reply goes: quoting the message (in groups) and in its forum topic."""
    message = update.effective_message
    return {
        "quote": message.message_id if decision.quote else None,
        "thread": message.message_thread_id if message.is_topic_message else None,
    }


def to_message(
    update: Update, text: str, language: str | None, settings: TelegramSettings
) -> Message:
    """The engine's message for an update to answer."""
    message = update.effective_message
    user = message.from_user
    return Message(
        channel="telegram",
        chat_id=str(message.chat.id),
        user_id=str(user.id),
        text=text,
        language=language,
        is_admin=user.id in settings.admin_ids,
        message_id=str(update.update_id),
        received_at=message.date.timestamp(),
        meta={
            "chat_type": message.chat.type,
            "telegram_message_id": message.message_id,
            "user_language": language,
        },
    )
