"""The ``handoff:`` section: who the operators are, where they hear of a chat, and when."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from chatcore.settings import Settings

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OPERATOR = re.compile(r"[a-z][a-z0-9_-]*:\S+")
DAY_NAMES = {
    "en": dict(zip(DAYS, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], strict=True))
    | {"range": "{first}-{last}"},
    "zh": dict(zip(DAYS, ["周一", "周二", "周三", "周四", "周五", "周六", "周日"], strict=True))
    | {"range": "{first}至{last}"},
}

ASK_PHRASES = {
    "en": [
        "talk to a human",
        "speak to a human",
        "talk to a person",
        "speak to a person",
        "talk to a real person",
        "speak to a real person",
        "human agent",
        "live agent",
        "talk to someone",
        "speak to someone",
    ],
    "zh": ["转人工", "人工客服", "找人工", "真人客服", "找真人", "人工服务"],
}
"""Messages containing one of these (case and spacing ignored) ask for a person, like /human."""


class OpeningHours(Settings):
    timezone: str = Field("UTC", description="an IANA zone such as Europe/Berlin")
    days: list[Day] = Field(default_factory=lambda: list(DAYS[:5]))
    opens: dt.time = Field(dt.time(9, 0), description="HH:MM, local time")
    closes: dt.time = Field(dt.time(17, 0), description="HH:MM, local time (after opens)")

    @model_validator(mode="after")
    def _hours(self) -> OpeningHours:
        if self.closes <= self.opens:
            raise ValueError("closes must be later than opens")
        if not self.days:
            raise ValueError("days must name at least one day")
        return self

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{name!r} is not a known time zone (e.g. Europe/Berlin)") from None
        return name

    def is_open(self, now: float) -> bool:
        """Whether ``now`` (a Unix time) falls in the opening hours."""
        from zoneinfo import ZoneInfo

        local = dt.datetime.fromtimestamp(now, ZoneInfo(self.timezone))
        if DAYS[local.weekday()] not in self.days:
            return False
        return self.opens <= local.time().replace(tzinfo=None) < self.closes

    def describe(self, language: str = "en") -> str:
        """E.g. ``Mon-Fri 09:00-17:00 (Europe/Berlin)``, ``周一至周五 ...``: for the user's
        notice, day names in their language (English for languages without names here)."""
        names = DAY_NAMES.get(language, DAY_NAMES["en"])
        days = ", ".join(names[d] for d in self.days)
        if self.days == [d for d in DAYS if d in self.days] and len(self.days) > 2:
            first, last = self.days[0], self.days[-1]
            if DAYS.index(last) - DAYS.index(first) == len(self.days) - 1:
                days = names["range"].format(first=names[first], last=names[last])
        hours = f"{self.opens:%H:%M}-{self.closes:%H:%M}"
        return f"{days} {hours} ({self.timezone})"


class HandoffSettings(Settings):
    operators: list[str] = Field(
        default_factory=list,
        description="who may answer handed-over chats: channel:user_id (telegram:12345); "
        "the web console's login is an operator too",
    )
    telegram_chat: int | None = Field(
        None,
        description="the operators' Telegram chat (a group with the bot): told of every "
        "handed-over chat; a reply there goes to the user",
    )
    console: bool = Field(
        True, description="operators answer from the web console's inbox (chatcore serve web)"
    )
    after_fallbacks: int = Field(
        3, ge=0, description="hand over after this many fallbacks in a row (0: never)"
    )
    ask_phrases: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in ASK_PHRASES.items()},
        description="per language, messages that ask for a person (besides /human)",
    )
    wait_minutes: float = Field(
        10, gt=0, description="no operator answered this long: the bot takes the chat back"
    )
    idle_minutes: float = Field(
        30, gt=0, description="nothing said either way this long: the bot takes it back"
    )
    opening_hours: OpeningHours | None = Field(
        None, description="when operators are there (default: always)"
    )
    sweep_seconds: float = Field(15, gt=0, description="how often timeouts are checked")

    @field_validator("ask_phrases")
    @classmethod
    def _phrases(cls, phrases: dict[str, list[str]]) -> dict[str, list[str]]:
        for language, listed in phrases.items():
            if any(not phrase.strip() for phrase in listed):
                raise ValueError(f"{language}: an empty phrase would match every message")
        return phrases

    @field_validator("operators")
    @classmethod
    def _operators(cls, operators: list[str]) -> list[str]:
        for operator in operators:
            if not OPERATOR.fullmatch(operator):
                raise ValueError(f"{operator!r} is not channel:user_id like telegram:12345")
        return operators
