"""chatcore: a chatbot plugin framework.

Public API for plugin authors and embedders. Names are imported on first use (PEP 562), so
``import chatcore`` (and ``chatcore --help``) stays instant; importing chatcore imports neither
TensorFlow, telegram nor prompt_toolkit.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "hookimpl": "chatcore.hookspecs",
    "Action": "chatcore.types",
    "Message": "chatcore.types",
    "Reply": "chatcore.types",
    "Verdict": "chatcore.types",
    "Command": "chatcore.contracts",
    "CommandContext": "chatcore.contracts",
    "ConversationStore": "chatcore.store",
    "Turn": "chatcore.store",
    "Engine": "chatcore.engine",
    "ChatcoreError": "chatcore.errors",
    "ConfigError": "chatcore.errors",
    "ModelNotFoundError": "chatcore.errors",
    "PluginError": "chatcore.errors",
    "Settings": "chatcore.settings",
    "Runtime": "chatcore.runtime",
    "serve_until_cancelled": "chatcore.serving",
    "EngineView": "chatcore.contracts",
    "Frontend": "chatcore.contracts",
    "PendingEngineFrontend": "chatcore.contracts",
    "Filter": "chatcore.contracts",
    "Responder": "chatcore.contracts",
}

__all__ = [  # noqa: RUF022 - grouped as _EXPORTS
    "hookimpl",
    "Action",
    "Message",
    "Reply",
    "Verdict",
    "Command",
    "CommandContext",
    "ConversationStore",
    "Turn",
    "Engine",
    "ChatcoreError",
    "ConfigError",
    "ModelNotFoundError",
    "PluginError",
    "Settings",
    "Runtime",
    "serve_until_cancelled",
    "EngineView",
    "Frontend",
    "PendingEngineFrontend",
    "Filter",
    "Responder",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'chatcore' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from chatcore.contracts import (
        Command,
        CommandContext,
        EngineView,
        Filter,
        Frontend,
        PendingEngineFrontend,
        Responder,
    )
    from chatcore.engine import Engine
    from chatcore.errors import ChatcoreError, ConfigError, ModelNotFoundError, PluginError
    from chatcore.hookspecs import hookimpl
    from chatcore.runtime import Runtime
    from chatcore.serving import serve_until_cancelled
    from chatcore.settings import Settings
    from chatcore.store import ConversationStore, Turn
    from chatcore.types import Action, Message, Reply, Verdict
