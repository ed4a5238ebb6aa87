"""Errors of the QA model a user can act on; the CLI prints them without a traceback."""

from __future__ import annotations

from chatcore.errors import ChatcoreError, ModelNotFoundError

__all__ = ["DataError", "ModelFormatError", "ModelNotFoundError"]


class DataError(ChatcoreError):
    """Training or evaluation data is malformed or unusable; the message names file and line."""

    exit_code = 5


class ModelFormatError(ChatcoreError):
    """A model directory is from another format version, incomplete or corrupt; the message
    names the file."""

    exit_code = 6
