"""Conversation manager: per-chat history, settings and moderation strikes, behind the
stores (memory, SQLite, Redis) that implement the core's ``chatcore.store`` contract."""
