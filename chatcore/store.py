"""The store contract every conversation store implements; the built-in ones (memory, SQLite,
Redis) live in the conversation plugin (chatcore.builtin.conversation).

A chat is identified by its ``chat_key`` (``channel:chat_id``). A chat has one *current*
conversation; ``reset`` starts a new one and keeps the old turns as history. All methods are
coroutines so a store can do blocking I/O off the event loop.

To add a store (PostgreSQL, ...), subclass ``ConversationStore``, implement the abstract
methods, and register a factory with ``chatcore_register_stores``; implement ``all_turns``,
``chat_keys`` and ``prune`` too if ``chatcore history`` should work with it, and
``set_feedback`` and ``feedback`` for ``/good`` and ``/bad``. Run the contract
tests in ``tests/conversation/test_store_contract.py`` against it. ``conversation.common``
has the text hygiene (``prepare_turn``) and limits settings (``StoreLimits``) the built-in
stores share. An ended mute must stay readable through ``muted_until`` (the engine counts
strikes only since the last mute).

Several worker processes may share one store (Redis). Two promises make that safe: a turn
carries its message's ``message_id`` and is stored once per chat however often the message is
processed (a killed worker's message re-run by another); and a store that is shared can keep
the per-user rate limit itself (``allow_message``), so the limit holds across workers. A store
that returns None there leaves the limit to each engine's in-process limiter.
"""

from __future__ import annotations

import abc
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from chatcore.errors import StoreError


@dataclass
class Turn:
    """One exchange: what the user said and what the bot answered, with the decisions made."""

    chat_key: str
    user_id: str
    user_text: str
    reply_text: str
    confidence: float = 1.0
    fallback: bool = False
    source: str = ""
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    language: str | None = None
    truncated: bool = False
    created_at: float = field(default_factory=time.time)
    conversation: int = 0  # assigned by the store: which conversation of the chat
    id: int | None = None  # assigned by the store: increases with each turn of a chat
    message_id: str | None = None  # the frontend's message id: a chat stores one turn per id

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def unanswered(self) -> bool:
        """A question the bot could not answer: its fallback, not a refusal by moderation
        (what the console's unanswered list and ``chatcore review`` show)."""
        return self.fallback and not any(v.get("action") == "block" for v in self.verdicts)


class ConversationStore(abc.ABC):
    """What the engine needs from a store. Implementations must make ``append_turn`` atomic:
    after it returns the turn is durable and complete; if it raises, nothing was written."""

    async def open(self) -> None:  # noqa: B027 - optional hook
        """Connect / create schema. Called once by the engine before the first message."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections. Called once when the engine stops."""

    @abc.abstractmethod
    async def append_turn(self, turn: Turn) -> None:
        """Record one turn in the chat's current conversation, in one transaction; a turn whose
        ``message_id`` was already stored in this chat is not stored again (a message processed
        twice); turns without one are always stored."""

    @abc.abstractmethod
    async def recent_turns(self, chat_key: str, limit: int) -> list[Turn]:
        """The last ``limit`` turns of the current conversation, oldest first."""

    @abc.abstractmethod
    async def reset(self, chat_key: str) -> None:
        """Start a new conversation for the chat; older turns stay as history."""

    @abc.abstractmethod
    async def forget_user(self, chat_key: str, user_id: str) -> int:
        """Delete everything stored about one user in one chat; returns turns deleted."""

    @abc.abstractmethod
    async def get_setting(self, chat_key: str, key: str) -> str | None:
        """A per-chat setting (e.g. ``lang``), or None."""

    @abc.abstractmethod
    async def set_setting(self, chat_key: str, key: str, value: str | None) -> None:
        """Set (or with None, clear) a per-chat setting."""

    @abc.abstractmethod
    async def add_strike(self, chat_key: str, user_id: str, at: float) -> None:
        """Record a moderation strike (a blocked message) for a user."""

    @abc.abstractmethod
    async def count_strikes(self, chat_key: str, user_id: str, since: float) -> int:
        """Strikes of a user in a chat since a time."""

    @abc.abstractmethod
    async def set_muted_until(self, chat_key: str, user_id: str, until: float) -> None:
        """Mute a user in a chat until a time (0 unmutes)."""

    @abc.abstractmethod
    async def muted_until(self, chat_key: str, user_id: str) -> float:
        """The end of a user's mute in a chat, or 0."""

    async def allow_message(self, key: str, limit: int, period: float, now: float) -> bool | None:
        """Count one message of ``key`` (``channel:user_id``) at ``now`` if fewer than ``limit``
        were counted in the ``period`` seconds before: True if counted, False if over the limit.
        The check and the count are one atomic step for every worker sharing the store. None
        (the default): this store does not share limits; the engine limits in process."""
        return None

    # --- operator tools (``chatcore history``); optional for third-party stores -------------

    async def all_turns(self, chat_key: str) -> list[Turn]:
        """Every stored turn of a chat, all conversations, oldest first."""
        raise _unsupported(self, "all_turns")

    async def chat_keys(self) -> list[str]:
        """Every chat that has stored turns, sorted."""
        raise _unsupported(self, "chat_keys")

    async def prune(self, before: float) -> int:
        """Delete turns created before ``before`` (a Unix time); returns turns deleted."""
        raise _unsupported(self, "prune")

    # --- feedback (👍/👎 on answers, ``/good`` ``/bad``); optional -----------------------------

    async def set_feedback(self, chat_key: str, turn_id: int, user_id: str, value: int) -> bool:
        """Record ``user_id``'s verdict on a turn of the chat: 1 (good), -1 (bad), 0 (none);
        the last one counts. False when the chat has no such turn (nothing is recorded)."""
        raise _unsupported(self, "set_feedback")

    async def feedback(self, chat_key: str) -> dict[int, int]:
        """Turn id -> verdict, for the chat's turns that have one."""
        raise _unsupported(self, "feedback")

    async def review_turns(self) -> list[tuple[Turn, int]]:
        """Every turn that fell back or carries a verdict, with its verdict (0: none), all
        chats (what ``chatcore review`` reads). This default reads chat by chat; a store that
        can select them at once should (SQLite does)."""
        found: list[tuple[Turn, int]] = []
        for chat_key in await self.chat_keys():
            try:
                verdicts = await self.feedback(chat_key)
            except StoreError:  # a store without feedback: fallbacks only
                verdicts = {}
            for turn in await self.all_turns(chat_key):
                verdict = verdicts.get(turn.id if turn.id is not None else -1, 0)
                if turn.fallback or verdict:
                    found.append((turn, verdict))
        return found


def _unsupported(store: ConversationStore, method: str) -> Exception:
    return StoreError(f"the {type(store).__name__} store does not support {method}()")
