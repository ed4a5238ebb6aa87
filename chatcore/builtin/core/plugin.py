"""Built-in plugin: the fallback responder and the /help and /reset commands."""

from __future__ import annotations

from chatcore.contracts import CommandContext
from chatcore.hookspecs import hookimpl
from chatcore.types import Message, Reply

MESSAGES = {
    "help.title": {"en": "Commands:", "zh": "我能理解这些命令："},
    "help.tail": {"en": "Or just ask me something.", "zh": "直接输入问题即可和我聊天。"},
    "reset.done": {
        "en": "Okay, let's start over. I've put our earlier conversation aside.",
        "zh": "好的，我们重新开始吧。",
    },
}
"""The texts of /help and /reset (see chatcore.messages)."""


class FallbackResponder:
    """Always answers, with the engine's localized fallback text; the engine runs it last."""

    async def respond(self, message: Message, context: list) -> Reply:
        return Reply("", confidence=0.0, fallback=True, source="fallback")


@hookimpl
def chatcore_register_responders(register) -> None:
    register(
        "fallback",
        lambda settings, runtime: FallbackResponder(),
        description="answers with the configured fallback text when nothing else does",
    )


async def help_command(ctx: CommandContext) -> str:
    """List every command from every plugin, so users discover what plugins add."""
    admin = ctx.engine.is_admin(ctx.message)
    visible = [c for c in ctx.engine.commands.values() if admin or not c.admin_only]
    lines = [ctx.text("help.title")]
    for command in sorted(visible, key=lambda c: c.name):
        usage = f" {command.usage}" if command.usage else ""
        lines.append(f"/{command.name}{usage} - {command.description}")
    return "\n".join([*lines, ctx.text("help.tail")])


async def reset_command(ctx: CommandContext) -> str:
    await ctx.store.reset(ctx.message.chat_key)
    return ctx.text("reset.done")


@hookimpl
def chatcore_register_commands(register) -> None:
    register("help", help_command, description="show the commands I understand")
    register("reset", reset_command, description="start a fresh conversation")


@hookimpl
def chatcore_register_messages(register) -> None:
    register(MESSAGES)
