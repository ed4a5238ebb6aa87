"""How useful "did you mean ...?" is: of the questions the model falls back on, how often
the right question is among the choices offered, and how often questions it should not
answer (out of domain) get choices at all (python -m bench teach; docs/handoff.md)."""

from __future__ import annotations

from dataclasses import dataclass

from chatcore.builtin.qa.eval.devset import Case


@dataclass(frozen=True)
class ChoiceRates:
    fell_back: int  # known questions (reworded) the model fell back on
    rescued: float  # ... of them, the share whose right question was offered
    offered: float  # ... of them, the share that got any choice
    ood: int  # out-of-domain questions (all fall back or not: asked)
    ood_offered: float  # ... of them, the share that got choices
    mean_choices: float  # choices per fallback that had any


def choice_rates(predictor, cases: list[Case]) -> ChoiceRates:
    """Scored on ``cases`` (paraphrases and out-of-domain questions of an eval file)."""
    predictions = predictor.predict_many([c.question for c in cases])
    answers_of = _answers_of(predictor.bank)
    rescued = offered = fell = ood = ood_offered = shown = 0
    for case, prediction in zip(cases, predictions, strict=True):
        if case.kind == "ood":
            ood += 1
            ood_offered += bool(prediction.nearest)
            continue
        if not prediction.fallback:
            continue
        fell += 1
        offered += bool(prediction.nearest)
        shown += len(prediction.nearest)
        if any(case.expected & answers_of.get(q, frozenset()) for q in prediction.nearest):
            rescued += 1
    return ChoiceRates(
        fell,
        rescued / fell if fell else 0.0,
        offered / fell if fell else 0.0,
        ood,
        ood_offered / ood if ood else 0.0,
        shown / offered if offered else 0.0,
    )


def _answers_of(bank) -> dict[str, frozenset[str]]:
    return {q: frozenset(bank.answers(i)) for q, i in bank.labelled_questions()}
