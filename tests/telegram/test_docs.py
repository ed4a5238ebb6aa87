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


def test_every_setting_is_documented():
    from pydantic import BaseModel

    from chatcore.builtin.telegram.settings import TelegramSettings

    doc = DOC.read_text()

    def keys(model: type[BaseModel], prefix: str = "") -> list[str]:
        out = []
        for name, field in model.model_fields.items():
            sub = field.annotation
            if isinstance(sub, type) and issubclass(sub, BaseModel):
                out += keys(sub, f"{prefix}{name}.")
            else:
                out.append(f"{prefix}{name}")
        return out

    def documented(key: str) -> bool:  # `key`, `section.key`, or `key` after a " / "
        return re.search(rf"[`.]{re.escape(key.split('.')[-1])}`", doc) is not None

    missing = [key for key in keys(TelegramSettings) if not documented(key)]
    assert missing == []
    assert len(keys(TelegramSettings)) > 25
