"""Test helpers for chatcore and its plugin authors.

``make_runtime`` and ``ChatHarness`` for async tests, ``BotTester`` for synchronous ones; the
pytest fixtures (``make_chat``, ``chat``, ``chatcore_home``) live in
``chatcore.testing.pytest_plugin``, loaded automatically through the ``pytest11`` entry point.
"""

from chatcore.testing.bot import BotTester
from chatcore.testing.harness import ChatHarness, make_runtime

__all__ = ["BotTester", "ChatHarness", "make_runtime"]
