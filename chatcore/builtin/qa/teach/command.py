"""``/teach <answer>``: an admin corrects a wrong answer from the chat itself, by replying to
it. The question is the one that answer was given to (the chat's latest stored turn with that
reply); the change goes to the taught log exactly as ``chatcore teach`` and the web console
write it, so running bots answer it within seconds and the next training learns it."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from chatcore.builtin.qa.teach.guard import engine_refusal
from chatcore.contracts import CommandContext
from chatcore.store import ConversationStore, Turn

log = logging.getLogger(__name__)
SERVICE = "taught_log"  # engine.services key: the log /teach writes to
LOOKBACK = 100  # the turns of a chat searched for the replied-to answer
SENT_WITHIN = 120.0  # an answer is sent this soon after its question arrives, at the latest


def offer_teaching(engine: Any, taught_log: Any) -> None:
    """Let /teach write to ``taught_log`` (the qa responder offers its own when attached)."""
    engine.services[SERVICE] = taught_log


async def teach_command(ctx: CommandContext) -> str:
    """Teach the question of the replied-to answer with the answer given."""
    taught_log = ctx.engine.services.get(SERVICE)
    if taught_log is None:
        return ctx.text("teach.unavailable")
    answer = ctx.args.strip()
    replied = str(ctx.message.meta.get("reply_to_text") or "")
    sent_at = ctx.message.meta.get("reply_to_at")
    question = await question_answered(ctx.store, ctx.message.chat_key, replied, sent_at)
    if not answer or question is None:
        return ctx.text("teach.usage")
    refused = await engine_refusal(ctx.engine, answer, ctx.message.channel)
    if refused:
        return ctx.text("teach.refused", reason=refused.removeprefix("refused: "))
    from chatcore.builtin.qa.teach.log import Change, new_item_target

    who = f"{ctx.message.channel}:{ctx.message.user_id}"
    change = Change("add", new_item_target(), question, answer, who=who)
    seq = await asyncio.to_thread(taught_log.append, change)
    log.info("/teach: %s taught %s (change %d)", who, change.target, seq)
    return ctx.text("teach.done", question=question, target=change.target, change=seq)


async def question_answered(
    store: ConversationStore, chat_key: str, reply: str, sent_at: float | None = None
) -> str | None:
    """What the user asked when the bot said ``reply`` (not a message moderation blocked,
    nor an operator's answer, which have no question). The same text may answer several
    questions (every fallback reads alike): then the turn just before ``sent_at``, when the
    bot sent it, decides, and without it only a text that answered one question does."""
    wanted = _squeezed(reply)
    if not wanted:
        return None
    turns = await store.recent_turns(chat_key, LOOKBACK)
    matches = [t for t in turns if _squeezed(t.reply_text) == wanted and _asked(t)]
    if sent_at is not None:
        before = [t for t in matches if sent_at - SENT_WITHIN <= t.created_at <= sent_at + 1]
        return before[-1].user_text.strip() if before else None
    questions = {t.user_text.strip() for t in matches}
    return questions.pop() if len(questions) == 1 else None


def _asked(turn: Turn) -> bool:
    blocked = any(v.get("stage") == "input" and v.get("action") == "block" for v in turn.verdicts)
    return bool(turn.user_text.strip()) and not blocked


def _squeezed(text: str) -> str:
    """Whitespace-insensitive, as chat apps trim and re-wrap what they show."""
    return " ".join(text.split())
