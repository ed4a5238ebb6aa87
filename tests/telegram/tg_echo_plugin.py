"""A deterministic responder for the Telegram tests (also loaded by `chatcore serve` in a
subprocess through ``plugins.modules``).

- ``long N``: a reply of N characters made of numbered sentences
- ``slow S text``: sleeps S seconds, then echoes
- anything else: ``echo: <text>``
- ``/stats``: an admin-only command
"""

from __future__ import annotations

import asyncio

from chatcore import Reply, hookimpl


class EchoResponder:
    in_flight = 0
    peak = 0  # most messages answered at the same time, to show chats run concurrently

    async def respond(self, message, context):
        EchoResponder.in_flight += 1
        EchoResponder.peak = max(EchoResponder.peak, EchoResponder.in_flight)
        try:
            return await self._respond(message.text)
        finally:
            EchoResponder.in_flight -= 1

    async def _respond(self, text: str) -> Reply:
        if text.startswith("long "):
            return Reply(long_text(int(text.split()[1])))
        if text.startswith("slow "):
            _, seconds, rest = text.split(" ", 2)
            await asyncio.sleep(float(seconds))
            return Reply(f"echo: {rest}")
        if text.startswith("markup"):
            return Reply("<b>bold</b> *star* [link](http://evil.example) _under_")
        return Reply(f"echo: {text}")


def long_text(size: int) -> str:
    sentences, n = [], 0
    while sum(len(s) + 1 for s in sentences) < size:
        n += 1
        sentences.append(f"This is sentence number {n} of a long answer.")
    return " ".join(sentences)[:size]


async def stats_command(ctx):
    return "stats: all good"


@hookimpl
def chatcore_register_responders(register):
    register("echo", lambda settings, runtime: EchoResponder(), description="test echo")


@hookimpl
def chatcore_register_commands(register):
    register("stats", stats_command, description="bot statistics", admin_only=True)


class ForbidFilter:
    """Blocks any text containing "forbidden" (a stand-in for moderation in tests)."""

    async def check(self, text, message):
        from chatcore import Action, Verdict

        if "forbidden" in text:
            return Verdict(Action.BLOCK, category="test", snippet="[forbidden]")
        return Verdict()


@hookimpl
def chatcore_register_filters(register):
    register("forbid", lambda settings, runtime: ForbidFilter(), description="test filter")
