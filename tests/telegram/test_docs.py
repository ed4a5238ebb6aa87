"""docs/telegram.md's example test for plugin authors runs as written."""

from __future__ import annotations

import re
from pathlib import Path

from chatcore.testing import FakeTelegramServer

DOC = Path(__file__).parents[2] / "docs" / "telegram.md"


async def test_the_plugin_author_example_runs(tmp_path):
    code = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S).group(1)
    namespace: dict = {}
    exec(compile(code, str(DOC), "exec"), namespace)
    async with FakeTelegramServer() as server:
        await namespace["test_shouter_on_telegram"](server, tmp_path)
        assert server.calls_of("setMyCommands")  # the real frontend served it
