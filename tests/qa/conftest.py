"""The QA tests share the session's tiny model (tests/conftest.py, tests/tiny.py)."""

from __future__ import annotations

import os

from tests.tiny import TINY, tiny_pairs, tiny_settings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__all__ = ["TINY", "tiny_pairs", "tiny_settings"]
