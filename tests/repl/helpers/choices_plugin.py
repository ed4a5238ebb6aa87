"""A responder that offers "did you mean ...?" choices, and a command that pushes a reply
unasked, for the REPL tests (also loaded by ``chatcore chat`` in a subprocess through
``plugins.modules``).

- responder ``guesser``: a known question (``KNOWN``) gets its answer; a number gets
  ``got the number N`` (so a test sees a number arrive as text); anything else is a fallback
  offering every known question as a choice
- command ``/later SECONDS TEXT``: answers ``LATER_ACK``, then after SECONDS pushes ``TEXT`` to
  the same chat as a person's answer (``engine.push``, as the handoff plugin relays one)
"""

from __future__ import annotations

import asyncio

from chatcore import Reply, hookimpl

KNOWN = {
    "what is your name": "I am the guessing test bot.",
    "what can you do": "I answer three questions.",
    "你叫什么名字": "我是猜测机器人。",
}
LATER_ACK = "a person will answer soon"
_pending: set[asyncio.Task] = set()  # pushes not sent yet (a task needs a reference)


class GuessingResponder:
    model_name = "guesser-test"
    languages = ("en", "zh")

    async def respond(self, message, context):
        text = message.text.strip()
        if text in KNOWN:
            return Reply(KNOWN[text], confidence=0.9)
        if text.isdecimal():
            return Reply(f"got the number {text}", confidence=0.6)
        return Reply("", confidence=0.1, fallback=True, choices=tuple(KNOWN))


async def later_command(ctx):
    seconds, _, text = ctx.args.partition(" ")
    task = asyncio.ensure_future(_push_later(ctx, float(seconds), text))
    _pending.add(task)
    task.add_done_callback(_pending.discard)
    return LATER_ACK


async def _push_later(ctx, seconds: float, text: str) -> None:
    await asyncio.sleep(seconds)
    reply = Reply(text, source="operator", kind="operator")
    await ctx.engine.push(ctx.message.chat_key, reply)


@hookimpl
def chatcore_register_responders(register) -> None:
    register("guesser", lambda settings, runtime: GuessingResponder())


@hookimpl
def chatcore_register_commands(register) -> None:
    register("later", later_command, description="push TEXT after SECONDS (REPL test plugin)")
