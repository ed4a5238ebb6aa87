"""The ``repl`` config section: where history lives, key bindings, who is talking, colours."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from chatcore.settings import Settings


class ColorSettings(Settings):
    """prompt_toolkit style strings (e.g. ``"ansicyan bold"``, ``"#ff8800"``)."""

    prompt: str = "ansigreen bold"
    reply: str = "ansicyan"
    command: str = "ansiyellow"
    refusal: str = "ansired bold"
    meta: str = "ansibrightblack"
    banner: str = "ansibrightblack"


class ReplSettings(Settings):
    history_file: Path | None = Field(
        None, description="input history, created 0600 (default: <data dir>/repl/history)"
    )
    editing_mode: Literal["emacs", "vi"] = Field("emacs", description="line-editing keys")
    newline_key: str = Field(
        "escape enter",
        description="keys that insert a newline (space-separated sequence, prompt_toolkit "
        "names: 'escape enter' is Meta-Enter, or e.g. 'c-o'); Enter sends",
    )
    user_id: str | None = Field(None, description="who is talking (default: the OS user)")
    chat_id: str | None = Field(
        None, description="the conversation (default: one per OS user and config file)"
    )
    prompt: str = Field("you> ", description="the input prompt")
    reply_prefix: str = Field("bot> ", description="printed before each reply")
    spinner_delay: float = Field(
        0.15, ge=0, description="seconds before a 'thinking…' indicator appears"
    )
    colors: ColorSettings = Field(default_factory=ColorSettings)
