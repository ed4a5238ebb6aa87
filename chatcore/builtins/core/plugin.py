"""Built-in plugin: the fallback responder and the /help and /reset commands."""

from __future__ import annotations

from chatcore.commands import CommandContext
from chatcore.hookspecs import hookimpl
from chatcore.types import Message, Reply


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
    title = "我能理解这些命令：" if ctx.language == "zh" else "Commands:"
    lines = [title]
    for command in sorted(visible, key=lambda c: c.name):
        usage = f" {command.usage}" if command.usage else ""
        lines.append(f"/{command.name}{usage} - {command.description}")
    tail = "直接输入问题即可和我聊天。" if ctx.language == "zh" else "Or just ask me something."
    return "\n".join([*lines, tail])


async def reset_command(ctx: CommandContext) -> str:
    await ctx.store.reset(ctx.message.chat_key)
    if ctx.language == "zh":
        return "好的，我们重新开始吧。"
    return "Okay, let's start over. I've put our earlier conversation aside."


@hookimpl
def chatcore_register_commands(register) -> None:
    register("help", help_command, description="show the commands I understand")
    register("reset", reset_command, description="start a fresh conversation")
