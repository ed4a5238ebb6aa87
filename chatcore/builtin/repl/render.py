"""How replies look: styled fragments for the terminal, plain lines when piped, Markdown
for ``/save``. Pure functions of a Reply, so the tests can check them without a terminal.

Reply texts come from training data, plugins and (echoed, or read as a follow-up) chat users,
so everything shown of them goes through :func:`chatcore.terminal_text.printable`: an
escape sequence in an answer is shown, never obeyed.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chatcore.terminal_text import printable
from chatcore.types import Reply

Fragments = list[tuple[str, str]]
REFUSED = "[refused] "
PICKED = "→ "
CHOICE_INDENT = "  "  # the numbered choices, relative to the reply text


def meta_line(reply: Reply) -> str:
    """What ``--verbose`` adds: the confidence, a fallback marker, who answered and, for a
    follow-up answered with the conversation, the question it was read as."""
    parts = [f"confidence {reply.confidence:.2f}"]
    if reply.fallback:
        parts.append("fallback")
    if reply.source:
        parts.append(f"source {reply.source}")
    if reply.read_as:
        parts.append(f"in context, read as: {reply.read_as}")
    return printable("(" + ", ".join(parts) + ")")


def _style(reply: Reply) -> str:
    if reply.kind in ("refusal", "error", "limited"):
        return "class:refusal"
    return "class:command" if reply.kind == "command" else "class:reply"


def _text(reply: Reply) -> str:
    """The reply as shown: marked when refused, escapes made visible (before lines are split,
    so only a real newline starts a line: not a CR, form feed or U+2028)."""
    return printable((REFUSED if reply.kind == "refusal" else "") + reply.text.rstrip())


def width(text: str) -> int:
    """Terminal columns ``text`` takes: wide (CJK) characters two, combining marks none, so
    lines indented under a prefix like ``机器人> `` line up."""
    return sum(_columns(char) for char in text)


def _columns(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _body(reply: Reply, prefix: str) -> str:
    """The reply text, continuation lines indented under the first."""
    text = _text(reply)
    indent = "\n" + " " * width(prefix)
    return prefix + indent.join(text.splitlines() or [""])


def _one_line(text: str) -> str:
    """A choice on one line, escapes made visible: each number starts exactly one line."""
    return " ".join(printable(text).split())


def choice_lines(choices: Sequence[str], indent: str = CHOICE_INDENT) -> list[str]:
    """The "did you mean" list: ``  1. what is your name``, numbers right-aligned so the
    texts line up past nine."""
    digits = len(str(len(choices)))
    return [f"{indent}{n:>{digits}}. {_one_line(c)}" for n, c in enumerate(choices, 1)]


def picked_line(choice: str) -> str:
    """The echo of a choice picked by its number: what was really sent."""
    return PICKED + _one_line(choice)


def reply_fragments(reply: Reply, prefix: str, verbose: bool) -> Fragments:
    """Styled text for a terminal; the style names map to ``repl.colors``. Choices are part
    of the reply, numbered under its text in the same style."""
    pad = " " * width(prefix)
    fragments = [(_style(reply), _body(reply, prefix)), ("", "\n")]
    if reply.choices:
        lines = choice_lines(reply.choices, pad + CHOICE_INDENT)
        fragments += [(_style(reply), "\n".join(lines)), ("", "\n")]
    if verbose and reply.kind in ("answer", "refusal"):
        fragments += [("class:meta", pad + meta_line(reply)), ("", "\n")]
    return fragments


def reply_plain(reply: Reply, verbose: bool) -> str:
    """The reply as plain text lines (no escape codes), for piped output."""
    lines = [_text(reply), *choice_lines(reply.choices)]
    if verbose and reply.kind in ("answer", "refusal"):
        lines.append(meta_line(reply))
    return "\n".join(lines)


def describe_model(engine: Any) -> tuple[str, list[str]]:
    """The answering model's name and languages: what the responder says about itself if it
    does (``model_name``/``languages`` attributes), else its model directory or config name."""
    named = next((n for n in engine.responders if n.name != "fallback"), None)
    if named is None:
        return "none (fallback replies only)", []
    component = named.component
    name = getattr(component, "model_name", None)
    languages = list(getattr(component, "languages", None) or [])
    model_dir = getattr(component, "model_dir", None)
    if model_dir is not None:
        metadata = _metadata(Path(model_dir))
        name = name or f"{named.name} ({Path(model_dir).name})"
        languages = languages or list(metadata.get("languages") or [])
    return name or named.name, languages


def _metadata(model_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((model_dir / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def model_line(model: str, languages: list[str]) -> str:
    """The banner's model line; the name and languages come from the model's metadata or the
    responder plugin."""
    langs = ", ".join(languages) if languages else "detected from each message"
    return printable(f"Model: {model} · languages: {langs}") + "\n"


def banner_lines(history: Path | None, newline: str) -> list[str]:
    """What a new user needs at once: where input history goes, how to get help and quit
    (the model line follows when the engine is up)."""
    stored = f"input history in {history}" if history else "no input history file"
    return [
        "chatcore chat · the conversation continues across sessions (/reset starts afresh)",
        f"Type /help for commands, {newline} for a new line, /quit or Ctrl-D to quit;",
        f"{stored}.",
    ]
