"""An in-process store for tests and throwaway sessions; nothing survives the process."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from chatcore.settings import Settings
from chatcore.store import ConversationStore, Turn


class MemorySettings(Settings):
    pass


class MemoryStore(ConversationStore):
    def __init__(self) -> None:
        self._turns: dict[str, list[Turn]] = defaultdict(list)
        self._conversation: dict[str, int] = defaultdict(int)
        self._ids: dict[str, int] = defaultdict(int)
        self._settings: dict[tuple[str, str], str] = {}
        self._strikes: dict[tuple[str, str], list[float]] = defaultdict(list)
        self._mutes: dict[tuple[str, str], float] = {}
        self._message_ids: set[tuple[str, str]] = set()  # (chat_key, message_id) stored
        self._feedback: dict[tuple[str, int], int] = {}  # (chat_key, turn id) -> verdict

    async def append_turn(self, turn: Turn) -> None:
        if turn.message_id is not None:
            seen = (turn.chat_key, turn.message_id)
            if seen in self._message_ids:
                return  # the same message processed twice: one turn
            self._message_ids.add(seen)
        self._ids[turn.chat_key] += 1
        conversation = self._conversation[turn.chat_key]
        stored = replace(turn, conversation=conversation, id=self._ids[turn.chat_key])
        self._turns[turn.chat_key].append(stored)

    async def recent_turns(self, chat_key: str, limit: int) -> list[Turn]:
        if limit <= 0:
            return []
        current = self._conversation[chat_key]
        turns = [t for t in self._turns.get(chat_key, []) if t.conversation == current]
        return turns[-limit:]

    async def all_turns(self, chat_key: str) -> list[Turn]:
        return list(self._turns.get(chat_key, []))

    async def chat_keys(self) -> list[str]:
        return sorted(key for key, turns in self._turns.items() if turns)

    async def set_feedback(self, chat_key: str, turn_id: int, user_id: str, value: int) -> bool:
        if not any(t.id == turn_id for t in self._turns.get(chat_key, [])):
            return False
        self._feedback[(chat_key, turn_id)] = value
        return True

    async def feedback(self, chat_key: str) -> dict[int, int]:
        present = {t.id for t in self._turns.get(chat_key, [])}  # forgotten turns lose theirs
        return {
            turn: value
            for (key, turn), value in self._feedback.items()
            if key == chat_key and turn in present and value
        }

    async def prune(self, before: float) -> int:
        removed = 0
        for key, turns in self._turns.items():
            kept = [t for t in turns if t.created_at >= before]
            removed += len(turns) - len(kept)
            self._turns[key] = kept
            self._drop_feedback(key)
        return removed

    async def reset(self, chat_key: str) -> None:
        self._conversation[chat_key] += 1

    async def forget_user(self, chat_key: str, user_id: str) -> int:
        turns = self._turns.get(chat_key, [])
        kept = [t for t in turns if t.user_id != user_id]
        self._turns[chat_key] = kept
        self._strikes.pop((chat_key, user_id), None)
        self._mutes.pop((chat_key, user_id), None)
        self._drop_feedback(chat_key)
        return len(turns) - len(kept)

    def _drop_feedback(self, chat_key: str) -> None:
        """Verdicts go with their turns."""
        present = {t.id for t in self._turns.get(chat_key, [])}
        for key in [k for k in self._feedback if k[0] == chat_key and k[1] not in present]:
            del self._feedback[key]

    async def get_setting(self, chat_key: str, key: str) -> str | None:
        return self._settings.get((chat_key, key))

    async def set_setting(self, chat_key: str, key: str, value: str | None) -> None:
        if value is None:
            self._settings.pop((chat_key, key), None)
        else:
            self._settings[(chat_key, key)] = value

    async def add_strike(self, chat_key: str, user_id: str, at: float) -> None:
        self._strikes[(chat_key, user_id)].append(at)

    async def count_strikes(self, chat_key: str, user_id: str, since: float) -> int:
        return sum(1 for t in self._strikes.get((chat_key, user_id), []) if t >= since)

    async def set_muted_until(self, chat_key: str, user_id: str, until: float) -> None:
        self._mutes[(chat_key, user_id)] = until

    async def muted_until(self, chat_key: str, user_id: str) -> float:
        return self._mutes.get((chat_key, user_id), 0.0)


def build_memory_store(settings: MemorySettings, runtime: object) -> MemoryStore:
    return MemoryStore()
