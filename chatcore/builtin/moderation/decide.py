"""From matched spans to a Verdict: per-category actions, masks on the original text, and a
redacted snippet that never repeats the offending text."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from chatcore.types import Action, Verdict

SEVERITY = {Action.ALLOW: 0, Action.FLAG: 1, Action.MASK: 2, Action.BLOCK: 3}


@dataclass(frozen=True, slots=True)
class Span:
    """Offending text at ``original[start:end]``. ``sensed``: a word of one of its innocent
    senses stands near it, though the lexicon never clears its category (context.Senses):
    the meaning filter may overrule it."""

    start: int
    end: int
    category: str
    sensed: bool = False


def merge(spans: Iterable[Span]) -> list[Span]:
    """Overlapping spans of one category become one, ordered by start."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.category, s.start, -s.end)):
        last = merged[-1] if merged else None
        if last and last.category == span.category and span.start < last.end:
            end, sensed = max(last.end, span.end), last.sensed and span.sensed
            merged[-1] = Span(last.start, end, last.category, sensed)
        else:
            merged.append(span)
    return sorted(merged, key=lambda s: s.start)


def mask(text: str, spans: Iterable[Span], char: str = "*") -> str:
    """Replace every visible character of each span with ``char``; whitespace stays, and a
    character with its combining marks (or a surrogate pair) becomes one ``char``."""
    out = list(text)
    plain = text.isascii()  # no marks to join: each visible character one ``char``
    for span in spans:
        if plain:
            part = text[span.start : span.end]
            out[span.start : span.end] = [c if c.isspace() else char for c in part]
            continue
        for i in range(span.start, span.end):
            c = text[i]
            if c.isspace():
                continue
            out[i] = "" if _joins_previous(text, i, span.start) else char
    return "".join(out)


def _joins_previous(text: str, i: int, start: int) -> bool:
    c = text[i]
    if i == start:
        return False
    if "\udc00" <= c <= "\udfff" and "\ud800" <= text[i - 1] <= "\udbff":
        return True
    if text[i - 1] == "\u200d" or "\U0001f3fb" <= c <= "\U0001f3ff":  # ZWJ, skin tone
        return True
    return (
        unicodedata.combining(c) > 0
        or unicodedata.category(c) in ("Mn", "Me", "Cf")
        or "\ufe00" <= c <= "\ufe0f"
    )


def snippet(text: str, spans: list[Span], limit: int = 3) -> str:
    """Redacted evidence: each hit's first character then stars ("f***"), up to ``limit``."""
    parts = []
    for span in spans[:limit]:
        masked = mask(text[span.start : span.end], [Span(0, span.end - span.start, "")])
        visible = text[span.start] if len(masked.replace(" ", "")) > 1 else "*"
        parts.append(f"[{span.category}] {visible}{masked[1:]}")
    more = f" (+{len(spans) - limit})" if len(spans) > limit else ""
    return "; ".join(parts) + more


def verdict(
    name: str, text: str, spans: list[Span], actions: Mapping[str, str], default: str
) -> Verdict:
    """One Verdict for all spans: the strongest action wins; ``masked`` masks every span whose
    category's action is mask or block (so a CLI or log shows what would go)."""
    if not spans:
        return _allowed(name)
    categories = tuple(dict.fromkeys(s.category for s in spans))
    per_cat = {c: Action(actions.get(c, default)) for c in categories}
    action = max(per_cat.values(), key=SEVERITY.__getitem__)
    primary = next(c for c in categories if per_cat[c] is action)
    hidden = [s for s in spans if per_cat[s.category] in (Action.MASK, Action.BLOCK)]
    return Verdict(
        action,
        category=primary,
        filter=name,
        masked=mask(text, hidden) if hidden else text,
        snippet=snippet(text, spans),
        categories=categories,
    )


@cache
def _allowed(name: str) -> Verdict:
    """The verdict on most messages, made once per filter (a Verdict is frozen)."""
    return Verdict(filter=name)
