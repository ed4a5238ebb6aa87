"""MicroBatcher: concurrent requests share calls, results reach the right caller."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from chatcore.batching import MicroBatcher


def squares(calls: list[list[int]], threads: set[int], delay: float = 0.0):
    def batch(items: list[int]) -> list[int]:
        calls.append(list(items))
        threads.add(threading.get_ident())
        time.sleep(delay)
        return [i * i for i in items]

    return batch


async def test_lone_request_runs_at_once_in_a_worker_thread():
    calls, threads = [], set()
    batcher = MicroBatcher(squares(calls, threads))
    assert await batcher.submit(7) == 49
    await batcher.close()
    assert calls == [[7]]
    assert threading.get_ident() not in threads


async def test_concurrent_requests_are_batched_and_answered_in_place():
    calls, threads = [], set()
    batcher = MicroBatcher(squares(calls, threads, delay=0.01), max_batch=32)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(100)))
    await batcher.close()
    assert results == [i * i for i in range(100)]
    assert sorted(i for call in calls for i in call) == list(range(100))
    assert max(map(len, calls)) == 32  # batches formed, and capped
    assert len(calls) < 10


async def test_window_grows_batches():
    calls, threads = [], set()
    batcher = MicroBatcher(squares(calls, threads), window_ms=20)

    async def late(i):
        await asyncio.sleep(0.005)
        return await batcher.submit(i)

    await asyncio.gather(batcher.submit(0), late(1), late(2))
    await batcher.close()
    assert calls == [[0, 1, 2]]


async def test_exception_reaches_every_caller_of_the_batch_and_batcher_recovers():
    def flaky(items):
        if 13 in items:
            raise ValueError("unlucky")
        return items

    batcher = MicroBatcher(flaky)
    with pytest.raises(ValueError, match="unlucky"):
        await batcher.submit(13)
    assert await batcher.submit(1) == 1
    await batcher.close()


async def test_cancelled_caller_does_not_disturb_others():
    calls, threads = [], set()
    batcher = MicroBatcher(squares(calls, threads, delay=0.02))
    first = asyncio.create_task(batcher.submit(1))
    await asyncio.sleep(0.005)  # first is in flight; the next two queue
    doomed = asyncio.create_task(batcher.submit(2))
    kept = asyncio.create_task(batcher.submit(3))
    await asyncio.sleep(0)
    doomed.cancel()
    assert await first == 1 and await kept == 9
    await batcher.close()
    assert calls == [[1], [3]]


async def test_wrong_result_count_is_an_error():
    batcher = MicroBatcher(lambda items: [])
    with pytest.raises(RuntimeError, match="returned 0 results for 1"):
        await batcher.submit(1)
    await batcher.close()


async def test_a_batch_function_returning_nonsense_fails_callers_instead_of_hanging():
    batcher = MicroBatcher(lambda items: None)
    with pytest.raises(RuntimeError, match="returned NoneType results for 1"):
        await asyncio.wait_for(batcher.submit(1), 5)
    await batcher.close()
