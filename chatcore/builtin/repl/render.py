"""How replies look: styled fragments for the terminal, plain lines when piped, Markdown
for ``/save``. Pure functions of a Reply, so the tests can check them without a terminal.

Reply texts come from training data, plugins and (echoed, or read as a follow-up) chat users,
so everything shown of them goes through :func:`chatcore.terminal_text.printable`: an
escape sequence in an answer is shown, never obeyed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chatcore.terminal_text import printable
from chatcore.types import Reply

Fragments = list[tuple[str, str]]
REFUSED = "[refused] "


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


def _body(reply: Reply, prefix: str) -> str:
    """The reply text, continuation lines indented under the first."""
    text = _text(reply)
    indent = "\n" + " " * len(prefix)
    return prefix + indent.join(text.splitlines() or [""])


def reply_fragments(reply: Reply, prefix: str, verbose: bool) -> Fragments:
    """Styled text for a terminal; the style names map to ``repl.colors``."""
    fragments = [(_style(reply), _body(reply, prefix)), ("", "\n")]
    if verbose and reply.kind in ("answer", "refusal"):
        fragments += [("class:meta", " " * len(prefix) + meta_line(reply)), ("", "\n")]
    return fragments


def reply_plain(reply: Reply, verbose: bool) -> str:
    """The reply as plain text lines (no escape codes), for piped output."""
    text = _text(reply)
    if verbose and reply.kind in ("answer", "refusal"):
        text += "\n" + meta_line(reply)
    return text


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
