"""The lexicon and pii filters: components with ``async check(text, message) -> Verdict``.

Both are pure CPU work of a few microseconds per message, so they run on the event loop;
only the classifier (a scikit-learn model) goes to a worker thread.
"""

from __future__ import annotations

import logging
from typing import Any

from chatcore.builtin.moderation.decide import Span, merge, verdict
from chatcore.builtin.moderation.lexicon import Lexicon
from chatcore.builtin.moderation.pii import find_pii
from chatcore.builtin.moderation.settings import LexiconSettings, PiiSettings
from chatcore.builtin.moderation.terms import (
    Entry,
    builtin_entries,
    load_list,
    parse_text,
    pinyin_entries,
)
from chatcore.errors import ConfigError
from chatcore.types import Action, Verdict

log = logging.getLogger("chatcore.moderation")
_LEXICONS: dict[str, Lexicon] = {}


def build_lexicon(settings: LexiconSettings) -> Lexicon:
    """The compiled lexicon for these settings: once per process and settings, and read from
    the user's cache folder when an earlier process compiled the same (chatcore.builtin.moderation.
    compiled)."""
    from chatcore.builtin.moderation import compiled

    cache_key = settings.model_dump_json()
    lexicon = _LEXICONS.get(cache_key)
    if lexicon is None:
        lexicon = compiled.cached(settings, lambda: _compile(settings))
        _LEXICONS[cache_key] = lexicon
    return lexicon


def _compile(settings: LexiconSettings) -> Lexicon:
    entries = _entries(settings)
    return Lexicon(entries, wildcards=settings.wildcards, homophones=settings.homophones)


def _entries(settings: LexiconSettings) -> list[Entry]:
    entries = builtin_entries(settings.languages) if settings.builtin else []
    for path in settings.lists:
        entries.extend(load_list(path))
    for path in settings.allow_lists:
        entries.extend(load_list(path, allow=True))
    for category, terms in settings.terms.items():
        entries.extend(Entry(t, category) for t in terms)
    entries.extend(parse_text("\n".join(settings.allow), "<lexicon.allow>", allow=True))
    if settings.pinyin:
        entries.extend(pinyin_entries(entries))
    return entries


def record(verdict_: Verdict, message: Any) -> Verdict:
    """Log a decision with its redacted snippet only (never the text)."""
    if verdict_.action is not Action.ALLOW:
        user = getattr(message, "user_id", "?")
        log.info(
            "moderation %s %s %s user=%s %s",
            verdict_.filter, verdict_.action.value, ",".join(verdict_.categories),
            user, verdict_.snippet,
        )  # fmt: skip
    return verdict_


class LexiconFilter:
    """Term lists with categories; per-category action block | mask | flag."""

    name = "lexicon"

    def __init__(self, settings: LexiconSettings | None = None) -> None:
        self.settings = settings or LexiconSettings()
        self.lexicon = build_lexicon(self.settings)
        for key, actions in [("actions", self.settings.actions), *self._per_frontend()]:
            unknown = sorted(set(actions) - self.lexicon.categories)
            if unknown:
                known = ", ".join(sorted(self.lexicon.categories))
                raise ConfigError(f"{key}: no list has the categories {unknown} (known: {known})")

    def _per_frontend(self) -> list[tuple[str, dict[str, str]]]:
        return [(f"frontends.{where}", a) for where, a in self.settings.frontends.items()]

    def spans(self, text: str) -> list[Span]:
        norm, hits = self.lexicon.scan(text)
        if not hits:
            return []
        return merge(Span(*norm.span(h.start, h.end), h.category, h.sensed) for h in hits)

    def decide(self, text: str, message: Any = None, spans: list[Span] | None = None) -> Verdict:
        """The verdict under the actions for where ``message`` came from (the policy);
        ``spans``: the text's hits when the caller has scanned it already."""
        found = self.spans(text) if spans is None else spans
        actions = self.actions(message) if found else {}
        return verdict(self.name, text, found, actions, self.settings.default_action)

    def actions(self, message: Any = None) -> dict[str, str]:
        if message is None:
            return dict(self.settings.actions)
        chat_type = (getattr(message, "meta", None) or {}).get("chat_type")
        return self.settings.actions_for(getattr(message, "channel", ""), chat_type)

    async def check(self, text: str, message: Any = None) -> Verdict:
        return record(self.decide(text, message), message)


class PiiFilter:
    """Personal data, masked by default (in replies, and in messages when listed as input)."""

    name = "pii"

    def __init__(self, settings: PiiSettings | None = None) -> None:
        self.settings = settings or PiiSettings()

    def spans(self, text: str) -> list[Span]:
        return find_pii(text, self.settings.kinds, tuple(self.settings.regions))

    def decide(self, text: str) -> Verdict:
        return verdict(self.name, text, self.spans(text), {}, self.settings.action)

    async def check(self, text: str, message: Any = None) -> Verdict:
        return record(self.decide(text), message)
