"""A deterministic responder for the web tests (also loaded by `chatcore serve web` in a
subprocess through ``plugins.modules``).

- ``slow S text``: sleeps S seconds, then echoes
- ``dunno text``: a fallback (the bot could not answer)
- ``maybe text``: a fallback offering CHOICES (questions the user may have meant)
- anything else: ``echo: <text>``

``WebEcho.calls`` counts how often each text reached it, to show a message runs once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import ClassVar

from chatcore import Reply, hookimpl

CHOICES = ("what are your hours", "你们几点开门")


class WebEcho:
    calls: ClassVar[Counter[str]] = Counter()

    async def respond(self, message, context):
        WebEcho.calls[message.text] += 1
        text = message.text
        if text.startswith("slow "):
            _, seconds, rest = text.split(" ", 2)
            await asyncio.sleep(float(seconds))
            return Reply(f"echo: {rest}")
        if text.startswith("dunno "):
            return Reply("", confidence=0.1, fallback=True)
        if text.startswith("maybe "):
            return Reply("", confidence=0.2, fallback=True, choices=CHOICES)
        return Reply(f"echo: {text}")


@hookimpl
def chatcore_register_responders(register):
    register("webecho", lambda settings, runtime: WebEcho())
