"""What the operator console shows, read from the conversation store and the model directory.

Every list is built by reading the store's chats (``chat_keys`` and ``all_turns``, the same
calls as ``chatcore history``): right for the thousands of chats one bot has, not for an
archive of millions, which wants a store with its own search.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatcore.builtin.web.grouping import group_questions
from chatcore.errors import StoreError
from chatcore.store import ConversationStore, Turn

MODERATED = ("block", "mask", "flag")


@dataclass(frozen=True)
class Search:
    """A conversation search: text in either side, a user id part, a date range (UTC days)."""

    text: str = ""
    user: str = ""
    since: float | None = None
    until: float | None = None
    limit: int = 200

    def matches(self, turn: Turn) -> bool:
        if self.user and self.user.casefold() not in turn.user_id.casefold():
            return False
        if self.since is not None and turn.created_at < self.since:
            return False
        if self.until is not None and turn.created_at >= self.until:
            return False
        needle = self.text.casefold()
        return (
            not needle
            or needle in turn.user_text.casefold()
            or (needle in turn.reply_text.casefold())
        )


def day_start(text: str, *, end: bool = False) -> float | None:
    """``YYYY-MM-DD`` -> the Unix time its UTC day starts (``end``: the next day starts);
    ValueError for anything else."""
    if not text:
        return None
    day = dt.date.fromisoformat(text)
    if end:
        day += dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


async def _chats(store: ConversationStore) -> AsyncIterator[tuple[str, list[Turn]]]:
    for chat_key in await store.chat_keys():
        turns = await store.all_turns(chat_key)
        if turns:
            yield chat_key, turns


async def conversations(store: ConversationStore, search: Search) -> list[dict[str, Any]]:
    """Chats with a turn matching ``search``, most recently active first."""
    found = []
    async for chat_key, turns in _chats(store):
        hits = [t for t in turns if search.matches(t)]
        if not hits:
            continue
        last = turns[-1]
        found.append(
            {
                "chat_key": chat_key,
                "channel": chat_key.split(":", 1)[0],
                "user_id": last.user_id,
                "turns": len(turns),
                "matches": len(hits),
                "first_at": turns[0].created_at,
                "last_at": last.created_at,
                "last_user": last.user_text,
                "last_bot": last.reply_text,
            }
        )
    found.sort(key=lambda item: -item["last_at"])
    return found[: search.limit]


async def transcript(store: ConversationStore, chat_key: str) -> list[dict[str, Any]]:
    """Every stored turn of one chat, oldest first, with the user's 👍/👎 when given."""
    turns = await store.all_turns(chat_key)
    try:
        verdicts = await store.feedback(chat_key)
    except StoreError:  # a store that keeps no feedback
        verdicts = {}
    return [{**_turn_row(turn), "feedback": verdicts.get(turn.id or -1)} for turn in turns]


def _turn_row(turn: Turn) -> dict[str, Any]:
    return {
        "turn": turn.id,
        "conversation": turn.conversation,
        "user_id": turn.user_id,
        "user": turn.user_text,
        "bot": turn.reply_text,
        "at": turn.created_at,
        "confidence": round(turn.confidence, 4),
        "fallback": turn.fallback,
        "source": turn.source,
        "language": turn.language,
        "verdicts": [
            {k: v.get(k) for k in ("action", "stage", "category", "filter", "snippet")}
            for v in turn.verdicts
        ],
    }


async def unanswered(store: ConversationStore, limit: int) -> list[dict[str, Any]]:
    """The unanswered questions grouped by similarity, most asked first."""
    questions: list[str] = []
    seen: dict[str, tuple[float, set[str]]] = {}
    async for chat_key, turns in _chats(store):
        for turn in (t for t in turns if t.unanswered):
            text = " ".join(turn.user_text.split())
            questions.append(text)
            last, chats = seen.setdefault(text, (0.0, set()))
            seen[text] = (max(last, turn.created_at), chats | {chat_key})
    rows = []
    for group in group_questions(questions)[:limit]:
        texts = sorted(group.questions, key=lambda q: -group.questions[q])
        rows.append(
            {
                "count": group.count,
                "example": group.example,
                "questions": texts,
                "last_at": max(seen[q][0] for q in texts),
                "chat_keys": sorted(set().union(*(seen[q][1] for q in texts))),
            }
        )
    return rows


async def moderation_log(store: ConversationStore, limit: int) -> list[dict[str, Any]]:
    """Every filter decision that was not "allow", newest first. The text is what the store
    kept: a blocked message's redacted evidence, a masked message's masked text."""
    items = []
    async for chat_key, turns in _chats(store):
        for turn in turns:
            for verdict in turn.verdicts:
                if verdict.get("action") not in MODERATED:
                    continue
                stage = verdict.get("stage") or "input"
                text = turn.reply_text if stage == "output" else turn.user_text
                items.append(
                    {
                        "at": turn.created_at,
                        "chat_key": chat_key,
                        "user_id": turn.user_id,
                        "stage": stage,
                        "action": verdict.get("action"),
                        "filter": verdict.get("filter"),
                        "category": verdict.get("category"),
                        "text": text,
                    }
                )
    items.sort(key=lambda item: -item["at"])
    return items[:limit]


def model_card(model_dir: Path | None) -> dict[str, Any]:
    """What the QA model is: its metadata, training curve, answers per language and the last
    ``chatcore eval`` report beside it, if any."""
    if model_dir is None:
        return {"available": False, "reason": "no qa responder is configured"}
    metadata = _json(model_dir / "metadata.json")
    if not isinstance(metadata, dict):
        return {"available": False, "reason": f"no trained model in {model_dir}"}
    answers = _json(model_dir / "answers.json")
    return {
        "available": True,
        "name": model_dir.name,
        "path": str(model_dir),
        "version": _version(model_dir),
        "created": metadata.get("created"),
        "classes": metadata.get("classes"),
        "metrics": metadata.get("metrics") or {},
        "history": _json(model_dir / "history.json") or {},
        "data": _answer_stats(answers),
        "evaluation": _json(model_dir / "evaluation.json"),
    }


def _version(model_dir: Path) -> str | None:
    from chatcore.builtin.qa.model.modeldir import version

    try:
        return version(model_dir)
    except (OSError, ValueError):
        return None


def _answer_stats(classes: object) -> dict[str, Any]:
    """Answer classes, their training questions and answers, questions per language."""
    from chatcore.language import is_cjk

    classes = [c for c in classes if isinstance(c, dict)] if isinstance(classes, list) else []
    questions = [q for c in classes for q in c.get("questions") or [] if isinstance(q, str)]
    by_language = {"en": 0, "zh": 0}
    for text in questions:
        by_language["zh" if any(is_cjk(c) for c in text) else "en"] += 1
    return {
        "classes": sum(1 for c in classes if c.get("answers")),
        "questions": len(questions),
        "answers": sum(len(c.get("answers") or []) for c in classes),
        "by_language": by_language,
    }


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def as_csv(rows: Iterable[dict[str, Any]]) -> str:
    """Rows as CSV with a header; nested values as JSON. Cells that a spreadsheet would run as
    a formula (=, +, -, @ first) get a leading apostrophe."""
    rows = list(rows)
    out = io.StringIO()
    columns = list(rows[0]) if rows else []
    writer = csv.DictWriter(out, columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def as_jsonl(rows: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
