"""pytest plugin (entry point ``pytest11``): fixtures for testing chatcore plugins.

- ``chatcore_home``: a temporary data dir, exported as ``$CHATCORE_HOME``.
- ``make_chat(config=None, *, plugins=(), **who)``: a started ``BotTester`` over an engine built
  from ``config`` (a mapping, as the YAML would be) with every installed plugin loaded, plus
  ``plugins`` given as (name, module-or-object) pairs; closed after the test.
- ``chat``: ``make_chat()`` with the defaults and the memory store.
- ``telegram_server`` (async, needs pytest-asyncio): a started ``FakeTelegramServer`` on
  127.0.0.1; point ``telegram.api_base_url`` at ``telegram_server.api_base_url``.

Built-in plugins bring their own fixtures, as a third-party plugin would: ``repl_driver`` comes
from the REPL's (chatcore.builtin.repl.pytest_plugin).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chatcore.testing.bot import BotTester
from chatcore.testing.harness import make_runtime


@pytest.fixture
def chatcore_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "chatcore-home"
    home.mkdir()
    monkeypatch.setenv("CHATCORE_HOME", str(home))
    return home


@pytest.fixture
def make_chat(chatcore_home: Path) -> Iterator[Callable[..., BotTester]]:
    bots: list[BotTester] = []

    def factory(config: dict[str, Any] | None = None, *, plugins=(), **who: str) -> BotTester:
        bot = BotTester(make_runtime(config, plugins=plugins), **who)
        bots.append(bot)
        return bot

    yield factory
    for bot in bots:
        bot.close()


@pytest.fixture
def chat(make_chat: Callable[..., BotTester]) -> BotTester:
    return make_chat()


try:  # the async fixture is offered where pytest-asyncio is installed
    import pytest_asyncio
except ImportError:  # pragma: no cover - plugin authors without pytest-asyncio
    pytest_asyncio = None

if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def telegram_server():
        from chatcore.testing.telegram_server import FakeTelegramServer

        async with FakeTelegramServer() as server:
            yield server
