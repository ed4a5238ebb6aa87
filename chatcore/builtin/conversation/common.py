"""What the stores share: limits settings and text hygiene, so anything a frontend passes in
can be stored and read back.

Lone surrogates (from broken UTF-16 or ``surrogateescape``-decoded bytes) cannot be encoded as
UTF-8, so SQLite and Redis would refuse them; they become U+FFFD. NUL bytes, emoji and RTL text
are kept as they are. Texts longer than the cap are cut and the turn is flagged ``truncated``.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pydantic import Field

from chatcore.settings import Settings
from chatcore.store import Turn


class StoreLimits(Settings):
    """What every persistent store keeps, and for how long."""

    max_turns_per_chat: int = Field(1000, ge=1, description="older turns of a chat are dropped")
    retention_days: float | None = Field(
        90, gt=0, description="turns older than this are pruned; null keeps them forever"
    )
    max_text_chars: int = Field(
        16000, ge=1, description="longer texts are stored cut to this and flagged truncated"
    )

    @property
    def retention_seconds(self) -> float | None:
        return None if self.retention_days is None else self.retention_days * 86400


_SURROGATE = re.compile("[\ud800-\udfff]")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"": 86400, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def clean_text(text: str, cap: int) -> tuple[str, bool]:
    """``text`` made UTF-8-safe and cut to ``cap`` characters; True when it was cut."""
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    if len(text) > cap:
        return text[:cap], True
    return text, False


def prepare_turn(turn: Turn, cap: int) -> Turn:
    """The turn as a store keeps it: both texts cleaned and capped, ``truncated`` set if cut."""
    user_text, cut_user = clean_text(turn.user_text, cap)
    reply_text, cut_reply = clean_text(turn.reply_text, cap)
    user_id, _ = clean_text(turn.user_id, cap)
    return replace(
        turn,
        user_id=user_id,
        user_text=user_text,
        reply_text=reply_text,
        truncated=turn.truncated or cut_user or cut_reply,
    )


def parse_duration(text: str) -> float:
    """``'30d'``, ``'12h'``, ``'90m'``, ``'45s'``, ``'2w'`` (a bare number means days) ->
    seconds. Raises ValueError with the accepted forms."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"invalid duration {text!r}: use a number with s, m, h, d or w (e.g. 30d)")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
