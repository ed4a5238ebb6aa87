"""A synchronous bot for plugin authors' tests: ``bot.say("hi").text``, no asyncio needed.

The engine runs on its own event loop in a background thread, exactly as it would behind a
frontend, so filters, responders and stores are exercised for real.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from chatcore.runtime import Runtime
from chatcore.testing.harness import ChatHarness
from chatcore.types import Reply

T = TypeVar("T")


class BotTester:
    """An engine built from ``runtime`` and started; ``say`` pushes a message and returns the
    reply. Close it (or use it as a context manager) to stop the engine and its loop."""

    def __init__(self, runtime: Runtime, *, timeout: float = 60.0, **who: str):
        self.runtime = runtime
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        try:
            self.engine = runtime.build_engine()
            self.run(self.engine.start())
        except BaseException:
            self._stop_loop()
            raise
        self.chat = ChatHarness(self.engine, **who)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the bot's loop (e.g. a store query) and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(self.timeout)

    def say(self, text: str, **fields: Any) -> Reply:
        return self.run(self.chat.say(text, **fields))

    def as_user(self, user_id: str, chat_id: str | None = None) -> _OtherUser:
        return _OtherUser(self, self.chat.as_user(user_id, chat_id))

    def close(self) -> None:
        if self._loop.is_closed():
            return
        try:
            self.run(self.engine.stop())
        finally:
            self._stop_loop()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(self.timeout)
        if not self._thread.is_alive():  # a loop still running cannot be closed
            self._loop.close()

    def __enter__(self) -> BotTester:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _OtherUser:
    def __init__(self, bot: BotTester, chat: ChatHarness):
        self._bot, self._chat = bot, chat

    def say(self, text: str, **fields: Any) -> Reply:
        return self._bot.run(self._chat.say(text, **fields))
