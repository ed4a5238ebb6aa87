"""A chat-shaped harness: push a message, get the reply (Errbot's testbot is the model)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from chatcore.engine import Engine
from chatcore.runtime import Runtime
from chatcore.types import Message, Reply


def make_runtime(
    raw: dict[str, Any] | None = None,
    *,
    plugins: Iterable[tuple[str, object]] = (),
    load_entrypoints: bool = True,
    environ: dict[str, str] | None = None,
) -> Runtime:
    """A runtime from a config mapping; defaults to the memory store."""
    raw = {"store": "memory", **(raw or {})}
    return Runtime.load(
        raw=raw, plugins=plugins, load_entrypoints=load_entrypoints, environ=environ
    )


class ChatHarness:
    """One user in one chat: ``await chat.say("hi")`` returns the engine's Reply."""

    _ids = itertools.count(1)

    def __init__(
        self, engine: Engine, *, channel: str = "test", chat_id: str = "chat", user_id: str = "user"
    ):
        self.engine = engine
        self.channel = channel
        self.chat_id = chat_id
        self.user_id = user_id

    async def say(self, text: str, **fields: Any) -> Reply:
        fields.setdefault("message_id", str(next(self._ids)))
        message = Message(self.channel, self.chat_id, self.user_id, text, **fields)
        return await self.engine.handle(message)

    def as_user(self, user_id: str, chat_id: str | None = None) -> ChatHarness:
        """The same engine, another user (and optionally another chat)."""
        return ChatHarness(
            self.engine, channel=self.channel, chat_id=chat_id or self.chat_id, user_id=user_id
        )
