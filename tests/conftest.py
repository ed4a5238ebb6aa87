"""Every test gets its own data directory: nothing reads or writes the user's real models,
conversations or REPL history (a test may still point CHATCORE_HOME elsewhere)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_chatcore_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    monkeypatch.setenv("CHATCORE_HOME", str(tmp_path_factory.mktemp("chatcore-home")))
    monkeypatch.delenv("CHATCORE_CONFIG", raising=False)
