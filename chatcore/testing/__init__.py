"""Test helpers for chatcore and its plugin authors.

``make_runtime`` and ``ChatHarness`` for async tests, ``BotTester`` for synchronous ones; the
pytest fixtures (``make_chat``, ``chat``, ``chatcore_home``) live in
``chatcore.testing.pytest_plugin``, loaded automatically through the ``pytest11`` entry point.
``FakeTelegramServer`` (a Bot API server on 127.0.0.1, see docs/telegram.md) is imported on
first use, so aiohttp is only loaded by tests that need it. ``free_port`` gives a loopback port
for a server a test starts.
"""

from chatcore.testing.bot import BotTester
from chatcore.testing.harness import ChatHarness, make_runtime
from chatcore.testing.ports import free_port

__all__ = ["BotTester", "ChatHarness", "FakeTelegramServer", "free_port", "make_runtime"]


def __getattr__(name: str):
    if name == "FakeTelegramServer":
        from chatcore.testing.telegram_server import FakeTelegramServer

        return FakeTelegramServer
    raise AttributeError(f"module 'chatcore.testing' has no attribute {name!r}")
