"""One update at a time per chat: route it, ask the engine, send the reply (with its
buttons), record the outcome in the inbox. Button presses go the same way, under the same
lock. Different chats are handled concurrently."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from chatcore.builtin.telegram import routing
from chatcore.builtin.telegram.buttons import choices_keyboard, rating_keyboard
from chatcore.builtin.telegram.inbox import DurableUpdateQueue
from chatcore.builtin.telegram.presses import Presses
from chatcore.builtin.telegram.sender import Undeliverable, send_text, typing
from chatcore.builtin.telegram.settings import TelegramSettings
from chatcore.types import Message, Reply
from telegram import InlineKeyboardMarkup, Update
from telegram import Message as TelegramMessage

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
        self._presses = Presses(settings, engine, self.converse)

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
        chat = update.effective_chat
        chat_id = chat.id if chat is not None else 0
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
        language = user_language(update)
        if update.callback_query is not None:
            return await self._press(update, decision, bot, language)
        message = update.effective_message
        where = reply_place(update, decision)
        if decision.action != routing.ANSWER:
            note = self.engine.messages.text(NOTES.get(decision.action, NOT_ALLOWED), language)
            await send_text(bot, message.chat.id, note, self._retries, **where)
            return decision.action
        asked = to_message(update, decision.text, language, self.settings, bot_id=bot.bot.id)
        await self.converse(bot, asked, where)
        return "answered"

    async def _press(
        self, update: Update, decision: routing.Decision, bot: Any, language: str | None
    ) -> str:
        """A button press: a stranger's gets the refusal as the button's note, nothing more."""
        if decision.action != routing.PRESS:
            refusal = self.engine.messages.text(NOT_ALLOWED, language)
            await self._presses.answer_query(update.callback_query, refusal)
            return decision.action
        where = reply_place(update, decision)
        return await self._presses.handle(update, decision.text, bot, language, where)

    async def converse(self, bot: Any, message: Message, where: dict[str, Any]) -> None:
        """Ask the engine and send its reply, with the buttons it calls for."""
        chat_id = int(message.chat_id)
        async with typing(bot, chat_id, self.settings.typing_delay):
            reply = await self.engine.handle(message)
        if reply.silent:
            return
        markup = await self._keyboard(message, reply)
        await send_text(bot, chat_id, reply.text, self._retries, reply_markup=markup, **where)

    async def _keyboard(self, message: Message, reply: Reply) -> InlineKeyboardMarkup | None:
        """A fallback's choices; 👍/👎 under an answer that was stored (they rate its turn)."""
        if reply.choices:
            return choices_keyboard(reply.choices)
        if not (self.settings.feedback_buttons and is_answer(reply)):
            return None
        turn_id = await self._stored_turn_id(message)
        return None if turn_id is None else rating_keyboard(turn_id)

    async def _stored_turn_id(self, message: Message) -> int | None:
        """The id of the turn the engine stored for ``message`` (none: no buttons; the
        answer itself must still go out)."""
        try:
            turns = await self.engine.store.recent_turns(message.chat_key, 3)
        except Exception as exc:
            log.warning("telegram: no rating buttons, the store failed: %s", exc)
            return None
        found = [t.id for t in turns if t.message_id == message.message_id]
        return found[-1] if found else None

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


def is_answer(reply: Reply) -> bool:
    """An answer to a question (not a fallback, command, refusal or notice): rateable."""
    return reply.kind == "answer" and not reply.fallback and not reply.silent


def user_language(update: Update) -> str | None:
    """The two-letter language of the sender's (or presser's) Telegram app, if it says."""
    user = update.effective_user
    return (user.language_code or "")[:2] or None if user else None


def reply_place(update: Update, decision: routing.Decision) -> dict[str, Any]:
    """Where a reply goes: quoting the message (in groups; for a press, the pressed one) and
    in its forum topic."""
    query = update.callback_query
    if query is not None and not isinstance(query.message, TelegramMessage):
        return {}  # a press on a message too old for the bot to see
    message = update.effective_message
    return {
        "quote": message.message_id if decision.quote else None,
        "thread": message.message_thread_id if message.is_topic_message else None,
    }


def to_message(
    update: Update,
    text: str,
    language: str | None,
    settings: TelegramSettings,
    *,
    bot_id: int | None = None,
) -> Message:
    """The engine's message for an update to answer; a reply to one of the bot's own
    messages (``bot_id``'s) carries that message's text and id in ``meta`` (an operator
    answers a handed-over chat, or an admin corrects an answer, by replying to it)."""
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
            **replied_to(message, bot_id),
        },
    )


def replied_to(message: Any, bot_id: int | None) -> dict[str, Any]:
    """``reply_to_text``, ``reply_to_message_id`` and ``reply_to_at`` (when the bot sent it,
    a Unix time) when ``message`` replies to the bot."""
    original = message.reply_to_message
    author = original.from_user if original is not None else None
    if bot_id is None or author is None or author.id != bot_id:
        return {}
    return {
        "reply_to_text": original.text or original.caption or "",
        "reply_to_message_id": original.message_id,
        "reply_to_at": original.date.timestamp() if original.date else None,
    }
