"""chatcore: a chatbot plugin framework.

Public API for plugin authors and embedders. Importing chatcore imports neither TensorFlow,
telegram nor prompt_toolkit.
"""

from chatcore.commands import Command, CommandContext
from chatcore.conversation.store import ConversationStore, Turn
from chatcore.engine import Engine
from chatcore.errors import ChatcoreError, ConfigError, ModelNotFoundError, PluginError
from chatcore.hookspecs import hookimpl
from chatcore.registry import Settings
from chatcore.runtime import Runtime
from chatcore.types import Action, Message, Reply, Verdict

__all__ = [
    "Action",
    "ChatcoreError",
    "Command",
    "CommandContext",
    "ConfigError",
    "ConversationStore",
    "Engine",
    "Message",
    "ModelNotFoundError",
    "PluginError",
    "Reply",
    "Runtime",
    "Settings",
    "Turn",
    "Verdict",
    "hookimpl",
]
