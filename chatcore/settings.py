"""``Settings``, the base of every config section, and the core's own sections. Component
sections are declared by their plugins, as ``Settings`` subclasses."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


def secret_from_env(name: str) -> Callable[[], SecretStr | None]:
    """A ``default_factory`` for a secret setting that defaults to an environment variable
    (unset or empty: None), so the secret never has to appear in a config file."""

    def read() -> SecretStr | None:
        value = os.environ.get(name, "")
        return SecretStr(value) if value else None

    return read


class Settings(BaseModel):
    """Base class for component settings: unknown keys are errors, values are validated."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


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


class FilterErrorPolicy(Settings):
    input: Literal["closed", "open"] = "closed"
    output: Literal["closed", "open"] = "closed"


class FiltersSettings(Settings):
    input: list[str] = Field(
        default_factory=lambda: ["meaning", "pii"],
        description="filters run on user messages (meaning: the lexicon and a classifier of what "
        "a message says, deciding together)",
    )
    output: list[str] = Field(
        default_factory=lambda: ["lexicon", "pii"],
        description="filters run on replies (the owner's answers: the lexicon is enough)",
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
    messages: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="texts said to users, by language and message id, in place of the "
        "built-in ones (see chatcore.messages and each plugin's MESSAGES)",
    )
