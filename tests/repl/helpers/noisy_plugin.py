"""A responder that writes to file descriptor 2 behind Python's back a moment after the engine
starts, as TensorFlow's C++ logging does while the QA model loads in the background."""

from __future__ import annotations

import asyncio
import os

from chatcore import Reply, hookimpl

NOISE = "NOISE from C: 模型已加载 (model loaded)\n"


class NoisyResponder:
    def __init__(self, delay: float):
        self.delay = delay
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._task = asyncio.ensure_future(self._noise())

    async def _noise(self) -> None:
        await asyncio.sleep(self.delay)
        os.write(2, NOISE.encode())

    async def respond(self, message, context):
        return Reply(f"echo: {message.text}", confidence=0.9)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()


@hookimpl
def chatcore_register_responders(register) -> None:
    delay = float(os.environ.get("NOISY_DELAY", "1.0"))
    register("noisy", lambda settings, runtime: NoisyResponder(delay))
