"""Follow-up exchanges scored as a chat would see them, with the same messages asked alone as
the baseline: the first message is answered by the model, and its answer (when it did not fall
back) is the context the second message is read with."""

from __future__ import annotations

from typing import Any

from chatcore.builtin.qa.eval.devset import FollowUp
from chatcore.language import detect_language

# Issue #16's targets on the blind split: (kind, reading, minimum share).
TARGETS = (("followup", "in_context", 0.75), ("unknown", "in_context", 0.85))


def score_followups(predictor: Any, exchanges: list[FollowUp]) -> dict[str, Any]:
    """Per split (and per language inside it): the share of follow-ups and topic switches
    answered right, of unknown follow-ups that fell back, each in context and alone, and how
    often the context changed the reading."""
    from chatcore.builtin.qa.serve.context import Previous

    firsts = predictor.predict_many([e.first for e in exchanges])
    previous = [
        None if first.fallback else Previous(e.first, first.index)
        for e, first in zip(exchanges, firsts, strict=True)
    ]
    items = [(e.message, p) for e, p in zip(exchanges, previous, strict=True)]
    in_context = predictor.predict_in_context(items)
    alone = predictor.predict_many([e.message for e in exchanges])
    results = list(zip(exchanges, in_context, alone, strict=True))
    out: dict[str, Any] = {}
    for split in sorted({e.split or "data" for e in exchanges}):
        rows = [r for r in results if (r[0].split or "data") == split]
        out[split] = _summary(rows)
        out[split]["per_language"] = {
            lang: _summary([r for r in rows if detect_language(r[0].message) == lang])
            for lang in sorted({detect_language(r[0].message) for r in rows})
        }
    return out


def score_standalone(predictor: Any, cases: list[Any]) -> dict[str, Any]:
    """Stand-alone questions (paraphrases) asked right after the one before them in their
    file, which is nearly always another topic: the share answered right in that context and
    alone, per split. Context must not drag them to the previous topic."""
    from chatcore.builtin.qa.serve.context import Previous

    inside = [c for c in cases if c.kind != "ood"]
    if len(inside) < 2:
        return {}
    firsts = predictor.predict_many([c.question for c in inside[:-1]])
    previous = [None] + [
        None if p.fallback else Previous(c.question, p.index)
        for c, p in zip(inside[:-1], firsts, strict=True)
    ]
    items = [(c.question, prev) for c, prev in zip(inside, previous, strict=True)]
    in_context = predictor.predict_in_context(items)
    alone = predictor.predict_many([c.question for c in inside])
    out: dict[str, Any] = {}
    for split in sorted({c.split or "data" for c in inside}):
        rows = [
            (c, a, b)
            for c, a, b in zip(inside, in_context, alone, strict=True)
            if (c.split or "data") == split
        ]
        right = [(_right(c, a), _right(c, b)) for c, a, b in rows]
        out[split] = {
            "count": len(rows),
            "in_context": round(sum(a for a, _ in right) / len(rows), 4),
            "alone": round(sum(b for _, b in right) / len(rows), 4),
        }
    return out


def _right(case: Any, prediction: Any) -> bool:
    return not prediction.fallback and bool(case.expected & set(prediction.answers))


def _summary(rows: list[tuple]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in ("followup", "unknown", "switch"):
        group = [r for r in rows if r[0].kind == kind]
        out[kind] = {
            "count": len(group),
            "in_context": _share(group, lambda e, p: _good(e, p), 1),
            "alone": _share(group, lambda e, p: _good(e, p), 2),
        }
    out["context_used"] = _share(rows, lambda e, p: bool(p.read_as), 1)
    return out


def _good(exchange: FollowUp, prediction: Any) -> bool:
    """Right answer for an answerable message; a fallback for an unknown one."""
    if not exchange.expected:
        return bool(prediction.fallback)
    return not prediction.fallback and bool(exchange.expected & set(prediction.answers))


def _share(rows: list[tuple], test, column: int) -> float | None:
    if not rows:
        return None
    return round(sum(test(r[0], r[column]) for r in rows) / len(rows), 4)


def format_standalone(report: dict[str, Any]) -> list[str]:
    if not report:
        return []
    lines = ["", "stand-alone questions asked after the previous one (answered right):"]
    for split, row in report.items():
        lines.append(
            f"  {split:<8}{row['count']:>5} questions: {_pct(row['in_context'])} in context, "
            f"{_pct(row['alone'])} alone"
        )
    return lines


def format_followups(report: dict[str, Any]) -> list[str]:
    """The follow-up table: per split, each kind in context and alone; then the targets."""
    if not report:
        return []
    lines = ["", "follow-ups (second message of a two-turn exchange; in context / asked alone):"]
    header = f"  {'split':<8}{'kind':<10}{'n':>5}{'in context':>13}{'alone':>9}"
    lines.append(header)
    for split, row in report.items():
        for kind, name in (("followup", "right"), ("unknown", "fell back"), ("switch", "right")):
            cell = row[kind]
            lines.append(
                f"  {split:<8}{kind:<10}{cell['count']:>5}{_pct(cell['in_context']):>13}"
                f"{_pct(cell['alone']):>9}  {name}"
            )
        languages = ", ".join(
            f"{lang} {_pct(sub['followup']['in_context'])}"
            for lang, sub in row["per_language"].items()
        )
        lines.append(f"  {split:<8}follow-ups right in context by language: {languages}")
    test = report.get("test")
    if test is not None:
        lines.append("  targets on the test split:")
        for kind, reading, minimum in TARGETS:
            value = test[kind][reading]
            verdict = "met" if value is not None and value >= minimum else "MISSED"
            lines.append(f"    {kind} {reading} >= {minimum:.0%}: {_pct(value)} {verdict}")
        switch = test["switch"]
        if switch["in_context"] is not None and switch["alone"] is not None:
            verdict = "met" if switch["in_context"] >= switch["alone"] - 0.01 else "MISSED"
            lines.append(
                f"    topic switches within 1 point of alone: {_pct(switch['in_context'])} vs "
                f"{_pct(switch['alone'])} {verdict}"
            )
    return lines


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"
