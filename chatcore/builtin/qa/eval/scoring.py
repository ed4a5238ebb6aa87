"""Scoring answers against a dev or test set: accuracy, top-1, fallback precision and recall,
per language and per split. Shared by ``chatcore eval`` and the ablation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chatcore.builtin.qa.eval.devset import Case
from chatcore.language import detect_language

Scorer = Callable[[list[str]], list[tuple[tuple[str, ...], bool]]]
"""Questions -> (answers, fell back) for each."""


def model_scorer(predictor) -> Scorer:
    def run(texts: list[str]):
        return [(p.answers, p.fallback) for p in predictor.predict_many(texts)]

    return run


def score(scorer: Scorer, cases: list[Case], exact: list[Case]) -> dict[str, Any]:
    """Accuracy on paraphrases/pairs and exact questions, fallback precision and recall on
    out-of-domain questions, and the same per language."""
    results = dict(zip([id(c) for c in cases], scorer([c.question for c in cases]), strict=True))
    exact_results = scorer([c.question for c in exact]) if exact else []
    out = _summary_by_language(cases, results)
    out["exact_accuracy"] = _ratio(
        sum(_correct(c, r) for c, r in zip(exact, exact_results, strict=True)), len(exact)
    )
    splits = _by_split(cases)
    if len(splits) > 1 or "test" in splits:
        out["per_split"] = {
            name: _summary_by_language(group, results) for name, group in splits.items()
        }
    return out


def _summary_by_language(cases: list[Case], results: dict) -> dict[str, Any]:
    """``_summary`` of the cases, with the same per language."""
    out = _summary(cases, results)
    out["per_language"] = {
        lang: _summary(group, results) for lang, group in _by_language(cases).items()
    }
    return out


def _by_split(cases: list[Case]) -> dict[str, list[Case]]:
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(case.split or "data", []).append(case)
    return groups


def _summary(cases: list[Case], results: dict) -> dict[str, Any]:
    inside = [c for c in cases if c.kind != "ood"]
    ood = [c for c in cases if c.kind == "ood"]
    fallbacks = [c for c in cases if results[id(c)][1]]
    ood_fallbacks = [c for c in ood if results[id(c)][1]]
    return {
        "questions": len(inside),
        "out_of_domain": len(ood),
        "accuracy": _ratio(sum(_correct(c, results[id(c)]) for c in inside), len(inside)),
        "top1": _ratio(sum(bool(c.expected & set(results[id(c)][0])) for c in inside), len(inside)),
        "fallback_recall": _ratio(len(ood_fallbacks), len(ood)),
        "fallback_precision": _ratio(len(ood_fallbacks), len(fallbacks)),
    }


def _correct(case: Case, result: tuple[tuple[str, ...], bool]) -> bool:
    answers, fallback = result
    return not fallback and bool(case.expected & set(answers))


def _by_language(cases: list[Case]) -> dict[str, list[Case]]:
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(detect_language(case.question), []).append(case)
    return groups


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
