"""Fixtures of the scale-out tests: the fake Bot API server, a redis-server of the test's own
(with an append-only file, so a test can restart it) and a deployment of real processes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from chatcore.testing.telegram_server import FakeTelegramServer
from tests.redis_server import RedisServer
from tests.workers.deployment import TOKEN, Deployment, deployment_config


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer(TOKEN) as fake:
        yield fake


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    data = tmp_path / "redis"
    data.mkdir()
    server = RedisServer(data, appendonly=True, fsync_always=True).start()
    yield server
    server.kill()


@pytest.fixture
async def deployment(tmp_path, server, redis) -> AsyncIterator[Deployment]:
    deployed = Deployment(tmp_path, deployment_config(server, redis, tmp_path / "home"))
    yield deployed
    await deployed.close()
