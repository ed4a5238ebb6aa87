"""A "thinking…" indicator for replies that take a while (shown after ``delay`` seconds, so
fast replies never flicker)."""

from __future__ import annotations

import asyncio
from typing import Any

from chatcore.background import running_beside

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


def spinner(output: Any, delay: float = 0.15, interval: float = 0.1):
    """Spin on ``output`` (a prompt_toolkit Output) while the body runs; erase it after."""
    return running_beside(_spin(output, delay, interval))
