"""Scoring moderation on a labelled split (``data/moderation-dev``, ``data/moderation-test``).

A split is JSON lines ``{"text", "label": offensive|pii|clean, "category", "evasion"}``, one
file per language (``en.jsonl``, ``zh.jsonl``). A moderation is scored as a function of a text
to the categories it found (empty: allowed; PII as ``pii-<kind>``, as the pii filter names
them): offensive lines must be caught (any category but PII counts), PII lines must be
found as PII, clean lines must be left alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

PII_KINDS = frozenset({"email", "phone", "card", "iban", "cn_id"})
PII_PREFIX = "pii-"  # the pii filter's categories: pii-email, pii-phone, ...
LABELS = ("offensive", "pii", "clean")
Decide = Callable[[str], Iterable[str]]  # a text -> the categories found ("" none)


@dataclass(frozen=True)
class Line:
    language: str
    text: str
    label: str
    category: str
    evasion: str


def load_split(folder: Path) -> list[Line]:
    """Every line of a split folder's ``*.jsonl`` files (the file name is the language);
    a line that does not parse is an error naming the file and line."""
    lines: list[Line] = []
    for path in sorted(Path(folder).glob("*.jsonl")):
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
                line = Line(path.stem, row["text"], row["label"], row["category"], row["evasion"])
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not a labelled line ({exc})") from None
            if line.label not in LABELS:
                raise ValueError(f"{path}:{number}: label {line.label!r} is not one of {LABELS}")
            lines.append(line)
    if not lines:
        raise ValueError(f"{folder}: no *.jsonl lines")
    return lines


@dataclass(frozen=True)
class Score:
    """Rates over a split (``None`` where there was nothing to count)."""

    recall: float | None  # offensive + PII lines caught
    recall_offensive: float | None
    false_positives: float | None  # clean lines with anything found
    pii_precision: float | None  # lines where PII was found that are PII lines
    pii_recall: float | None
    lines: int


def score(lines: list[Line], decide: Decide) -> Score:
    found = [set(decide(line.text)) for line in lines]
    pii = [any(c.startswith(PII_PREFIX) for c in f) for f in found]
    offensive = [any(not c.startswith(PII_PREFIX) for c in f) for f in found]
    caught = [
        (offensive[i] or pii[i]) if line.label == "offensive" else pii[i]
        for i, line in enumerate(lines)
    ]
    return Score(
        recall=_rate([caught[i] for i, x in enumerate(lines) if x.label != "clean"]),
        recall_offensive=_rate([caught[i] for i, x in enumerate(lines) if x.label == "offensive"]),
        false_positives=_rate([bool(found[i]) for i, x in enumerate(lines) if x.label == "clean"]),
        pii_precision=_rate([x.label == "pii" for i, x in enumerate(lines) if pii[i]]),
        pii_recall=_rate([pii[i] for i, x in enumerate(lines) if x.label == "pii"]),
        lines=len(lines),
    )


def by_language(lines: list[Line], decide: Decide) -> dict[str, Score]:
    """The score of all lines, then of each language's ("all", "en", "zh")."""
    scores = {"all": score(lines, decide)}
    for language in sorted({line.language for line in lines}):
        scores[language] = score([x for x in lines if x.language == language], decide)
    return scores


def _rate(hits: list[bool]) -> float | None:
    return sum(hits) / len(hits) if hits else None
