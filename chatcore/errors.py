"""Errors a user can act on. The CLI prints their message without a traceback."""

from __future__ import annotations


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
