"""Errors a user can act on. The CLI prints their message without a traceback."""

from __future__ import annotations

import errno


class ChatcoreError(Exception):
    """Base class: the message is meant for the user, and says what to do."""

    exit_code = 1


class ConfigError(ChatcoreError):
    """The configuration is wrong; each problem names the file, the line and the key."""

    exit_code = 2

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class PluginError(ChatcoreError):
    """A plugin failed to load or register; the message names the plugin."""

    exit_code = 3


class ModelNotFoundError(ChatcoreError):
    """No trained model where one was expected; the message gives the command to train one."""

    exit_code = 4


FILE_SYSTEM_EXIT = 7
INTERRUPTED_EXIT = 130  # the shell's code for a command ended by SIGINT
_HINTS = {
    errno.EACCES: "make it readable and writable for this user, or point data_dir elsewhere",
    errno.EROFS: "it is on a read-only file system: set data_dir to a writable folder",
    errno.EEXIST: "a file or a broken link is in the way of a folder: remove it or set data_dir",
    errno.ENOTDIR: "a file is in the way of a folder: remove it or set data_dir",
    errno.ENOSPC: "the disk is full: free some space and try again (nothing stored was lost)",
    errno.ENOENT: "it does not exist and cannot be created there",
}


def file_system_problem(exc: OSError) -> str:
    """One line for an OSError: what failed, on which path, and what to do."""
    where = f"{exc.filename}: " if exc.filename else ""
    reason = exc.strerror or str(exc)
    hint = _HINTS.get(exc.errno or 0)
    return f"{where}{reason}" + (f"; {hint}" if hint else "")


class StoreError(ChatcoreError):
    """The conversation store cannot be used as configured; the message says why and where."""

    exit_code = 5


class Unreachable(ChatcoreError):
    """A reply cannot be sent to a chat unasked: no frontend of its channel runs in this
    process (``Engine.push``)."""
