"""Errors a store raises for problems an operator can fix (wrong file, newer schema, ...)."""

from __future__ import annotations

from chatcore.errors import ChatcoreError


class StoreError(ChatcoreError):
    """The conversation store cannot be used as configured; the message says why and where."""

    exit_code = 5


class NotAChatcoreDatabase(StoreError):
    """The configured path holds a file that is not a chatcore database; it is left untouched."""
