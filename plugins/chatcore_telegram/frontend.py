"""The Telegram frontend: python-telegram-bot's Application on the engine's event loop.

Updates flow: Updater (polling or webhook) -> DurableUpdateQueue (committed to the inbox
before Telegram is told) -> one handler per update, serialised per chat -> engine -> reply
(split, paced, retried) -> inbox marked done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, TypeHandler

from chatcore.errors import ChatcoreError
from chatcore.language import localized
from chatcore.types import Message
from chatcore_telegram import routing
from chatcore_telegram.inbox import DurableUpdateQueue, Inbox
from chatcore_telegram.ratelimit import PacedRateLimiter
from chatcore_telegram.redact import install_token_filter
from chatcore_telegram.sender import Undeliverable, send_text, typing, with_retries
from chatcore_telegram.settings import TelegramSettings

log = logging.getLogger(__name__)
UPDATE_TYPES = ["message", "edited_message", "channel_post", "edited_channel_post"]


class TelegramFrontend:
    """``await frontend.run(engine)`` serves until cancelled, then stops cleanly."""

    def __init__(self, settings: TelegramSettings, token: str, inbox_path: Path):
        self.settings = settings
        self._token = token
        self.inbox = Inbox(inbox_path)
        self.ready = asyncio.Event()  # set once updates are being taken
        self.application: Application | None = None
        self.engine: Any = None
        self._queue: DurableUpdateQueue | None = None
        self._chat_locks: dict[int, tuple[asyncio.Lock, int]] = {}
        self._working: set[asyncio.Task] = set()
        self._abandon = False  # set when the shutdown grace period ran out
        install_token_filter(token)

    async def run(self, engine: Any) -> None:
        self.engine = engine
        self.inbox.open()
        try:
            self._queue = DurableUpdateQueue(self.inbox)
            self.application = app = self._build(self._queue)
            await self._initialize(app)
            async with app:
                await self._serve(app)
        finally:
            self.inbox.close()

    def _build(self, queue: DurableUpdateQueue) -> Application:
        s, api = self.settings, self.settings.api_base_url.rstrip("/")
        limits = s.rate_limits
        limiter = PacedRateLimiter(
            overall_per_second=limits.overall_per_second,
            group_per_minute=limits.group_per_minute,
            chat_interval=limits.chat_interval,
            max_retries=limits.max_retries,
        )
        app = (
            ApplicationBuilder()
            .token(self._token)
            .base_url(f"{api}/bot")
            .base_file_url(f"{api}/file/bot")
            .update_queue(queue)
            .rate_limiter(limiter)
            .concurrent_updates(s.max_concurrent_updates)
            .connection_pool_size(s.max_concurrent_updates * 2 + 4)
            .connect_timeout(s.request_timeout)
            .read_timeout(s.request_timeout)
            .write_timeout(s.request_timeout)
            .pool_timeout(s.request_timeout)
            .get_updates_read_timeout(s.request_timeout)
            .job_queue(None)
            .build()
        )
        app.add_handler(TypeHandler(Update, self._on_update))
        app.add_error_handler(self._on_error)
        return app

    async def _initialize(self, app: Application) -> None:
        """getMe with retries; a rejected token is a clear error that never shows it."""
        try:
            await with_retries(app.initialize, self.settings.retries, "connecting to Telegram")
        except InvalidToken:
            raise ChatcoreError(
                "Telegram rejected the bot token; check CHATCORE_TELEGRAM_TOKEN"
            ) from None
        except NetworkError as exc:
            url = self.settings.api_base_url
            raise ChatcoreError(f"cannot reach the Bot API at {url}: {exc}") from None

    async def _serve(self, app: Application) -> None:
        await app.start()
        try:
            await self._register_commands(app)
            self._replay(app)
            await self._start_updates(app)
            self.ready.set()
            log.info("telegram: serving @%s (%s)", app.bot.username, self.settings.mode)
            await asyncio.Event().wait()  # until cancelled (SIGINT/SIGTERM)
        finally:
            await self._stop(app)

    async def _start_updates(self, app: Application) -> None:
        s = self.settings
        assert app.updater is not None
        if s.mode == "polling":
            await app.updater.start_polling(
                poll_interval=0.0,
                timeout=s.poll_timeout,
                bootstrap_retries=s.retries.attempts,
                allowed_updates=UPDATE_TYPES,
                drop_pending_updates=False,
                error_callback=_polling_error,
            )
            return
        hook = s.webhook
        url = hook.url or f"http://{hook.listen}:{hook.port}/{hook.path.lstrip('/')}"
        await app.updater.start_webhook(
            listen=hook.listen,
            port=hook.port,
            url_path=hook.path.lstrip("/"),
            webhook_url=url,
            secret_token=hook.secret_token.get_secret_value() if hook.secret_token else None,
            allowed_updates=UPDATE_TYPES,
            drop_pending_updates=False,
            bootstrap_retries=s.retries.attempts,
        )

    async def _stop(self, app: Application) -> None:
        """Stop taking updates, let in-flight replies finish (up to the grace period); what
        is left stays in the inbox and is answered on the next start."""
        self.ready.clear()
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if self._working:
            _, late = await asyncio.wait(set(self._working), timeout=self.settings.shutdown_grace)
            if late:
                log.warning(
                    "telegram: %d replies unfinished at stop; kept for next start", len(late)
                )
                self._abandon = True
                for task in late:
                    task.cancel()
        if app.running:
            await app.stop()

    def _replay(self, app: Application) -> None:
        """Answer what was received but not answered before the last stop or crash."""
        assert self._queue is not None
        for update_id, raw in self.inbox.unfinished():
            if self.inbox.begin(update_id) > self.settings.max_replays:
                log.error("telegram: update %s was never answered; giving up", update_id)
                self.inbox.finish(update_id, "gave_up")
                continue
            self._queue.replay(Update.de_json(raw, app.bot))
        if self._queue.in_flight:
            log.info(
                "telegram: answering %d updates left from last run", len(self._queue.in_flight)
            )

    async def _register_commands(self, app: Application) -> None:
        """setMyCommands from every plugin's commands; admin-only ones just for admins."""
        commands = getattr(self.engine, "commands", {}) or {}
        public = [_bot_command(c) for c in commands.values() if not c.admin_only]
        everything = [_bot_command(c) for c in commands.values()]
        calls = [(public, None)] + [
            (everything, BotCommandScopeChat(admin)) for admin in self.settings.admin_ids
        ]
        for listed, scope in calls:
            listed = sorted((c for c in listed if c is not None), key=lambda c: c.command)
            try:
                await with_retries(
                    lambda listed=listed, scope=scope: app.bot.set_my_commands(listed, scope),
                    self.settings.retries,
                    "setMyCommands",
                )
            except (TelegramError, Undeliverable) as exc:
                log.warning("telegram: could not register commands (%s): %s", scope, exc)

    # --- one update -------------------------------------------------------------------------

    async def _on_update(self, update: Update, context: Any) -> None:
        assert self._queue is not None
        if self._abandon:  # shutting down past the grace period: leave it for the next start
            self._queue.finish(update.update_id, None)
            return
        message = update.effective_message
        chat_id = message.chat.id if message is not None else 0
        outcome: str | None = None
        task = asyncio.current_task()
        if task is not None:
            self._working.add(task)
        try:
            async with self._chat_lock(chat_id):
                outcome = await self._answer(update, context.bot)
        except Undeliverable as exc:
            log.warning("telegram: update %s undeliverable: %s", update.update_id, exc)
            outcome = "undeliverable"
        except Exception:
            log.exception("telegram: update %s failed; kept for the next start", update.update_id)
        finally:
            self._working.discard(task)  # type: ignore[arg-type]
            self._queue.finish(update.update_id, outcome)

    async def _answer(self, update: Update, bot: Any) -> str:
        decision = routing.decide(update, bot.bot, self.settings)
        if decision.action == routing.IGNORE:
            return "ignored"
        message = update.effective_message
        user = message.from_user
        language = (user.language_code or "")[:2] or None if user else None
        quote = message.message_id if decision.quote else None
        if decision.action != routing.ANSWER:
            texts = getattr(self.settings.texts, decision.action.replace("refuse", "not_allowed"))
            note = localized(texts, language)
            await send_text(bot, message.chat.id, note, self._retries, quote=quote)
            return decision.action
        async with typing(bot, message.chat.id, self.settings.typing_delay):
            reply = await self.engine.handle(self._message(update, decision.text, language))
        if reply.text:
            await send_text(bot, message.chat.id, reply.text, self._retries, quote=quote)
        return "answered"

    def _message(self, update: Update, text: str, language: str | None) -> Message:
        message = update.effective_message
        user = message.from_user
        return Message(
            channel="telegram",
            chat_id=str(message.chat.id),
            user_id=str(user.id),
            text=text,
            language=language,
            is_admin=user.id in self.settings.admin_ids,
            message_id=str(update.update_id),
            received_at=message.date.timestamp(),
            meta={
                "chat_type": message.chat.type,
                "telegram_message_id": message.message_id,
                "user_language": language,
            },
        )

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

    async def _on_error(self, update: object, context: Any) -> None:
        log.error("telegram: unhandled error: %s", context.error, exc_info=context.error)


def _bot_command(command: Any) -> BotCommand | None:
    """Telegram accepts 1-32 lowercase letters, digits and underscores."""
    name = command.name.lower()
    if not (0 < len(name) <= 32 and all(c.isascii() and (c.isalnum() or c == "_") for c in name)):
        return None
    description = (command.description or name)[:256]
    return BotCommand(name, description)


def _polling_error(exc: TelegramError) -> None:
    log.warning("telegram: polling failed (%s: %s); retrying", type(exc).__name__, exc)
