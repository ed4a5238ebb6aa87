"""Built-in plugin: the ``telegram`` frontend (python-telegram-bot) and the /start command.

Everything heavy is imported when the frontend is built, so loading the plugin is free; building
it needs the ``chatcore[telegram]`` extra.
"""

from __future__ import annotations

import re
from typing import Any

from chatcore.contracts import CommandContext
from chatcore.errors import ConfigError
from chatcore.extras import require
from chatcore.hookspecs import hookimpl

SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
TOKEN_PATTERN = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{1,200}")
MESSAGES = {
    "telegram.start": {
        "en": "Hello! I'm a chatbot. Ask me anything, or send /help to see what I can do.",
        "zh": "你好！我是聊天机器人。有什么问题都可以问我，发送 /help 查看我能做什么。",
    },
    "telegram.non_text": {
        "en": "Sorry, I only understand text.",
        "zh": "抱歉，我只能理解文字消息。",
    },
    "telegram.edited": {
        "en": "I only answer new messages, not edits. Please send it again.",
        "zh": "我只回复新消息，不处理修改过的消息。请重新发送。",
    },
    "telegram.not_allowed": {
        "en": "Sorry, this bot is private and you are not on its list of users.",
        "zh": "抱歉，这是一个私人机器人，你不在它的用户名单上。",
    },
    "telegram.rate_not_yours": {
        "en": "Only the person who asked can rate this answer.",
        "zh": "只有提问的人可以评价这个回答。",
    },
    "telegram.rate_gone": {
        "en": "This answer can no longer be rated.",
        "zh": "这个回答已无法评价。",
    },
}
"""The /start greeting, the notes for what the bot does not answer and for 👍/👎 presses that
are not stored (see chatcore.messages)."""


@hookimpl
def chatcore_register_frontends(register) -> None:
    from chatcore.builtin.telegram.settings import TelegramSettings

    register(
        "telegram",
        build_frontend,
        settings=TelegramSettings,
        description="Telegram bot (python-telegram-bot): polling or webhook",
        queued=_queued_channel,
    )


def _queued_channel(settings: Any, runtime: Any) -> Any:
    """The frontend's gateway and worker halves, for ``chatcore serve telegram --workers N``."""
    require("telegram", "the telegram frontend")
    from chatcore.builtin.telegram.queued import TelegramChannel

    return TelegramChannel(settings, checked_token(settings, runtime))


@hookimpl
def chatcore_register_commands(register) -> None:
    register("start", start_command, description="say hello and show how to talk to me")


@hookimpl
def chatcore_register_messages(register) -> None:
    register(MESSAGES)


async def start_command(ctx: CommandContext) -> str:
    """Telegram sends /start when a user opens the bot; greet in the language of their
    Telegram app (the text "/start" itself says nothing about it)."""
    language = ctx.message.meta.get("user_language") or ctx.language
    return ctx.engine.messages.text("telegram.start", language)


def build_frontend(settings: Any, runtime: Any) -> Any:
    """The frontend, with its inbox file named by the bot's public id."""
    require("telegram", "the telegram frontend")
    from chatcore.builtin.telegram.frontend import TelegramFrontend

    token = checked_token(settings, runtime)
    bot_id = token.split(":", 1)[0]  # the bot's public id: the inbox file is named by it
    path = settings.inbox_path or runtime.data_dir / "telegram" / f"inbox-{bot_id}.sqlite3"
    return TelegramFrontend(settings, token, path)


def checked_token(settings: Any, runtime: Any) -> str:
    """The bot token, which must come from the environment (directly or via ${VAR}) and look
    like one; errors name the config key, never the value."""
    from chatcore.builtin.telegram.settings import TOKEN_ENV

    config = runtime.config
    if settings.token is None:
        raise ConfigError(
            config.error(("telegram", "token"), f"no bot token: set the {TOKEN_ENV} variable")
        )
    if "token" in (config.raw.get("telegram") or {}) and (
        ("telegram", "token") not in config.secret_paths
    ):
        raise ConfigError(
            config.error(
                ("telegram", "token"),
                f"a literal token in a config file leaks; use token: ${{{TOKEN_ENV}}}",
            )
        )
    secret = settings.webhook.secret_token
    if secret is not None and not SECRET_PATTERN.fullmatch(secret.get_secret_value()):
        raise ConfigError(  # never echo the value
            config.error(
                ("telegram", "webhook", "secret_token"),
                "use 1-256 characters from A-Z, a-z, 0-9, '_' and '-' (Telegram's rule)",
            )
        )
    token = settings.token.get_secret_value()
    if not TOKEN_PATTERN.fullmatch(token):
        raise ConfigError(  # never echo the value, nor anything made from it
            config.error(
                ("telegram", "token"),
                f"not a bot token (digits, ':', then letters, digits, '_' or '-'): check "
                f"{TOKEN_ENV}",
            )
        )
    return token
