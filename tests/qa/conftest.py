"""The QA tests share the session's tiny model (tests/conftest.py, tests/tiny.py)."""

from __future__ import annotations

from tests.tiny import TINY, tiny_pairs, tiny_settings

__all__ = ["TINY", "tiny_pairs", "tiny_settings"]
