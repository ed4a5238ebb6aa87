"""Fixtures: stores of every kind (Redis on the session's redis-server, tests/conftest.py), an
echo bot."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from chatcore import Reply, hookimpl
from chatcore.builtin.conversation.memory import MemoryStore
from chatcore.builtin.conversation.redis_store import RedisSettings, RedisStore
from chatcore.builtin.conversation.sqlite import SqliteSettings, SqliteStore


@pytest.fixture
def redis_prefix() -> str:
    """A fresh key namespace per test, so tests share one server without seeing each other."""
    return f"t{uuid.uuid4().hex[:8]}:"


def redis_store(url: str, prefix: str, **limits) -> RedisStore:
    return RedisStore(RedisSettings(url=url, key_prefix=prefix, **limits))


async def _store_factory(request, tmp_path, prefix: str) -> AsyncIterator:
    made = []

    async def factory(**limits):
        if request.param == "memory":
            store = MemoryStore()
        elif request.param == "sqlite":
            path = tmp_path / f"conversations{len(made)}.db"
            store = SqliteStore(path, SqliteSettings(**limits))
        else:
            store = redis_store(request.getfixturevalue("redis_url"), prefix, **limits)
        await store.open()
        made.append(store)
        return store

    factory.kind = request.param
    yield factory
    for store in made:
        await store.close()


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def make_store(request, tmp_path, redis_prefix) -> AsyncIterator:
    """``await make_store(**limits)``: an opened store of each kind in turn (the contract tests
    run against all of them); every store made is closed after the test."""
    async for factory in _store_factory(request, tmp_path, redis_prefix):
        yield factory


@pytest.fixture(params=["sqlite", "redis"])
async def make_persistent_store(request, tmp_path, redis_prefix) -> AsyncIterator:
    """``make_store`` for the stores with limits, retention and text hygiene."""
    async for factory in _store_factory(request, tmp_path, redis_prefix):
        yield factory


# these tests are about storage: no moderation filters, whatever the core's defaults are
NO_FILTERS = {"filters": {"input": [], "output": []}}


class EchoBot:
    """A test plugin: a responder that echoes the message and how much context it saw."""

    @hookimpl
    def chatcore_register_responders(self, register):
        class Echo:
            async def respond(self, message, context):
                return Reply(f"echo:{message.text}", confidence=0.5 + 0.01 * len(context))

        register("echo", lambda settings, runtime: Echo())
