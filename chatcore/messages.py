"""Every text chatcore says to users, in one catalogue: message id -> language -> text.

The core's own texts are ``MESSAGES`` below. A plugin keeps its texts in a ``MESSAGES`` dict of
the same shape in its plugin module and hands it over with a registration hook::

    MESSAGES = {"weather.none": {"en": "No forecast for {city}.", "zh": "没有{city}的天气预报。"}}

    @chatcore.hookimpl
    def chatcore_register_messages(register):
        register(MESSAGES)

A command says ``ctx.text("weather.none", city=city)``; a frontend
``engine.messages.text(message_id, language, **fields)``. Texts are ``str.format`` templates
(write ``{{`` for a literal brace); a language without a text for an id gets the English one,
so every id needs ``"en"``. Ids are flat strings, by convention prefixed with the command or
plugin that says them (``history.empty``, ``telegram.start``); the core's own are bare.

Adding a language means adding its texts next to ``"en"`` in each catalogue dict: this one and
each plugin's. An operator overrides any text, or adds a language, in the config's
``messages:`` section (``messages: {en: {fallback: "Hmm, no idea."}}``); unknown ids there are
config errors.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Mapping

from chatcore.errors import PluginError

ENGLISH = "en"
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")

MESSAGES: dict[str, dict[str, str]] = {
    "fallback": {
        "en": "I don't know that yet. Could you say it another way?",
        "zh": "这个我还不知道。能换个说法吗？",
    },
    "fallback.choices": {
        "en": "I'm not sure I understood. Did you mean one of these?",
        "zh": "我不太确定你的意思。你是想问下面这些吗？",
    },
    "error_reply": {
        "en": "Sorry, something went wrong on my side. Please try again.",
        "zh": "抱歉，我这边出了点问题，请再试一次。",
    },
    "refusal": {
        "en": "Sorry, I can't respond to that. Let's keep it friendly.",
        "zh": "抱歉，这个我不能回应。我们友好地聊天吧。",
    },
    "rate_limited": {
        "en": "You're sending messages too fast. Please wait a moment.",
        "zh": "你发消息太快了，请稍等一下。",
    },
    "muted": {
        "en": "You have been muted for a while after several blocked messages.",
        "zh": "由于多条消息被拦截，你已被暂时禁言。",
    },
    "unknown_command": {
        "en": "Unknown command /{name}. Type /help to see what I understand.",
        "zh": "未知命令 /{name}。输入 /help 查看可用命令。",
    },
    "admin_only": {
        "en": "Sorry, /{name} is for admins only.",
        "zh": "抱歉，/{name} 仅限管理员使用。",
    },
}


class Catalogue:
    """The core's texts plus those plugins registered; ``overridden`` applies the config's."""

    def __init__(self) -> None:
        self._texts: dict[str, dict[str, str]] = {}
        self._owners: dict[str, str] = {}
        self.add(MESSAGES, "chatcore")

    def add(self, messages: Mapping[str, Mapping[str, str]], owner: str) -> None:
        """Add a plugin's texts; an id registered twice, or one without English, is an error."""
        for message_id, texts in messages.items():
            problem = _entry_problem(message_id, texts)
            if message_id in self._owners:
                problem = f"already registered by {self._owners[message_id]!r}"
            if problem:
                raise PluginError(f"plugin {owner!r}: message {message_id!r}: {problem}")
            self._texts[message_id] = dict(texts)
            self._owners[message_id] = owner

    def problems(self, overrides: Mapping[str, Mapping[str, str]]) -> list[tuple[tuple, str]]:
        """What is wrong with a config's ``messages`` section, as (key path, problem) pairs."""
        found: list[tuple[tuple, str]] = []
        for language, texts in overrides.items():
            if not LANGUAGE_CODE.fullmatch(language):
                found.append(((language,), "not a language code like en or zh"))
            for message_id, text in texts.items():
                problem = self._override_problem(message_id, text)
                if problem:
                    found.append(((language, message_id), problem))
        return found

    def overridden(self, overrides: Mapping[str, Mapping[str, str]]) -> Catalogue:
        """A copy with the config's texts in place of (or next to) the built-in ones."""
        copy = Catalogue()
        copy._texts = {message_id: dict(texts) for message_id, texts in self._texts.items()}
        copy._owners = dict(self._owners)
        for language, texts in overrides.items():
            for message_id, text in texts.items():
                copy._texts[message_id][language] = text
        return copy

    def text(self, message_id: str, language: str | None, **fields: object) -> str:
        """The text of an id in a language (English when it has none), fields filled in."""
        texts = self._texts[message_id]
        template = texts.get(language or ENGLISH, texts[ENGLISH])
        return template.format(**fields)

    def texts(self, message_id: str) -> dict[str, str]:
        """The texts of an id by language."""
        return dict(self._texts[message_id])

    @property
    def ids(self) -> list[str]:
        return sorted(self._texts)

    @property
    def languages(self) -> list[str]:
        """Every language some text is written in."""
        return sorted({language for texts in self._texts.values() for language in texts})

    def _override_problem(self, message_id: str, text: str) -> str:
        if message_id not in self._texts:
            close = difflib.get_close_matches(message_id, self._texts, n=1, cutoff=0.6)
            return "unknown message id" + (f" (did you mean {close[0]}?)" if close else "")
        return _fields_problem(text, _fields(self._texts[message_id][ENGLISH]))


def _entry_problem(message_id: object, texts: object) -> str:
    if not isinstance(message_id, str) or not message_id:
        return "the id must be a non-empty string"
    if not isinstance(texts, Mapping) or not isinstance(texts.get(ENGLISH), str):
        return 'needs a mapping of language -> text with an "en" text'
    problem = _fields_problem(texts[ENGLISH], None)
    for text in texts.values():
        problem = problem or _fields_problem(text, _fields(texts[ENGLISH]))
    return problem


def _fields_problem(text: object, allowed: set[str] | None) -> str:
    """Why a text is no template whose fields are among ``allowed`` (None: any), or ''."""
    if not isinstance(text, str):
        return "expected a text"
    try:
        used = _fields(text)
    except ValueError as exc:
        return f"not a valid text ({exc}); write {{{{ and }}}} for a literal brace"
    if not all(name.isidentifier() for name in used):
        return "fields are plain names like {name}; write {{ and }} for a literal brace"
    unknown = sorted(used - (used if allowed is None else allowed))
    if unknown:
        fields = ", ".join(f"{{{name}}}" for name in sorted(allowed)) or "none"
        return f"unknown field {{{unknown[0]}}} (this text's fields: {fields})"
    try:  # a format spec can hide another field or need a number: try it with sample text
        text.format(**dict.fromkeys(used, "x"))
    except (KeyError, ValueError, IndexError, AttributeError) as exc:
        return f"not a valid text ({type(exc).__name__}: {exc}); fields take no format spec"
    return ""


def _fields(template: str) -> set[str]:
    """The names ``str.format`` fills in a template; raises ValueError for a broken one."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
