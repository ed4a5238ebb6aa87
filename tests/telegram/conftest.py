"""Fixtures: the fake Bot API server and the real Telegram frontend running against it."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import chatcore.builtin.conversation.plugin as conversation_plugin
import chatcore.builtin.core.plugin as core_plugin
import chatcore.builtin.telegram.plugin as telegram_plugin
from chatcore.testing import make_runtime
from chatcore.testing.telegram_server import FakeTelegramServer

HERE = Path(__file__).parent
TOKEN = "987654321:AAH-secret-Token_for-the-tests-only"
HOOK_SECRET = "hook-Secret_for-the-tests"


def _load_echo():
    spec = importlib.util.spec_from_file_location("tg_echo_plugin", HERE / "tg_echo_plugin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


echo_plugin = _load_echo()


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def bot_config(server: FakeTelegramServer, data_dir: Path, **telegram: Any) -> dict[str, Any]:
    fast = {
        "token": "${TG_TOKEN}",
        "api_base_url": server.api_base_url,
        "poll_timeout": 1,
        "request_timeout": 3,
        "typing_delay": 0.2,
        "shutdown_grace": 5,
        "rate_limits": {"chat_interval": 0, "overall_per_second": 1000},
        "retries": {"backoff": 0.05, "max_backoff": 0.2},
    }
    return {
        "data_dir": str(data_dir),
        "store": "memory",
        "responders": ["echo"],
        "telegram": deep_merge(fast, telegram),
    }


@dataclass
class RunningBot:
    frontend: Any
    engine: Any
    task: asyncio.Task

    async def stop(self) -> None:
        """What `chatcore serve` does on SIGTERM: cancel the frontend, then stop the engine."""
        if not self.task.done():
            self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await self.engine.stop()  # idempotent


@pytest.fixture
async def server():
    async with FakeTelegramServer(TOKEN) as fake:
        yield fake


@pytest.fixture
async def start_bot(server: FakeTelegramServer, tmp_path: Path):
    """``await start_bot(**telegram_settings)`` -> a RunningBot serving the fake server."""
    bots: list[RunningBot] = []

    async def start(
        *,
        core: dict[str, Any] | None = None,
        plugins: list[tuple[str, object]] | None = None,
        **telegram: Any,
    ) -> RunningBot:
        """``core``: extra top-level config (engine, ...); ``plugins``: more (name, plugin)
        pairs (handoff, qa, ...); keywords: telegram settings."""
        config = deep_merge(bot_config(server, tmp_path / "data", **telegram), core or {})
        runtime = make_runtime(
            config,
            plugins=[
                ("core", core_plugin),
                ("conversation", conversation_plugin),
                ("telegram", telegram_plugin),
                ("echo", echo_plugin),
                *(plugins or []),
            ],
            load_entrypoints=False,
            environ={"TG_TOKEN": TOKEN, "TG_HOOK": HOOK_SECRET},
        )
        frontend = runtime.build("frontend", "telegram")
        engine = runtime.build_engine()
        await engine.start()
        task = asyncio.create_task(frontend.run(engine))
        ready = asyncio.create_task(frontend.ready.wait())
        await asyncio.wait([task, ready], timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()  # raise the startup error
        assert frontend.ready.is_set(), "the frontend did not start"
        bot = RunningBot(frontend, engine, task)
        bots.append(bot)
        return bot

    yield start
    for running in bots:
        await running.stop()


@pytest.fixture
def echo():
    """The test responder module (``long_text``, ``EchoResponder.peak``)."""
    echo_plugin.EchoResponder.peak = 0
    return echo_plugin


@pytest.fixture
async def bot(start_bot):
    running = await start_bot()
    yield running
    await running.stop()
