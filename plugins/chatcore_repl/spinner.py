"""A "thinking…" indicator for replies that take a while (shown after ``delay`` seconds, so
fast replies never flicker)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
LABEL = "thinking…"


async def _spin(output: Any, delay: float, interval: float) -> None:
    await asyncio.sleep(delay)
    output.hide_cursor()
    frame = 0
    try:
        while True:
            output.write_raw(f"\r{FRAMES[frame % len(FRAMES)]} {LABEL}")
            output.flush()
            frame += 1
            await asyncio.sleep(interval)
    finally:
        output.write_raw("\r")
        output.erase_end_of_line()
        output.show_cursor()
        output.flush()


@contextlib.asynccontextmanager
async def spinner(output: Any, delay: float = 0.15, interval: float = 0.1) -> AsyncIterator[None]:
    """Spin on ``output`` (a prompt_toolkit Output) while the body runs; erase it after."""
    task = asyncio.ensure_future(_spin(output, delay, interval))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
