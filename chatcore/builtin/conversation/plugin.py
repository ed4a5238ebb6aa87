"""Built-in plugin: the conversation stores, /history /forget /lang and ``chatcore history``.
The ``redis`` store needs the ``chatcore[redis]`` extra; ``sqlite`` and ``memory`` nothing more."""

from __future__ import annotations

from typing import Any

from chatcore.extras import require
from chatcore.hookspecs import hookimpl

MESSAGES = {
    "feedback.good": {"en": "Thanks! Glad that helped.", "zh": "谢谢！很高兴能帮上忙。"},
    "feedback.bad": {
        "en": "Thanks for telling me. I've noted that this answer was not good.",
        "zh": "谢谢告诉我。我已记下这个回答不好。",
    },
    "feedback.nothing": {
        "en": "There is no answer of mine to rate yet.",
        "zh": "我还没有可以评价的回答。",
    },
    "history.usage": {
        "en": "Usage: /history [n], n a positive number",
        "zh": "用法：/history [n]（正整数）",
    },
    "history.empty": {"en": "Nothing in this conversation yet.", "zh": "这段对话还没有记录。"},
    "history.header": {"en": "Last {count} turn(s):", "zh": "最近 {count} 轮对话："},
    "history.you": {"en": "you", "zh": "你"},
    "history.bot": {"en": "bot", "zh": "我"},
    "forget.done": {
        "en": "Done: I deleted everything I stored about you in this chat ({count} message(s), "
        "and any moderation strikes).",
        "zh": "好了：我已删除在这个对话中保存的关于你的全部内容（{count} 条消息及违规记录）。",
    },
    "lang.auto": {
        "en": "Okay, I'll answer in the language you use.",
        "zh": "好的，我会随你切换语言。",
    },
    "lang.usage": {
        "en": "Usage: /lang {choices}|auto (now: {current})",
        "zh": "用法：/lang {choices}|auto（当前：{current}）",
    },
    "lang.pinned": {  # said in the language just pinned
        "en": "Okay, I'll answer in English.",
        "zh": "好的，我会用中文回复。",
    },
}
"""The texts of /history, /forget and /lang (see chatcore.messages)."""


@hookimpl
def chatcore_register_stores(register) -> None:
    from chatcore.builtin.conversation.memory import MemorySettings, build_memory_store
    from chatcore.builtin.conversation.redis_store import RedisSettings
    from chatcore.builtin.conversation.sqlite import SqliteSettings, build_sqlite_store

    register(
        "memory",
        build_memory_store,
        settings=MemorySettings,
        description="in-process store for tests and throwaway sessions",
    )
    register(
        "sqlite",
        build_sqlite_store,
        settings=SqliteSettings,
        description="one SQLite file (WAL) in the data dir; the default",
    )
    register(
        "redis",
        _redis_store,
        settings=RedisSettings,
        description="Redis, for several bot workers sharing conversations",
    )


def _redis_store(settings: Any, runtime: Any) -> Any:
    from chatcore.builtin.conversation.redis_store import build_redis_store

    require("redis", "the redis store")
    return build_redis_store(settings, runtime)


@hookimpl
def chatcore_register_commands(register) -> None:
    from chatcore.builtin.conversation import commands

    register(
        "history",
        commands.history_command,
        description="show the last turns of this conversation",
        usage="[n]",
    )
    register(
        "forget",
        commands.forget_command,
        description="delete everything stored about you in this chat",
    )
    register("good", commands.good_command, description="tell me my last answer was good")
    register("bad", commands.bad_command, description="tell me my last answer was wrong")
    register(
        "lang",
        commands.lang_command,
        description="pin my reply language in this chat",
        usage="en|zh|auto",
    )


@hookimpl
def chatcore_register_messages(register) -> None:
    register(MESSAGES)


@hookimpl
def chatcore_register_cli(cli) -> None:
    import click

    from chatcore.cli import ChatcoreGroup, config_option

    @cli.group("history", cls=ChatcoreGroup, invoke_without_command=True)
    @click.option("--chat", "chat", default=None, help="Chat key (telegram:42) or chat id.")
    @click.option("--json", "as_json", is_flag=True, help="Print the turns as a JSON array.")
    @click.option("--limit", "-n", type=int, default=None, help="Only the last N turns.")
    @config_option
    @click.pass_context
    def history(ctx, chat, as_json, limit, config_path) -> None:
        """List the stored chats; with --chat, show one chat's turns; or export / prune them."""
        ctx.obj = {"config_path": config_path}  # `history -c X export` works too
        if ctx.invoked_subcommand is not None:
            return
        if not chat:
            from chatcore.builtin.conversation.cli import list_chats

            list_chats(config_path, as_json)
            return
        from chatcore.builtin.conversation.cli import show_history

        show_history(config_path, chat, as_json, limit)

    def group_config(config_path):
        parent = click.get_current_context().obj or {}
        return config_path or parent.get("config_path")

    @history.command("export")
    @click.option("--out", required=True, type=click.Path(dir_okay=False), help="FILE.jsonl")
    @config_option
    def export(out, config_path) -> None:
        """Write every stored turn of every chat as JSON lines."""
        from pathlib import Path

        from chatcore.builtin.conversation.cli import export_history

        export_history(group_config(config_path), Path(out))

    @history.command("prune")
    @click.option("--older-than", required=True, help="Age such as 30d, 12h, 2w.")
    @config_option
    def prune(older_than, config_path) -> None:
        """Delete turns older than an age, now (retention also does this automatically)."""
        from chatcore.builtin.conversation.cli import prune_history

        prune_history(group_config(config_path), older_than)
