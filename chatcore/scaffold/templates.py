"""Templates for ``chatcore plugin new`` (string.Template: ``$name``; ``$$`` is a dollar)."""

PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "$distribution"
version = "0.1.0"
description = "A chatcore $kind plugin."
requires-python = ">=3.11"
dependencies = ["chatcore"]

[project.optional-dependencies]
# chatcore's default filters (make_chat's bots) need its moderation extra
test = ["pytest>=8", "chatcore[moderation]"]

# chatcore finds plugins through this entry-point group: name = module
[project.entry-points.chatcore]
$name = "$module"

[tool.setuptools]
packages = ["$module"]
"""

README = """
# $distribution

A [chatcore](https://pypi.org/project/chatcore/) $kind plugin.

```sh
pip install -e .            # install next to chatcore
chatcore plugins            # "$name" is listed with its components
pytest                      # its tests, with chatcore's fixtures (make_chat, chat)
```

Enable it in your chatcore YAML config; its settings live in the `$component:` section.
"""

FILTER = '''
"""A chatcore filter that masks (or blocks) configured words."""

from __future__ import annotations

import re
from typing import Literal

import chatcore
from chatcore import Action, Verdict


class ${cls}Settings(chatcore.Settings):
    words: list[str] = ["darn", "heck"]
    action: Literal["mask", "block"] = "mask"


class ${cls}Filter:
    def __init__(self, settings: ${cls}Settings):
        self.action = Action(settings.action)
        alternatives = "|".join(re.escape(w) for w in settings.words)
        self.pattern = re.compile(rf"\\b(?:{alternatives})\\b", re.IGNORECASE)

    async def check(self, text: str, message: chatcore.Message) -> Verdict:
        if not self.pattern.search(text):
            return Verdict()
        masked = self.pattern.sub(lambda m: "*" * len(m.group()), text)
        return Verdict(self.action, category="word-list", masked=masked, snippet="***")


@chatcore.hookimpl
def chatcore_register_filters(register):
    register(
        "$component",
        lambda settings, runtime: ${cls}Filter(settings),
        settings=${cls}Settings,
        description="masks or blocks configured words",
    )
'''

FRONTEND = '''
"""A chatcore frontend that answers one message per line of a text file (or stdin)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import chatcore


class ${cls}Settings(chatcore.Settings):
    input_path: Path | None = None  # default: standard input
    output_path: Path | None = None  # default: standard output
    user_id: str = "local"


class ${cls}Frontend:
    def __init__(self, settings: ${cls}Settings):
        self.settings = settings

    async def run(self, engine: chatcore.Engine) -> None:
        lines = await asyncio.to_thread(self._read_lines)
        replies = []
        for line in lines:
            message = chatcore.Message("$component", "default", self.settings.user_id, line)
            replies.append((await engine.handle(message)).text)
        await asyncio.to_thread(self._write_lines, replies)

    def _read_lines(self) -> list[str]:
        path = self.settings.input_path
        text = path.read_text(encoding="utf-8") if path else sys.stdin.read()
        return [line for line in text.splitlines() if line.strip()]

    def _write_lines(self, replies: list[str]) -> None:
        text = "".join(f"{reply}\\n" for reply in replies)
        if self.settings.output_path:
            self.settings.output_path.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)


@chatcore.hookimpl
def chatcore_register_frontends(register):
    register(
        "$component",
        lambda settings, runtime: ${cls}Frontend(settings),
        settings=${cls}Settings,
        description="answers one message per line of a file",
    )
'''

RESPONDER = '''
"""A chatcore responder with canned answers; anything else goes to the next responder."""

from __future__ import annotations

import chatcore
from chatcore import Reply


class ${cls}Settings(chatcore.Settings):
    answers: dict[str, str] = {"ping": "pong"}


class ${cls}Responder:
    def __init__(self, settings: ${cls}Settings):
        self.answers = {self.key(q): a for q, a in settings.answers.items()}

    @staticmethod
    def key(text: str) -> str:
        return " ".join(text.casefold().strip(" ?!.").split())

    async def respond(self, message: chatcore.Message, context: list) -> Reply | None:
        answer = self.answers.get(self.key(message.text))
        return None if answer is None else Reply(answer, confidence=1.0)


