"""Chat commands about the conversation itself: /history, /forget and /lang."""

from __future__ import annotations

from chatcore.contracts import CommandContext
from chatcore.store import Turn

HISTORY_DEFAULT = 5
HISTORY_MAX = 50
PREVIEW_CHARS = 200


async def history_command(ctx: CommandContext) -> str:
    """The last turns of the current conversation, oldest first."""
    arg = ctx.args.strip()
    if arg and not (arg.isdigit() and int(arg) > 0):
        return ctx.text("history.usage")
    count = min(int(arg) if arg else HISTORY_DEFAULT, HISTORY_MAX)
    turns = await ctx.store.recent_turns(ctx.message.chat_key, count)
    if not turns:
        return ctx.text("history.empty")
    header = ctx.text("history.header", count=len(turns))
    return "\n".join([header, *(_line(ctx, turn) for turn in turns)])


def _line(ctx: CommandContext, turn: Turn) -> str:
    you, bot = ctx.text("history.you"), ctx.text("history.bot")
    return f"{you}: {_preview(turn.user_text)}\n{bot}: {_preview(turn.reply_text)}"


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


async def forget_command(ctx: CommandContext) -> str:
    """Delete the requesting user's turns, strikes and mute in this chat, and say so."""
    message = ctx.message
    deleted = await ctx.store.forget_user(message.chat_key, message.user_id)
    handoff = ctx.engine.services.get("handoff")  # a chat with a person ends with it
    if handoff is not None:
        await handoff.forget(message.chat_key, message.user_id)
    return ctx.text("forget.done", count=deleted)


async def good_command(ctx: CommandContext) -> str:
    return await _rate_last_answer(ctx, 1, "feedback.good")


async def bad_command(ctx: CommandContext) -> str:
    return await _rate_last_answer(ctx, -1, "feedback.bad")


async def _rate_last_answer(ctx: CommandContext, value: int, thanks: str) -> str:
    """The verdict goes to the chat's last stored turn (commands are not stored, so that is
    the last answer the user saw); `chatcore review` and the console count them."""
    turns = await ctx.store.recent_turns(ctx.message.chat_key, 1)
    if not turns or turns[-1].id is None:
        return ctx.text("feedback.nothing")
    await ctx.store.set_feedback(ctx.message.chat_key, turns[-1].id, ctx.message.user_id, value)
    return ctx.text(thanks)


async def lang_command(ctx: CommandContext) -> str:
    """Pin the reply language of this chat, or ``auto`` to detect it from each message."""
    choice = ctx.args.strip().lower()
    if choice == "auto":
        await ctx.store.set_setting(ctx.message.chat_key, "lang", None)
        return ctx.text("lang.auto")
    languages = ctx.engine.messages.languages  # those the catalogue has texts in
    if choice not in languages:
        current = await ctx.store.get_setting(ctx.message.chat_key, "lang") or "auto"
        return ctx.text("lang.usage", choices="|".join(languages), current=current)
    await ctx.store.set_setting(ctx.message.chat_key, "lang", choice)
    return ctx.engine.messages.text("lang.pinned", choice)  # in the language just pinned
