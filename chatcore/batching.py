"""Micro-batching: concurrent calls to a batch function share one model call.

When nothing is in flight a request runs at once, so a lone chat pays no waiting; while a
batch runs, new requests queue and go together in the next call (up to ``max_batch``). An
optional ``window_ms`` waits a little longer to grow batches under load. The batch function
runs on one worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class MicroBatcher(Generic[T, R]):
    def __init__(
        self,
        batch_fn: Callable[[list[T]], Sequence[R]],
        *,
        max_batch: int = 64,
        window_ms: float = 0.0,
        executor: ThreadPoolExecutor | None = None,
    ):
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.batch_fn = batch_fn
        self.max_batch = max_batch
        self.window = window_ms / 1000
        self._own_executor = executor is None
        self._executor = executor or ThreadPoolExecutor(1, thread_name_prefix="chatcore-batch")
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._worker: asyncio.Task[None] | None = None
        self.batch_sizes: list[int] = []  # for benchmarks and tests

    async def submit(self, item: T) -> R:
        """Queue one item and wait for its result (or the batch function's exception)."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            if self.window and len(self._pending) < self.max_batch:
                await asyncio.sleep(self.window)
            batch = [(i, f) for i, f in self._pending[: self.max_batch] if not f.cancelled()]
            del self._pending[: self.max_batch]
            if not batch:
                continue
            self.batch_sizes.append(len(batch))
            try:
                results = await loop.run_in_executor(
                    self._executor, self.batch_fn, [item for item, _ in batch]
                )
                _settle(batch, results=results)
            except BaseException as exc:  # every caller of the batch learns why, never hangs
                _settle(batch, exc=exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise

    async def close(self) -> None:
        """Finish queued work, then release the worker thread."""
        if self._worker is not None:
            await self._worker
        if self._own_executor:
            self._executor.shutdown(wait=True)


def _settle(batch, *, results: Sequence | None = None, exc: BaseException | None = None) -> None:
    sized = hasattr(results, "__len__") and hasattr(results, "__getitem__")
    if exc is None and (not sized or len(results) != len(batch)):
        count = len(results) if sized else type(results).__name__
        exc = RuntimeError(f"batch function returned {count} results for {len(batch)}")
    for index, (_, future) in enumerate(batch):
        if future.done():
            continue
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(results[index])
