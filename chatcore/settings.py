"""The core's own config sections. Component sections are declared by their plugins."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from chatcore.registry import Settings

DEFAULT_FALLBACK = {
    "en": "I don't know that yet. Could you say it another way?",
    "zh": "这个我还不知道。能换个说法吗？",
}
DEFAULT_ERROR_REPLY = {
    "en": "Sorry, something went wrong on my side. Please try again.",
    "zh": "抱歉，我这边出了点问题，请再试一次。",
}
DEFAULT_REFUSAL = {
    "en": "Sorry, I can't respond to that. Let's keep it friendly.",
    "zh": "抱歉，这个我不能回应。我们友好地聊天吧。",
}
DEFAULT_RATE_LIMITED = {
    "en": "You're sending messages too fast. Please wait a moment.",
    "zh": "你发消息太快了，请稍等一下。",
}
DEFAULT_MUTED = {
    "en": "You have been muted for a while after several blocked messages.",
    "zh": "由于多条消息被拦截，你已被暂时禁言。",
}


class PluginsSettings(Settings):
    disabled: list[str] = Field(default_factory=list, description="plugin names not to load")
    modules: list[str] = Field(
        default_factory=list,
        description="extra plugin modules to load by import path (local, unpackaged plugins)",
    )


class RateLimitSettings(Settings):
    messages: int = Field(20, ge=1, description="messages allowed per user in the window")
    per_seconds: float = Field(60.0, gt=0)


class StrikeSettings(Settings):
    max_strikes: int = Field(3, ge=1, description="blocked messages in the window before a mute")
    window_seconds: float = Field(600.0, gt=0)
    mute_seconds: float = Field(900.0, ge=0)


class EngineSettings(Settings):
    max_message_chars: int = Field(4000, ge=1, description="longer input is truncated")
    context_turns: int = Field(6, ge=0, description="recent turns passed to the responder")
    context_max_age_seconds: float = Field(
        900.0,
        ge=0,
        description="turns older than this are not passed as context: a follow-up an hour "
        "later is a new question (0: no age limit); /reset clears the context at once",
    )
    default_language: str = "en"
    admins: list[str] = Field(default_factory=list, description="user ids exempt from limits")
    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    strikes: StrikeSettings = Field(default_factory=StrikeSettings)
    fallback: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_FALLBACK))
    error_reply: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_ERROR_REPLY))
    refusal: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_REFUSAL))
    rate_limited: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_RATE_LIMITED))
    muted: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_MUTED))


class FilterErrorPolicy(Settings):
    input: Literal["closed", "open"] = "closed"
    output: Literal["closed", "open"] = "closed"


class FiltersSettings(Settings):
    input: list[str] = Field(
        default_factory=lambda: ["lexicon", "pii"], description="filters run on user messages"
    )
    output: list[str] = Field(
        default_factory=lambda: ["lexicon", "pii"], description="filters run on replies"
    )
    on_error: FilterErrorPolicy = Field(default_factory=FilterErrorPolicy)


class LoggingSettings(Settings):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"


class CoreSettings(Settings):
    """The top-level keys the core owns; every other top-level key is a component's section."""

    data_dir: Path | None = Field(None, description="default: $CHATCORE_HOME or the user data dir")
    plugins: PluginsSettings = Field(default_factory=PluginsSettings)
    engine: EngineSettings = Field(default_factory=EngineSettings)
    filters: FiltersSettings = Field(default_factory=FiltersSettings)
    responders: list[str] = Field(default_factory=lambda: ["qa"], description="tried in order")
    store: str = "sqlite"
    frontend: str = "repl"
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
