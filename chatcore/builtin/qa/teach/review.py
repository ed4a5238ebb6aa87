"""``chatcore review``: the questions the bot could not answer and the answers users disliked,
grouped by meaning (the model's own sentence encoder), most frequent first, so an operator
knows what to teach next.

Grouping is greedy by frequency: each distinct text joins the group whose example (its most
frequent wording) is nearest, if that is at least ``same`` (cosine), else starts one. Texts are
compared a block at a time against all examples with one matrix product, then within the
block, so 100,000 turns stay seconds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chatcore.store import ConversationStore, Turn

BLOCK = 256


@dataclass
class Group:
    kind: str  # "unanswered" | "disliked"
    example: str
    count: int = 0
    texts: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)  # for disliked: what the bot said
    chats: set[str] = field(default_factory=set)
    last_at: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "count": self.count,
            "example": self.example,
            "wordings": [text for text, _ in self.texts.most_common()],
            "answers": [text for text, _ in self.answers.most_common()],
            "chats": len(self.chats),
            "last_at": self.last_at,
        }


async def collect(store: ConversationStore) -> dict[str, list[tuple[Turn, str]]]:
    """Per kind, the turns to review with their chat key."""
    found: dict[str, list[tuple[Turn, str]]] = {"unanswered": [], "disliked": []}
    for turn, verdict in await store.review_turns():
        if turn.unanswered:
            found["unanswered"].append((turn, turn.chat_key))
        elif verdict == -1:
            found["disliked"].append((turn, turn.chat_key))
    return found


def collect_all(store: ConversationStore) -> dict[str, list[tuple[Turn, str]]]:
    """``collect`` on a store not yet open: opened, read, closed (for commands)."""
    import asyncio

    async def read() -> dict[str, list[tuple[Turn, str]]]:
        await store.open()
        try:
            return await collect(store)
        finally:
            await store.close()

    return asyncio.run(read())


def group(
    kind: str,
    items: list[tuple[Turn, str]],
    encode: Callable[[list[str]], np.ndarray],
    same: float,
) -> list[Group]:
    counts = Counter(" ".join(turn.user_text.split()) for turn, _ in items)
    texts = [text for text, _ in counts.most_common() if text]
    home = _assign(encode(texts), same) if texts else []
    groups: dict[int, Group] = {}
    where = dict(zip(texts, home, strict=True))
    for text in texts:
        groups.setdefault(where[text], Group(kind, text))
    for turn, chat_key in items:
        text = " ".join(turn.user_text.split())
        if not text:
            continue
        found = groups[where[text]]
        found.count += 1
        found.texts[text] += 1
        found.chats.add(chat_key)
        found.last_at = max(found.last_at, turn.created_at)
        if kind == "disliked":
            found.answers[turn.reply_text] += 1
    return sorted(groups.values(), key=lambda g: (-g.count, g.example))


def _assign(vectors: np.ndarray, same: float) -> list[int]:
    """Each row's group: the nearest earlier example at least ``same`` close, else its own."""
    examples: list[int] = []  # rows that lead a group
    home = [0] * len(vectors)
    for start in range(0, len(vectors), BLOCK):
        block = vectors[start : start + BLOCK]
        known = block @ vectors[examples].T if examples else np.zeros((len(block), 0))
        for offset, row in enumerate(range(start, start + len(block))):
            if known.shape[1] and known[offset].max() >= same:
                home[row] = examples[int(known[offset].argmax())]
                continue
            new = [e for e in examples if e >= start]  # leaders made in this block
            if new:
                near = vectors[new] @ vectors[row]
                if near.max() >= same:
                    home[row] = new[int(near.argmax())]
                    continue
            examples.append(row)
            home[row] = row
    return home
