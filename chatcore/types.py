"""The values that flow through the pipeline: Message in, Verdicts along the way, Reply out."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    """What a filter decided about a text."""

    ALLOW = "allow"
    FLAG = "flag"  # allowed, but recorded
    MASK = "mask"  # allowed with the offending spans replaced
    BLOCK = "block"  # never reaches the responder / the user


@dataclass(frozen=True, slots=True)
class Message:
    """One incoming text, as a frontend saw it."""

    channel: str
    chat_id: str
    user_id: str
    text: str
    language: str | None = None
    is_admin: bool = False
    message_id: str | None = None
    received_at: float = field(default_factory=time.time)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def chat_key(self) -> str:
        """The key a conversation is stored under: unique across frontends."""
        return f"{self.channel}:{self.chat_id}"


@dataclass(frozen=True, slots=True)
class Verdict:
    """A filter's decision about one text; `masked` is the text to use when action is MASK."""

    action: Action = Action.ALLOW
    category: str | None = None
    filter: str = ""
    masked: str | None = None
    snippet: str = ""  # redacted evidence, never the full offending text
    categories: tuple[str, ...] = ()  # every category found; `category` is the deciding one
    stage: str = ""  # "input" (the user's text) or "output" (the reply); set by the engine

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["action"] = self.action.value
        return data


@dataclass(frozen=True, slots=True)
class Reply:
    """What the engine answers; `kind` tells frontends how to render it."""

    text: str
    confidence: float = 1.0
    fallback: bool = False
    source: str = ""
    verdicts: tuple[Verdict, ...] = ()
    latency_ms: float = 0.0
    kind: str = "answer"  # answer | command | refusal | limited | error
    language: str | None = None
    read_as: str = ""  # a follow-up read with the conversation: the question it was read as
    # known questions the user may have meant (after a fallback): frontends offer them as
    # buttons or numbers, and choosing one sends its text as the user's next message
    choices: tuple[str, ...] = ()
    # the exchange is not stored as a turn of this chat (an operator's answer typed in the
    # operators' chat: it is stored in the user's chat instead, where their /forget reaches)
    unstored: bool = False

    @property
    def silent(self) -> bool:
        """Nothing is to be shown (a muted user's message): every frontend shows nothing,
        not even an empty line or bubble."""
        return self.kind == "muted" or not self.text.strip()

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape `chatcore ask -` prints, one object per line."""
        return {
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "fallback": self.fallback,
            "source": self.source,
            "verdicts": [v.to_dict() for v in self.verdicts],
            "latency_ms": round(self.latency_ms, 3),
            "kind": self.kind,
            "silent": self.silent,
            "context_used": bool(self.read_as),
            "read_as": self.read_as or None,
            "choices": list(self.choices),
        }
