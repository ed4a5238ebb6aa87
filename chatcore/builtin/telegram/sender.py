"""Sending replies: plain text only (an inline keyboard at most on the last part), split to
Telegram's size, retried with backoff on timeouts, 5xx and dropped connections, with a typing
indicator while the engine works."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from chatcore.background import running_beside
from chatcore.builtin.telegram.ratelimit import retry_after_seconds
from chatcore.builtin.telegram.settings import RetrySettings
from chatcore.builtin.telegram.split import split_message
from telegram import LinkPreviewOptions, ReplyParameters
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter

log = logging.getLogger(__name__)
T = TypeVar("T")
FINAL = (BadRequest, Forbidden, InvalidToken)  # retrying cannot help (BadRequest is a NetworkError)


class Undeliverable(Exception):
    """Telegram refused the message for good (bot blocked, chat gone, bad request)."""


async def with_retries(call: Callable[[], Awaitable[T]], retries: RetrySettings, what: str) -> T:
    """Run ``call``; on a network fault or 5xx wait (exponential backoff with jitter) and
    retry, up to ``retries.attempts`` tries in all."""
    for attempt in range(1, retries.attempts + 1):
        try:
            return await call()
        except FINAL as exc:
            raise Undeliverable(f"{what}: {type(exc).__name__}: {exc}") from exc
        except (NetworkError, RetryAfter) as exc:
            if attempt == retries.attempts:
                raise
            delay = _delay(exc, attempt, retries)
            error = f"{type(exc).__name__}: {exc}"
            log.warning("%s failed (%s); retry %d in %.2fs", what, error, attempt, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _delay(exc: Exception, attempt: int, retries: RetrySettings) -> float:
    if isinstance(exc, RetryAfter):
        return retry_after_seconds(exc)
    backoff = min(retries.max_backoff, retries.backoff * 2 ** (attempt - 1))
    return backoff * random.uniform(0.5, 1.0)


async def send_text(
    bot: Any,
    chat_id: int,
    text: str,
    retries: RetrySettings,
    *,
    quote: int | None = None,
    thread: int | None = None,
    reply_markup: Any = None,
) -> int:
    """Send ``text`` as one or more plain-text messages (in forum topic ``thread``); the
    first quotes message ``quote``, the last carries ``reply_markup`` (buttons go under the
    end of a reply). Returns the number of messages sent."""
    chunks = split_message(text)
    for index, chunk in enumerate(chunks):
        reply = None
        if quote is not None and index == 0:
            reply = ReplyParameters(message_id=quote, allow_sending_without_reply=True)
        markup = reply_markup if index == len(chunks) - 1 else None
        await with_retries(
            lambda chunk=chunk, reply=reply, markup=markup: bot.send_message(
                chat_id,
                chunk,
                message_thread_id=thread,
                reply_parameters=reply,
                reply_markup=markup,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            ),
            retries,
            f"sendMessage to chat {chat_id}",
        )
    return len(chunks)


def typing(bot: Any, chat_id: int, delay: float, every: float = 4.5):
    """Show 'typing…' in the chat while the body runs longer than ``delay`` seconds
    (Telegram clears it after ~5 s, so it is repeated)."""
    return running_beside(_keep_typing(bot, chat_id, delay, every))


async def _keep_typing(bot: Any, chat_id: int, delay: float, every: float) -> None:
    await asyncio.sleep(delay)
    while True:
        try:
            await bot.send_chat_action(chat_id, ChatAction.TYPING)
        except Exception as exc:  # cosmetic: never let it fail a reply
            log.debug("typing indicator for chat %s failed: %s", chat_id, exc)
        await asyncio.sleep(every)
