"""Errors the built-in stores raise for problems an operator can fix (wrong file, newer
schema, ...); ``StoreError``, which any store may raise, is the core's (chatcore.errors)."""

from __future__ import annotations

from chatcore.errors import StoreError


class NotAChatcoreDatabase(StoreError):
    """The configured path holds a file that is not a chatcore database; it is left untouched."""
