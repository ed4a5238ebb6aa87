"""The Telegram frontend: python-telegram-bot's Application on the engine's event loop.

Updates flow: Updater (polling or webhook) -> DurableUpdateQueue (committed to the inbox
before Telegram is told) -> one handler per update, serialised per chat -> engine -> reply
(split, paced, retried) -> inbox marked done. Button presses (callback queries) take the same
path. While it runs, the ``telegram`` outlet lets the engine send to a chat unasked.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from chatcore.builtin.telegram.handler import UpdateHandler
from chatcore.builtin.telegram.inbox import DurableUpdateQueue, Inbox
from chatcore.builtin.telegram.outlet import TelegramOutlet
from chatcore.builtin.telegram.ratelimit import PacedRateLimiter
from chatcore.builtin.telegram.redact import install_token_filter
from chatcore.builtin.telegram.sender import Undeliverable, with_retries
from chatcore.builtin.telegram.settings import TelegramSettings
from chatcore.errors import ChatcoreError
from chatcore.serving import serve_until_cancelled
from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, TypeHandler

log = logging.getLogger(__name__)
UPDATE_TYPES = [
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
]


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
        self._handler: UpdateHandler | None = None
        self._remove_outlet: Callable[[], None] = _nothing
        self._redactor = install_token_filter(token)
        secret = settings.webhook.secret_token
        if secret is not None:  # python-telegram-bot's DEBUG line for setWebhook shows it
            self._redactor.add(secret.get_secret_value())

    async def run(self, engine: Any) -> None:
        self.engine = engine
        self.inbox.open()
        try:
            self._queue = DurableUpdateQueue(self.inbox)
            self._handler = UpdateHandler(self.settings, engine, self._queue)
            self.application = app = self._build(self._queue, self._handler)
            await self._initialize(app)
            outlet = TelegramOutlet(app.bot, self.settings)
            self._remove_outlet = engine.add_outlet("telegram", outlet)
            async with app:
                await self._serve(app)
        finally:
            self._remove_outlet()
            self.inbox.close()

    def _build(self, queue: DurableUpdateQueue, handler: UpdateHandler) -> Application:
        s, api = self.settings, self.settings.api_base_url.rstrip("/")
        limiter = paced_limiter(s)
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
        app.add_handler(TypeHandler(Update, handler))
        app.add_error_handler(self._on_error)
        return app

    async def _initialize(self, app: Application) -> None:
        """getMe with retries; a rejected token is a clear error that never shows it."""
        try:
            await with_retries(app.initialize, self.settings.retries, "connecting to Telegram")
        except (Undeliverable, NetworkError) as exc:
            if isinstance(exc.__cause__, InvalidToken):
                problem = "Telegram rejected the bot token; check CHATCORE_TELEGRAM_TOKEN"
            else:
                url = self.settings.api_base_url
                problem = f"cannot reach the Bot API at {url}: {type(exc).__name__}: {exc}"
            raise ChatcoreError(self._redactor.redact(problem)) from None

    async def _serve(self, app: Application) -> None:
        await app.start()
        try:
            await self._register_commands(app)
            self._replay(app)
            await self._start_updates(app)
        except BaseException:
            await self._stop(app)
            raise
        self.ready.set()
        log.info("telegram: serving @%s (%s)", app.bot.username, self.settings.mode)
        await serve_until_cancelled(partial(self._stop, app))

    async def _start_updates(self, app: Application) -> None:
        assert app.updater is not None
        await start_updates(app.updater, self.settings, error_callback=_polling_error)

    async def _stop(self, app: Application) -> None:
        """Stop taking updates, let in-flight replies finish (up to the grace period); what
        is left stays in the inbox and is answered on the next start."""
        self.ready.clear()
        try:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if self._handler is not None:
                await self._handler.drain(self.settings.shutdown_grace)
        finally:
            self._remove_outlet()  # after the replies in flight, which may push
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
        commands = getattr(self.engine, "commands", {}) or {}
        await register_commands(app.bot, commands, self.settings)

    async def _on_error(self, update: object, context: Any) -> None:
        log.error("telegram: unhandled error: %s", context.error, exc_info=context.error)


async def register_commands(bot: Any, commands: Any, settings: TelegramSettings) -> None:
    """setMyCommands from every plugin's commands; admin-only ones just for admins."""
    public = [bot_command(c) for c in commands.values() if not c.admin_only]
    everything = [bot_command(c) for c in commands.values()]
    calls = [(public, None)] + [
        (everything, BotCommandScopeChat(admin)) for admin in settings.admin_ids
    ]
    for listed, scope in calls:
        listed = sorted((c for c in listed if c is not None), key=lambda c: c.command)
        try:
            await with_retries(
                lambda listed=listed, scope=scope: bot.set_my_commands(listed, scope),
                settings.retries,
                "setMyCommands",
            )
        except (TelegramError, Undeliverable) as exc:
            log.warning("telegram: could not register commands (%s): %s", scope, exc)


def paced_limiter(settings: TelegramSettings) -> PacedRateLimiter:
    """The Bot API pacing of ``telegram.rate_limits`` (overall, per group, per chat)."""
    limits = settings.rate_limits
    return PacedRateLimiter(
        overall_per_second=limits.overall_per_second,
        group_per_minute=limits.group_per_minute,
        chat_interval=limits.chat_interval,
        max_retries=limits.max_retries,
    )


async def start_updates(updater: Any, settings: TelegramSettings, error_callback=None) -> None:
    """Start taking updates as configured: long polling, or the webhook (registered with
    Telegram at ``webhook.url``, else the address it listens on)."""
    if settings.mode == "polling":
        await updater.start_polling(
            poll_interval=0.0,
            timeout=settings.poll_timeout,
            bootstrap_retries=settings.retries.attempts,
            allowed_updates=UPDATE_TYPES,
            drop_pending_updates=False,
            error_callback=error_callback,
        )
        return
    hook = settings.webhook
    url = hook.url or f"http://{hook.listen}:{hook.port}/{hook.path.lstrip('/')}"
    await updater.start_webhook(
        listen=hook.listen,
        port=hook.port,
        url_path=hook.path.lstrip("/"),
        webhook_url=url,
        secret_token=hook.secret_token.get_secret_value() if hook.secret_token else None,
        allowed_updates=UPDATE_TYPES,
        drop_pending_updates=False,
        bootstrap_retries=settings.retries.attempts,
    )


def bot_command(command: Any) -> BotCommand | None:
    """Telegram accepts 1-32 lowercase letters, digits and underscores."""
    name = command.name.lower()
    if not (0 < len(name) <= 32 and all(c.isascii() and (c.isalnum() or c == "_") for c in name)):
        return None
    description = (command.description or name)[:256]
    return BotCommand(name, description)


def _nothing() -> None:
    """The outlet remover before the outlet is added."""


def _polling_error(exc: TelegramError) -> None:
    log.warning("telegram: polling failed (%s: %s); retrying", type(exc).__name__, exc)
