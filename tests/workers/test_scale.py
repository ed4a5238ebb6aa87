"""Several workers on one Redis, as real processes: nothing lost, nothing repeated, each
chat in order, through worker kills, Redis restarts and drains."""

from __future__ import annotations

import asyncio
import itertools

from tests.workers.deployment import Deployment, deliver_until_accepted

UPDATE_IDS = itertools.count(1000)


def update(server, chat: int, text: str) -> dict:
    return {"update_id": next(UPDATE_IDS), "message": server.message(text, user_id=chat)}


async def test_a_gateway_and_a_worker_answer(server, deployment: Deployment):
    await deployment.gateway()
    await deployment.worker("w1")
    for chat in (1, 2, 3):
        for i in range(3):
            await deliver_until_accepted(server, update(server, chat, f"c{chat} m{i}"))
    await server.wait_for(lambda: len(server.sent) == 9, timeout=20)
    for chat in (1, 2, 3):
        assert server.texts(chat) == [f"echo: c{chat} m{i}" for i in range(3)]
    assert await deployment.terminate("w1") == 0
    assert await deployment.terminate("gateway") == 0
