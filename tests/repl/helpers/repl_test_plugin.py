"""A deterministic responder, filter and command for the REPL tests (also loaded by
``chatcore chat`` in a subprocess through ``plugins.modules``).

- ``slow S text``: sleeps S seconds, then echoes ``text``
- ``hello`` / ``你好``: a greeting in that language
- ``mystery``: a fallback reply (the engine puts its fallback text in)
- several lines: ``got N lines: <first>``
- anything else: ``echo: <text>``
- responder ``sloth``: like ``parrot``, but takes ``REPL_TEST_BUILD_SECONDS`` (default 1) to
  build, as a big model would
- filter ``nobad`` blocks any text containing ``badword``; command ``/ping`` answers ``pong``
"""

from __future__ import annotations

import asyncio
import os
import time

from chatcore import Reply, Verdict, hookimpl
from chatcore.types import Action


class ParrotResponder:
    model_name = "parrot-test"
    languages = ("en", "zh")

    async def respond(self, message, context):
        text = message.text
        if text.startswith("slow "):
            _, seconds, rest = text.split(" ", 2)
            await asyncio.sleep(float(seconds))
            return Reply(f"echo: {rest}", confidence=0.5)
        if text == "hello":
            return Reply("Hello! I am the test bot.", confidence=0.9)
        if text == "你好":
            return Reply("你好！我是测试机器人。", confidence=0.8)
        if text == "mystery":
            return Reply("", confidence=0.1, fallback=True)
        lines = text.splitlines()
        if len(lines) > 1:
            return Reply(f"got {len(lines)} lines: {lines[0]}", confidence=0.7)
        return Reply(f"echo: {text}", confidence=0.75)


class NoBadFilter:
    async def check(self, text, message):
        if "badword" in text:
            return Verdict(Action.BLOCK, category="test", snippet="b*****d")
        return Verdict()


async def ping_command(ctx):
    return "pong"


def build_sloth(settings, runtime):
    time.sleep(float(os.environ.get("REPL_TEST_BUILD_SECONDS", "1")))
    return ParrotResponder()


@hookimpl
def chatcore_register_responders(register) -> None:
    register("parrot", lambda settings, runtime: ParrotResponder())
    register("sloth", build_sloth)


@hookimpl
def chatcore_register_filters(register) -> None:
    register("nobad", lambda settings, runtime: NoBadFilter())


@hookimpl
def chatcore_register_commands(register) -> None:
    register("ping", ping_command, description="answer pong (REPL test plugin)")
