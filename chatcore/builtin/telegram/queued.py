"""The Telegram frontend split for several workers (chatcore.contracts.QueuedChannel).

Gateway: python-telegram-bot's Updater (webhook or polling) with an update queue whose ``put``
queues the update on Redis before it returns; the Updater confirms an update (the webhook's
200, the next getUpdates offset) only after ``put`` returned, so Telegram redelivers anything
not durably queued. Workers: read the update back, decide as the single-process frontend does
(chatcore.builtin.telegram.routing), and send the reply through the Bot API.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from chatcore.builtin.telegram import routing
from chatcore.builtin.telegram.frontend import paced_limiter, register_commands, start_updates
from chatcore.builtin.telegram.handler import (
    NOT_ALLOWED,
    NOTES,
    reply_place,
    to_message,
    user_language,
)
from chatcore.builtin.telegram.redact import install_token_filter
from chatcore.builtin.telegram.sender import send_text, with_retries
from chatcore.builtin.telegram.settings import TelegramSettings
from chatcore.contracts import Enqueue, Incoming
from chatcore.errors import ChatcoreError
from chatcore.serving import serve_until_cancelled
from telegram import Bot, Update
from telegram.ext import ExtBot, Updater
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)


class _QueueingUpdates(asyncio.Queue):
    """The Updater's update queue: ``put`` is the durable enqueue; nothing is consumed here."""

    def __init__(self, enqueue: Enqueue) -> None:
        super().__init__()
        self._enqueue = enqueue

    async def put(self, item: Any) -> None:
        if not isinstance(item, Update):
            return
        chat = item.effective_chat
        chat_key = f"telegram:{chat.id if chat is not None else 0}"
        await self._enqueue("telegram", chat_key, item.to_json(), f"telegram:{item.update_id}")


class TelegramChannel:
    name = "telegram"

    def __init__(self, settings: TelegramSettings, token: str) -> None:
        self.settings = settings
        self._token = token
        self._bot: Bot | None = None
        self._redactor = install_token_filter(token)
        secret = settings.webhook.secret_token
        if secret is not None:
            self._redactor.add(secret.get_secret_value())

    def _make_bot(self) -> Bot:
        s = self.settings
        api = s.api_base_url.rstrip("/")
        request = HTTPXRequest(
            connection_pool_size=s.max_concurrent_updates * 2 + 4,
            connect_timeout=s.request_timeout,
            read_timeout=s.request_timeout,
            write_timeout=s.request_timeout,
            pool_timeout=s.request_timeout,
        )
        return ExtBot(
            self._token,
            base_url=f"{api}/bot",
            base_file_url=f"{api}/file/bot",
            request=request,
            rate_limiter=paced_limiter(s),  # per worker: a chat is on one at a time
        )

    async def _initialized_bot(self) -> Bot:
        bot = self._make_bot()
        try:
            await with_retries(bot.initialize, self.settings.retries, "connecting to Telegram")
        except Exception as exc:
            problem = f"cannot reach the Bot API at {self.settings.api_base_url}: {exc}"
            raise ChatcoreError(self._redactor.redact(problem)) from None
        return bot

    # --- gateway -------------------------------------------------------------------------

    async def receive(
        self, enqueue: Enqueue, commands: Mapping[str, Any], ready: Callable[[], None]
    ) -> None:
        bot = await self._initialized_bot()
        updater = Updater(bot, _QueueingUpdates(enqueue))
        async with updater:
            await register_commands(bot, commands, self.settings)
            await start_updates(updater, self.settings)
            ready()
            log.info(
                "telegram gateway: queueing updates for @%s (%s)", bot.username, self.settings.mode
            )
            await serve_until_cancelled(updater.stop)

    # --- worker --------------------------------------------------------------------------

    async def open(self) -> None:
        if self._bot is None:
            self._bot = await self._initialized_bot()

    async def close(self) -> None:
        bot, self._bot = self._bot, None
        if bot is not None:
            await bot.shutdown()

    def _update(self, payload: str) -> Update:
        assert self._bot is not None, "open() first"
        return Update.de_json(json.loads(payload), self._bot)

    async def read(self, payload: str, engine: Any) -> Incoming:
        update = self._update(payload)
        if update.callback_query is not None:
            return Incoming()  # workers send no buttons; a press of an older one is dropped
        decision = routing.decide(update, self._bot.bot, self.settings)
        if decision.action == routing.IGNORE:
            return Incoming()
        language = user_language(update)
        if decision.action != routing.ANSWER:
            note_id = NOTES.get(decision.action, NOT_ALLOWED)
            return Incoming(note=engine.messages.text(note_id, language))
        message = to_message(
            update, decision.text, language, self.settings, bot_id=self._bot.bot.id
        )
        return Incoming(message=message)

    async def deliver(self, payload: str, text: str) -> None:
        update = self._update(payload)
        decision = routing.decide(update, self._bot.bot, self.settings)
        chat_id = update.effective_message.chat.id
        await send_text(
            self._bot, chat_id, text, self.settings.retries, **reply_place(update, decision)
        )
