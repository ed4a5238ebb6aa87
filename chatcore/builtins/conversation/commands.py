"""Chat commands about the conversation itself: /history, /forget and /lang."""

from __future__ import annotations

from chatcore.builtins.conversation.store import Turn
from chatcore.commands import CommandContext

HISTORY_DEFAULT = 5
HISTORY_MAX = 50
PREVIEW_CHARS = 200
LANGUAGES = ("en", "zh")


def _zh(ctx: CommandContext, en: str, zh: str) -> str:
    return zh if ctx.language == "zh" else en


async def history_command(ctx: CommandContext) -> str:
    """The last turns of the current conversation, oldest first."""
    arg = ctx.args.strip()
    if arg and not (arg.isdigit() and int(arg) > 0):
        return _zh(ctx, "Usage: /history [n], n a positive number", "用法：/history [n]（正整数）")
    count = min(int(arg) if arg else HISTORY_DEFAULT, HISTORY_MAX)
    turns = await ctx.store.recent_turns(ctx.message.chat_key, count)
    if not turns:
        return _zh(ctx, "Nothing in this conversation yet.", "这段对话还没有记录。")
    header = _zh(ctx, f"Last {len(turns)} turn(s):", f"最近 {len(turns)} 轮对话：")
    return "\n".join([header, *(_line(ctx, turn) for turn in turns)])


def _line(ctx: CommandContext, turn: Turn) -> str:
    you, bot = _zh(ctx, "you", "你"), _zh(ctx, "bot", "我")
    return f"{you}: {_preview(turn.user_text)}\n{bot}: {_preview(turn.reply_text)}"


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


async def forget_command(ctx: CommandContext) -> str:
    """Delete the requesting user's turns, strikes and mute in this chat, and say so."""
    message = ctx.message
    deleted = await ctx.store.forget_user(message.chat_key, message.user_id)
    return _zh(
        ctx,
        f"Done: I deleted everything I stored about you in this chat ({deleted} message(s), "
        "and any moderation strikes).",
        f"好了：我已删除在这个对话中保存的关于你的全部内容（{deleted} 条消息及违规记录）。",
    )


async def lang_command(ctx: CommandContext) -> str:
    """Pin the reply language of this chat, or ``auto`` to detect it from each message."""
    choice = ctx.args.strip().lower()
    if choice == "auto":
        await ctx.store.set_setting(ctx.message.chat_key, "lang", None)
        return _zh(ctx, "Okay, I'll answer in the language you use.", "好的，我会随你切换语言。")
    if choice not in LANGUAGES:
        current = await ctx.store.get_setting(ctx.message.chat_key, "lang") or "auto"
        return _zh(
            ctx,
            f"Usage: /lang en|zh|auto (now: {current})",
            f"用法：/lang en|zh|auto（当前：{current}）",
        )
    await ctx.store.set_setting(ctx.message.chat_key, "lang", choice)
    return "好的，我会用中文回复。" if choice == "zh" else "Okay, I'll answer in English."
