"""Which log a deployment's teaching goes to: Redis when conversations are in Redis (every
worker follows the same log), else an SQLite file in the data directory."""

from __future__ import annotations

from typing import Any

from chatcore.builtin.qa.teach.log import RedisTaughtLog, SqliteTaughtLog, TaughtLog

FILE = "taught.sqlite3"


def open_log(settings: Any, runtime: Any) -> TaughtLog:
    """``settings`` is the qa section (``QASettings``); ``runtime`` the loaded runtime."""
    if runtime.config.core.store == "redis":
        redis = runtime.settings_for("redis")
        return RedisTaughtLog(redis.url, redis.key_prefix)
    return SqliteTaughtLog(settings.taught.path or runtime.data_dir / FILE)


def open_memory(settings: Any, runtime: Any) -> Any:
    """The taught memory a responder consults, or None when teaching is turned off."""
    if not settings.taught.enabled:
        return None
    from chatcore.builtin.qa.serve.responder import memory_vectors
    from chatcore.builtin.qa.teach.memory import TaughtMemory

    return TaughtMemory(open_log(settings, runtime), memory_vectors, settings.taught.threshold)
