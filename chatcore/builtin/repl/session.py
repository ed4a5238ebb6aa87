"""The prompt_toolkit PromptSession: history file, key bindings, /command completion, style.

Imported only when the REPL runs interactively (prompt_toolkit stays out of ``--help``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import Completer, Completion
from prompt_toolkit.enums import EditingMode
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.keys import Keys
from prompt_toolkit.styles import Style


class SlashCompleter(Completer):
    """Completes ``/commands`` (every plugin's and the REPL's own) at the start of a line."""

    def __init__(self, entries: Mapping[str, str]):
        self.entries = dict(sorted(entries.items()))  # name -> one-line description

    def get_completions(self, document: Any, complete_event: Any) -> Iterable[Completion]:
        text = document.text_before_cursor
        if not text.startswith("/") or any(c.isspace() for c in text):
            return
        word = text[1:].lower()
        for name, description in self.entries.items():
            if name.startswith(word):
                yield Completion(f"/{name}", -len(text), display_meta=description)


def open_history_file(path: Path) -> Path:
    """Create the history file (and its folder) readable by its owner only: it holds
    everything the user typed."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    return path


def ignore_mouse_report(event: Any) -> None:
    """Mouse reporting is off, so a mouse report (Esc ``[M`` and three characters, or Esc
    ``[`` digits ``M``) means nothing here, as prompt_toolkit treats any it can read. Typed
    or pasted, it can hold characters no terminal reports, on which prompt_toolkit's own
    handler raised ("Unhandled exception in event loop" and a "Press ENTER" pause)."""


def key_bindings(newline_keys: str) -> KeyBindings:
    """Enter sends; ``newline_keys`` (default Meta-Enter) inserts a line break. A bad key name
    is a ValueError. Mouse reports, typed or sent, are ignored."""
    bindings = KeyBindings()
    bindings.add(Keys.Vt100MouseEvent)(ignore_mouse_report)
    keys = newline_keys.split()

    def newline(event: Any) -> None:
        event.current_buffer.insert_text("\n")

    try:
        bindings.add(*keys)(newline)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{newline_keys!r} is not a key sequence ({exc})") from None
    return bindings


def make_style(colors: Any) -> Style:
    return Style.from_dict(colors.model_dump())


def build_session(
    settings: Any,
    commands: Mapping[str, str],
    history_path: Path | None,
    *,
    input: Any = None,
    output: Any = None,
) -> PromptSession:
    """A PromptSession configured from ``repl`` settings; ``input``/``output`` are for tests."""
    history = FileHistory(str(open_history_file(history_path))) if history_path else None
    mode = EditingMode.VI if settings.editing_mode == "vi" else EditingMode.EMACS
    width = len(settings.prompt)
    return PromptSession(
        history=history or InMemoryHistory(),
        auto_suggest=AutoSuggestFromHistory(),
        completer=SlashCompleter(commands),
        complete_while_typing=True,
        editing_mode=mode,
        key_bindings=key_bindings(settings.newline_key),
        prompt_continuation=lambda w, n, soft: "." * (width - 1) + " ",
        style=make_style(settings.colors),
        input=input,
        output=output,
    )
