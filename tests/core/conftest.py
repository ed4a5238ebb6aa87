"""Plugins made up for the core tests: each is a plain object with hookimpls, exactly what a
third-party plugin module looks like to pluggy."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from chatcore import Action, Reply, Settings, Verdict, hookimpl


class ParrotSettings(Settings):
    prefix: str = "you said: "


class ParrotResponder:
    def __init__(self, settings: ParrotSettings, log: list[str] | None = None):
        self.settings = settings
        self.log = log if log is not None else []

    async def respond(self, message, context):
        self.log.append(f"respond:{message.text}")
        return Reply(self.settings.prefix + message.text, confidence=0.9)


@dataclass
class Recorder:
    """A plugin that records every call, to check the pipeline's order."""

    events: list[str] = field(default_factory=list)

    @hookimpl
    def chatcore_register_responders(self, register):
        register(
            "parrot",
            lambda settings, runtime: ParrotResponder(settings, self.events),
            settings=ParrotSettings,
        )

    @hookimpl
    def chatcore_register_filters(self, register):
        events = self.events

        class WordFilter:
            def __init__(self, stage: str, word: str, action: Action):
                self.stage, self.word, self.action = stage, word, action

            async def check(self, text, message):
                events.append(f"{self.stage}:{text}")
                if self.word not in text:
                    return Verdict()
                masked = text.replace(self.word, "*" * len(self.word))
                return Verdict(self.action, category="test", masked=masked, snippet="b***")

        register("mask_bad", lambda s, r: WordFilter("mask_bad", "bad", Action.MASK))
        register("block_evil", lambda s, r: WordFilter("block_evil", "evil", Action.BLOCK))
        register("mask_said", lambda s, r: WordFilter("mask_said", "said", Action.MASK))

    @hookimpl
    def chatcore_on_message(self, message):
        self.events.append(f"on_message:{message.text}")

    @hookimpl
    def chatcore_on_reply(self, message, reply):
        self.events.append(f"on_reply:{reply.text}")


class SlowParrot:
    """Sleeps per message so concurrent chats overlap; records start/end per chat."""

    def __init__(self, events: list[tuple[str, str, str]]):
        self.events = events

    @hookimpl
    def chatcore_register_responders(self, register):
        events = self.events

        class Slow:
            async def respond(self, message, context):
                events.append(("start", message.chat_id, message.text))
                delay = 0.02 if message.text.endswith(("0", "2", "4")) else 0.001
                await asyncio.sleep(delay)
                events.append(("end", message.chat_id, message.text))
                return Reply(message.text)

        register("slow", lambda settings, runtime: Slow())


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()
