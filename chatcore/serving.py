"""Helpers for frontends that serve until they are stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def serve_until_cancelled(stop: Callable[[], Awaitable[object]] | None = None) -> None:
    """Wait until the calling task is cancelled (``chatcore serve`` cancels its frontend on
    SIGINT and SIGTERM), then await ``stop`` to close what the frontend opened. The
    cancellation is re-raised after ``stop``, so the caller stops cleanly: a frontend's
    ``run`` that ends with ``await serve_until_cancelled(runner.cleanup)`` needs no loop,
    event or ``try``/``finally`` of its own."""
    try:
        await asyncio.Event().wait()
    finally:
        if stop is not None:
            await stop()
