"""Presses of the bot's inline buttons (callback queries), under the chat's lock like its
messages: a choice is asked as if the user had typed it; 👍/👎 rates the answer it is under.
Every press is answered (``answerCallbackQuery``) so the user's app stops waiting."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from chatcore.builtin.telegram import buttons
from chatcore.builtin.telegram.sender import Undeliverable, with_retries
from chatcore.builtin.telegram.settings import TelegramSettings
from chatcore.errors import StoreError
from chatcore.store import Turn
from chatcore.types import Message
from telegram import Message as TelegramMessage

log = logging.getLogger(__name__)
Converse = Callable[[Any, Message, dict[str, Any]], Awaitable[None]]
"""``converse(bot, message, where)``: ask the engine and send its reply (the handler's)."""
RATE_LOOKBACK = 100  # the turns of a chat searched for the one a 👍/👎 is under
THANKS = {1: "feedback.good", -1: "feedback.bad"}


class Presses:
    def __init__(self, settings: TelegramSettings, engine: Any, converse: Converse):
        self.settings = settings
        self.engine = engine
        self._converse = converse

    async def handle(
        self, update: Any, data: str, bot: Any, language: str | None, where: dict[str, Any]
    ) -> str:
        """Answer one press of an allowed user; returns the inbox outcome."""
        press = buttons.parse(data)
        if press.kind == buttons.CHOICE:
            return await self._choose(update, press, bot, language, where)
        if press.kind == buttons.RATE:
            return await self._rate(update, press, data, bot, language)
        await self.answer_query(update.callback_query)
        return "unknown_press"

    async def answer_query(self, query: Any, text: str | None = None) -> None:
        """Stop the button's spinner (with a short note); a query too old to answer (one
        replayed after a restart) is not worth failing the press for."""
        try:
            await with_retries(
                lambda: query.answer(text=text), self.settings.retries, "answerCallbackQuery"
            )
        except Undeliverable as exc:
            log.info("telegram: could not answer a button press: %s", exc)

    # --- choices -----------------------------------------------------------------------------

    async def _choose(
        self, update: Any, press: buttons.Press, bot: Any, language: str | None, where: dict
    ) -> str:
        """The chosen question, from the pressed keyboard, asked as the presser's message."""
        query = update.callback_query
        pressed = _accessible(query.message)
        text = buttons.choice_text(pressed.reply_markup if pressed else None, press.index)
        await self.answer_query(query)
        if text is None or pressed is None:
            return "unknown_press"
        message = press_message(update, text, language, self.settings)
        removed = await self._edit_keyboard(bot, pressed, None)
        if not removed and await self._asked_since(message, pressed):
            return "pressed_before"  # the keyboard was gone: an earlier press asked it
        await self._converse(bot, message, where)  # (or this press, replayed after a restart)
        return "answered"

    async def _asked_since(self, message: Any, pressed: Any) -> bool:
        """Whether the chosen question was asked in the chat since the keyboard was sent (a
        stored turn): a second press, not this press replayed before it was answered."""
        sent_at = pressed.date.timestamp() if pressed.date else 0.0
        turns = await self.engine.store.recent_turns(message.chat_key, RATE_LOOKBACK)
        return any(t.user_text == message.text and t.created_at >= sent_at - 1 for t in turns)

    # --- ratings -----------------------------------------------------------------------------

    async def _rate(
        self, update: Any, press: buttons.Press, data: str, bot: Any, language: str | None
    ) -> str:
        """Store the presser's verdict on the turn and tick the button they pressed."""
        query = update.callback_query
        chat_key = f"telegram:{query.message.chat.id}"
        language = await self.engine.store.get_setting(chat_key, "lang") or language
        refused = await self._refusal(chat_key, press, str(query.from_user.id))
        note = refused or THANKS[press.value]
        await self.answer_query(query, self.engine.messages.text(note, language))
        if refused:
            return "rate_refused"
        pressed = _accessible(query.message)
        if pressed is not None and pressed.reply_markup is not None:
            ticked = buttons.rated_keyboard(pressed.reply_markup, data)
            if ticked != pressed.reply_markup:
                await self._edit_keyboard(bot, pressed, ticked)
        return "rated"

    async def _refusal(self, chat_key: str, press: buttons.Press, user_id: str) -> str | None:
        """Why a rating is not stored (a catalogue id), or None once it is: only the person
        an answer was given to rates it (in a group, the one who asked)."""
        turn = await self._turn(chat_key, press.turn_id)
        if turn is None:
            return "telegram.rate_gone"
        if turn.user_id != user_id:
            return "telegram.rate_not_yours"
        if not await self._set_feedback(chat_key, press, user_id):
            return "telegram.rate_gone"
        return None

    async def _turn(self, chat_key: str, turn_id: int) -> Turn | None:
        turns = await self.engine.store.recent_turns(chat_key, RATE_LOOKBACK)
        return next((t for t in turns if t.id == turn_id), None)

    async def _set_feedback(self, chat_key: str, press: buttons.Press, user_id: str) -> bool:
        """False when the turn is gone, or the store keeps no feedback (a third-party one)."""
        try:
            return await self.engine.store.set_feedback(
                chat_key, press.turn_id, user_id, press.value
            )
        except StoreError as exc:
            log.warning("telegram: a rating was not stored: %s", exc)
            return False

    # --- helpers -----------------------------------------------------------------------------

    async def _edit_keyboard(self, bot: Any, message: TelegramMessage, markup: Any) -> bool:
        """Replace (None: remove) the keyboard of a message the bot sent. False only when
        Telegram says nothing changed (the keyboard was already so); other failures are
        logged and count as done, the keyboard being cosmetic."""
        try:
            await with_retries(
                lambda: bot.edit_message_reply_markup(
                    chat_id=message.chat.id, message_id=message.message_id, reply_markup=markup
                ),
                self.settings.retries,
                "editMessageReplyMarkup",
            )
        except Undeliverable as exc:
            if "not modified" in str(exc.__cause__).lower():
                return False
            log.info("telegram: could not change a keyboard: %s", exc)
        return True


def press_message(update: Any, text: str, language: str | None, settings: Any) -> Message:
    """The engine's message for a chosen question: the presser's, in the pressed chat, one
    per press (its update id), as if they had typed it."""
    query = update.callback_query
    user, chat = query.from_user, query.message.chat
    return Message(
        channel="telegram",
        chat_id=str(chat.id),
        user_id=str(user.id),
        text=text,
        language=language,
        is_admin=user.id in settings.admin_ids,
        message_id=str(update.update_id),
        meta={
            "chat_type": chat.type,
            "telegram_message_id": query.message.message_id,
            "user_language": language,
            "pressed": True,
        },
    )


def _accessible(message: Any) -> TelegramMessage | None:
    """The pressed message, unless Telegram no longer shows it to the bot (too old)."""
    return message if isinstance(message, TelegramMessage) else None
