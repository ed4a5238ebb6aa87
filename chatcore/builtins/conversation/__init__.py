"""Conversation manager: per-chat history, settings and moderation strikes, behind stores."""

from chatcore.builtins.conversation.store import ConversationStore, Turn

__all__ = ["ConversationStore", "Turn"]
