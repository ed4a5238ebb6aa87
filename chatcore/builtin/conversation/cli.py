"""``chatcore history``: read, export and prune stored conversations, for operators.

Runs against the store the config selects, from a separate process while the bot runs (SQLite
WAL and Redis both allow that).

Stored texts are what chat users wrote and what the bot answered, so the text views show them
through ``printable`` (a Telegram user's escape sequence is shown, not obeyed by the
operator's terminal) and the JSON views and exports through ``json_text`` (exact, with control
characters escaped).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from chatcore.store import ConversationStore, Turn
from chatcore.terminal_text import json_text, printable

T = TypeVar("T")


def open_store_and_run(config_path: str | None, job: Callable[[Any], Awaitable[T]]) -> T:
    """Build the configured store, open it, run ``job(store)``, close it."""
    from chatcore.cli import load_runtime

    runtime = load_runtime(config_path)
    name = runtime.config.core.store
    store = runtime.build("store", name)
    if name == "memory":
        click.echo("note: the memory store keeps nothing between processes", err=True)

    async def run() -> T:
        await store.open()
        try:
            return await job(store)
        finally:
            await store.close()

    return asyncio.run(run())


async def find_chat(store: ConversationStore, chat: str) -> tuple[str, list[Turn]]:
    """The turns of ``chat``: a full key (``telegram:42``) or a chat id unique across channels."""
    turns = await store.all_turns(chat)
    if turns:
        return chat, turns
    matches = [k for k in await store.chat_keys() if k.split(":", 1)[-1] == chat]
    if len(matches) > 1:
        raise click.UsageError(f"chat id {chat!r} is ambiguous: {', '.join(matches)}")
    if matches:
        return matches[0], await store.all_turns(matches[0])
    return chat, []


async def chat_summaries(store: ConversationStore) -> list[dict[str, Any]]:
    """Each stored chat's key, turn count and last turn time, most recent first."""
    summaries = []
    for key in await store.chat_keys():
        turns = await store.all_turns(key)
        if turns:
            summaries.append({"chat": key, "turns": len(turns), "last": turns[-1].created_at})
    return sorted(summaries, key=lambda s: s["last"], reverse=True)


def list_chats(config_path: str | None, as_json: bool) -> None:
    """What ``chatcore history`` prints without --chat: the keys to pass to --chat."""
    summaries = open_store_and_run(config_path, chat_summaries)
    if as_json:
        click.echo(json_text(summaries, indent=2))
        return
    if not summaries:
        click.echo("no stored chats", err=True)
        return
    for row in summaries:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(row["last"]))
        click.echo(printable(f"{row['chat']}  {row['turns']} turn(s), last {when} UTC"))
    click.echo("show one with: chatcore history --chat KEY", err=True)


def show_history(config_path: str | None, chat: str, as_json: bool, limit: int | None) -> None:
    key, turns = open_store_and_run(config_path, lambda store: find_chat(store, chat))
    if limit is not None:
        turns = turns[-limit:] if limit > 0 else []
    if as_json:
        click.echo(json_text([t.to_dict() for t in turns], indent=2))
        return
    if not turns:
        click.echo(f"no stored turns for chat {chat!r}", err=True)
        return
    click.echo(printable(f"chat {key}: {len(turns)} turn(s)"))
    for turn in turns:
        click.echo(format_turn(turn))


def format_turn(turn: Turn) -> str:
    """One turn for reading: when, who said what, the reply and its marks, escapes visible."""
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(turn.created_at))
    marks = [f"confidence {turn.confidence:.2f}"]
    marks += [m for m, on in (("fallback", turn.fallback), ("truncated", turn.truncated)) if on]
    marks += [f"{v.get('filter')}:{v.get('action')}" for v in turn.verdicts]
    head = f"[{when} UTC] #{turn.id} conversation {turn.conversation}"
    reply = f"  bot: {_continued(turn.reply_text)}  ({', '.join(marks)})"
    return printable(f"{head}\n  {turn.user_id}: {_continued(turn.user_text)}\n{reply}")


def _continued(text: str) -> str:
    """Later lines of a text indented under the first, so a user's own line can never pass
    for the start of another turn (``[date UTC] #id ...``) or another speaker."""
    return text.replace("\n", "\n      ")


def export_history(config_path: str | None, out: Path) -> None:
    """Every turn of every chat, one JSON object per line; written to a temporary file and
    renamed, so a crash never leaves a half-written export."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")

    async def job(store: ConversationStore) -> int:
        count = 0
        with partial.open("w", encoding="utf-8") as handle:
            for key in await store.chat_keys():
                for turn in await store.all_turns(key):
                    handle.write(json_text(turn.to_dict()) + "\n")
                    count += 1
        return count

    try:
        count = open_store_and_run(config_path, job)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    click.echo(f"exported {count} turn(s) to {out}")


def prune_history(config_path: str | None, older_than: str) -> None:
    from chatcore.builtin.conversation.common import parse_duration

    try:
        seconds = parse_duration(older_than)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--older-than") from None
    before = time.time() - seconds
    removed = open_store_and_run(config_path, lambda store: store.prune(before))
    click.echo(f"pruned {removed} turn(s) older than {older_than}")
