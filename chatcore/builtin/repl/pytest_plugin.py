"""pytest plugin (entry point ``pytest11``) of the REPL: its fixture for plugin authors.

- ``repl_driver`` (async, needs pytest-asyncio): ``await repl_driver(keys, config=None,
  plugins=())`` runs the terminal REPL on a real prompt_toolkit pipe input and returns the
  ``Screen`` it printed (chatcore.builtin.repl.testing).
"""

from __future__ import annotations

try:  # the async fixture is offered where pytest-asyncio is installed
    import pytest_asyncio
except ImportError:  # pragma: no cover - plugin authors without pytest-asyncio
    pytest_asyncio = None

if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def repl_driver(chatcore_home):
        from chatcore.builtin.repl.testing import drive_repl
        from chatcore.testing.harness import make_runtime

        async def drive(keys, config=None, *, plugins=()):
            return await drive_repl(make_runtime(config, plugins=plugins), keys)

        return drive
