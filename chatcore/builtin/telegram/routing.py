"""Which updates get an answer: private chats always, groups only when addressed, non-text
and edits get a short note in private, strangers a polite refusal. Presses of the bot's
inline buttons are answered under the same access rules as messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chatcore.builtin.telegram.settings import TelegramSettings

ANSWER, NON_TEXT, EDITED, REFUSE, IGNORE = "answer", "non_text", "edited", "refuse", "ignore"
PRESS = "press"  # a button of the bot's was pressed; ``text`` is its callback data


@dataclass(frozen=True)
class Decision:
    """What to do with one update; ``text`` is what the engine gets (mention removed)."""

    action: str
    text: str = ""
    quote: bool = False


def decide(update: Any, bot: Any, settings: TelegramSettings) -> Decision:
    """``update`` is a telegram.Update, ``bot`` the bot's own telegram.User."""
    if update.callback_query is not None:
        return _press(update.callback_query, settings)
    if update.edited_message is not None:
        private = update.edited_message.chat.type == "private"
        return Decision(EDITED) if private and _allowed(update.edited_message, settings) else _NO
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return _NO  # channel posts, member updates, other bots
    if message.chat.type == "private":
        return _private(message, settings)
    return _group(message, bot, settings)


_NO = Decision(IGNORE)


def _private(message: Any, settings: TelegramSettings) -> Decision:
    if not _allowed(message, settings):
        return Decision(REFUSE)
    if message.text is None:
        return Decision(NON_TEXT)
    return Decision(ANSWER, message.text)


def _group(message: Any, bot: Any, settings: TelegramSettings) -> Decision:
    if message.text is None:
        return _NO
    text = addressed_text(message, bot, settings.groups.reply_on)
    if text is None:
        return _NO
    if not _allowed(message, settings):
        return Decision(REFUSE, quote=True)
    return Decision(ANSWER, text or "/start", quote=True)


def _press(query: Any, settings: TelegramSettings) -> Decision:
    """A press on a message in a chat (not one sent via inline mode, which the bot never
    does): by whoever pressed, in that chat."""
    chat = query.message.chat if query.message is not None else None
    if chat is None or query.from_user is None:
        return _NO
    if not _allowed_ids(query.from_user.id, chat.id, settings):
        return Decision(REFUSE)
    return Decision(PRESS, query.data or "", quote=chat.type != "private")


def _allowed(message: Any, settings: TelegramSettings) -> bool:
    user = message.from_user.id if message.from_user is not None else None
    return _allowed_ids(user, message.chat.id, settings)


def _allowed_ids(user_id: int | None, chat_id: int, settings: TelegramSettings) -> bool:
    users, chats = settings.allowed_user_ids, settings.allowed_chat_ids
    user_ok = not users or (user_id is not None and user_id in users)
    return user_ok and (not chats or chat_id in chats)


def addressed_text(message: Any, bot: Any, reply_on: list[str]) -> str | None:
    """The text meant for the bot, or None when a group message is not addressed to it."""
    text: str = message.text
    username = (bot.username or "").lower()
    if text.startswith("/"):
        target = text.split(maxsplit=1)[0].partition("@")[2].lower()
        if target and target != username:
            return None  # a command for another bot
        if "command" in reply_on or "all" in reply_on:
            return text
    mentioned = _mentions(message, bot)
    replied = (
        message.reply_to_message is not None
        and message.reply_to_message.from_user is not None
        and message.reply_to_message.from_user.id == bot.id
    )
    if (
        "all" in reply_on
        or ("mention" in reply_on and mentioned)
        or ("reply" in reply_on and replied)
    ):
        return _strip_mention(text, username)
    return None


def _mentions(message: Any, bot: Any) -> bool:
    username = f"@{bot.username}".lower() if bot.username else None
    for entity in message.entities or ():
        if entity.type == "mention" and message.parse_entity(entity).lower() == username:
            return True
        if entity.type == "text_mention" and entity.user and entity.user.id == bot.id:
            return True
    return False


def _strip_mention(text: str, username: str) -> str:
    if not username:
        return text.strip()
    cleaned = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", cleaned).strip(" ,:;")