@chatcore.hookimpl
def chatcore_register_responders(register):
    register(
        "$component",
        lambda settings, runtime: ${cls}Responder(settings),
        settings=${cls}Settings,
        description="canned answers",
    )
'''

STORE = '''
"""A chatcore conversation store. It starts as the in-memory store: replace each method with
calls to your backend (see chatcore.ConversationStore for the contract)."""

from __future__ import annotations

import chatcore
from chatcore.builtin.conversation.memory import MemoryStore


class ${cls}Settings(chatcore.Settings):
    max_turns_per_chat: int = 1000


class ${cls}Store(MemoryStore):
    def __init__(self, settings: ${cls}Settings):
        super().__init__()
        self.max_turns = settings.max_turns_per_chat

    async def append_turn(self, turn: chatcore.Turn) -> None:
        await super().append_turn(turn)
        turns = self._turns[turn.chat_key]
        del turns[: max(0, len(turns) - self.max_turns)]


@chatcore.hookimpl
def chatcore_register_stores(register):
    register(
        "$component",
        lambda settings, runtime: ${cls}Store(settings),
        settings=${cls}Settings,
        description="conversation store",
    )
'''

FILTER_TESTS = '''
"""Tests run with chatcore's pytest fixtures (make_chat), through the installed entry point."""

from chatcore import Action


def test_masks_configured_words(make_chat):
    bot = make_chat({"filters": {"input": ["$component"]}})
    reply = bot.say("well darn it")
    assert reply.verdicts[0].action is Action.MASK
    assert reply.verdicts[0].filter == "$component"
    turn = bot.run(bot.engine.store.recent_turns("test:chat", 1))[0]
    assert turn.user_text == "well **** it"


def test_blocks_when_configured(make_chat):
    bot = make_chat({"filters": {"input": ["$component"]}, "$component": {"action": "block"}})
    assert bot.say("oh heck").kind == "refusal"
    assert bot.say("oh hello").kind == "answer"
'''

FRONTEND_TESTS = '''
"""Runs the frontend against a real engine, through the installed entry point."""

import asyncio

from chatcore.testing import make_runtime


def test_answers_each_line(tmp_path, chatcore_home):
    source, target = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text("hello\\n\\n/help\\n", encoding="utf-8")
    runtime = make_runtime(
        {"$component": {"input_path": str(source), "output_path": str(target)}}
    )
    frontend = runtime.build("frontend", "$component")

    async def serve():
        async with runtime.build_engine() as engine:
            await frontend.run(engine)

    asyncio.run(serve())
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == runtime.registry.messages.text("fallback", "en")
    assert lines[1] == "Commands:"
'''

RESPONDER_TESTS = '''
"""Tests run with chatcore's pytest fixtures (make_chat), through the installed entry point."""


def test_canned_answer(make_chat):
    bot = make_chat({"responders": ["$component"], "$component": {"answers": {"ping": "pong"}}})
    reply = bot.say("  PING? ")
    assert (reply.text, reply.source, reply.fallback) == ("pong", "$component", False)


def test_unknown_question_falls_back(make_chat):
    bot = make_chat({"responders": ["$component"]})
    assert bot.say("what is the weather").fallback is True
'''

STORE_TESTS = '''
"""Tests run with chatcore's pytest fixtures (make_chat), through the installed entry point."""


def test_keeps_the_conversation(make_chat):
    bot = make_chat({"store": "$component", "$component": {"max_turns_per_chat": 2}})
    for text in ["one", "two", "three"]:
        bot.say(text)
    turns = bot.run(bot.engine.store.recent_turns("test:chat", 10))
    assert [t.user_text for t in turns] == ["two", "three"]
'''

MODULES = {"filter": FILTER, "frontend": FRONTEND, "responder": RESPONDER, "store": STORE}
TESTS = {
    "filter": FILTER_TESTS,
    "frontend": FRONTEND_TESTS,
    "responder": RESPONDER_TESTS,
    "store": STORE_TESTS,
}
