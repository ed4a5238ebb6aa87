"""Outgoing rate limits: python-telegram-bot's AIORateLimiter (30 msg/s overall, 20/min per
group) plus per-chat pacing, and a 429 that pauses only the chat it was about.

Stock AIORateLimiter halts *every* request after one RetryAfter and retries 0 times by
default. Here a RetryAfter never reaches it: the wrapped call returns it as a value, and the
chat it concerns sleeps ``retry_after`` (holding only that chat's lock) and tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

UNPACED = frozenset({"sendChatAction"})  # typing must not queue behind the reply it announces


@dataclass
class _Chat:
    """Pacing state of one chat: a lock held while sending, and the earliest next send."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    ready_at: float = 0.0

    async def wait(self) -> None:
        delay = self.ready_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def idle(self, now: float) -> bool:
        return not self.lock.locked() and self.ready_at <= now


@dataclass(frozen=True)
class _RetryLater:
    error: RetryAfter

    @property
    def seconds(self) -> float:
        return retry_after_seconds(self.error)


class PacedRateLimiter(AIORateLimiter):
    """AIORateLimiter with per-chat pacing and per-chat handling of 429 RetryAfter."""

    def __init__(
        self,
        *,
        overall_per_second: float = 30,
        group_per_minute: float = 20,
        chat_interval: float = 1.0,
        max_retries: int = 3,
    ):
        super().__init__(
            overall_max_rate=overall_per_second,
            overall_time_period=1,
            group_max_rate=group_per_minute,
            group_time_period=60,
            max_retries=0,
        )
        self.chat_interval = chat_interval
        self.retries = max_retries
        self._chats: dict[str, _Chat] = {}

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        chat_id = data.get("chat_id")
        if chat_id is None:
            return await super().process_request(callback, args, kwargs, endpoint, data, None)
        chat = self._chat(str(chat_id))
        paced = endpoint not in UNPACED
        retries = self.retries if rate_limit_args is None else rate_limit_args
        async with chat.lock if paced else contextlib.nullcontext():
            for attempt in range(retries + 1):
                await chat.wait()
                guarded = _returning_retry_after(callback)
                result = await super().process_request(guarded, args, kwargs, endpoint, data, None)
                if not isinstance(result, _RetryLater):
                    if paced:
                        chat.ready_at = time.monotonic() + self.chat_interval
                    return result
                chat.ready_at = max(chat.ready_at, time.monotonic() + result.seconds)
                log.info("429 in chat %s: pausing that chat %.1fs", chat_id, result.seconds)
                if attempt == retries or not paced:
                    raise result.error
        raise AssertionError("unreachable")  # pragma: no cover

    def _chat(self, key: str) -> _Chat:
        if len(self._chats) > 1024:
            now = time.monotonic()
            for old in [k for k, c in self._chats.items() if k != key and c.idle(now)]:
                del self._chats[old]
        return self._chats.setdefault(key, _Chat())


def retry_after_seconds(error: RetryAfter) -> float:
    """RetryAfter's delay in seconds, whether PTB gives an int or a timedelta (no warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def _returning_retry_after(callback: Callable[..., Coroutine[Any, Any, Any]]):
    async def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            return _RetryLater(exc)

    return call
