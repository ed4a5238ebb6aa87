"""``chatcore eval``: answer accuracy, fallback precision/recall, latency and a per-language
breakdown, for the model and the TF-IDF baseline in the same run."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chatcore.builtin.qa.data.text import detokenize, question_key
from chatcore.builtin.qa.errors import DataError
from chatcore.builtin.qa.eval.devset import Case, load_cases, load_followups
from chatcore.builtin.qa.eval.scoring import Scorer, model_scorer, score
from chatcore.stats import percentile

SPLITS = ("dev", "test")


def default_dev_paths() -> list[Path]:
    """data/dev/*.yml and data/test/*.yml of the working directory, else of the source
    checkout (each split is reported apart)."""
    for root in (Path.cwd(), Path(__file__).resolve().parents[4]):  # the checkout
        files = [f for split in SPLITS for f in sorted((root / "data" / split).glob("*.yml"))]
        if files:
            return files
    raise DataError("no evaluation data: pass --data FILE (no data/dev/*.yml found)")


def evaluate_cli(model_dir: Path, paths: list[Path], ablation: bool = False) -> dict[str, Any]:
    """The whole report of ``chatcore eval`` as a JSON-ready mapping."""
    from chatcore.builtin.qa.eval.report import plot_history
    from chatcore.builtin.qa.serve.predictor import Predictor

    predictor = Predictor.load(model_dir)
    plot_history(predictor.files.history, Path(model_dir) / "training_curve.png")
    from chatcore.builtin.qa.eval.followups import score_followups, score_standalone

    paths = paths or default_dev_paths()
    answers_of = _answers_lookup(predictor.bank)
    followups = load_followups(paths, answers_of)
    cases = load_cases(paths, answers_of, required=not followups)
    if not cases:  # follow-up files only
        return {"model": str(model_dir), "followups": score_followups(predictor, followups)}
    exact = [
        Case(q, frozenset(predictor.bank.answers(i)), "", "exact")
        for q, i in predictor.bank.labelled_questions()
    ]
    report: dict[str, Any] = {
        "model": str(model_dir),
        "trained": predictor.files.metadata.get("metrics", {}),
        "lstm": score(model_scorer(predictor), cases, exact),
        "encoder": score(_nearest_scorer(predictor, "encoder"), cases, exact),
        "tfidf": score(_nearest_scorer(predictor, "tfidf"), cases, exact),
    }
    report["lstm"]["latency_ms"] = latency(predictor.predict, [c.question for c in cases])
    report["standalone_in_context"] = score_standalone(predictor, cases)
    report["followups"] = score_followups(predictor, followups) if followups else {}
    report.update(_mode_rows(predictor, cases, exact, report["lstm"]))
    if ablation:
        from chatcore.builtin.qa.eval.ablation import run_ablation

        report["ablation"] = run_ablation(predictor.files.settings["train"], cases)
    return report


def _mode_rows(predictor, cases: list[Case], exact: list[Case], select: dict) -> dict[str, Any]:
    """Rows ``generate`` and ``hybrid`` (when the model has a generation head) and
    ``best_mode``: the mode with the best mean of accuracy, exact accuracy, fallback recall
    and fallback precision (``lstm`` is the ``select`` mode)."""
    from chatcore.builtin.qa.serve.generate import Generator
    from chatcore.builtin.qa.serve.modes import ModeAnswerer

    rows: dict[str, Any] = {}
    generator = Generator.load(predictor.files)
    if generator is not None:
        for mode in ("generate", "hybrid"):
            answerer = ModeAnswerer(predictor, generator, mode)
            rows[mode] = score(model_scorer(answerer), cases, exact)
            rows[mode]["latency_ms"] = latency(answerer.predict, [c.question for c in cases])
    scored = {"select": select, **rows}
    rows["best_mode"] = max(scored, key=lambda mode: mode_score(scored[mode]))
    return rows


def mode_score(row: dict[str, Any]) -> float:
    """One figure to rank modes: the mean of the four headline ratios (missing counts 0)."""
    keys = ("accuracy", "exact_accuracy", "fallback_recall", "fallback_precision")
    return sum(row.get(k) or 0.0 for k in keys) / len(keys)


def _answers_lookup(bank) -> Callable[[str], list[str] | None]:
    index = {}
    for question, label in bank.labelled_questions():
        index.setdefault(question_key(question), bank.answers(label))
    return lambda question: index.get(question_key(question))


def _nearest_scorer(predictor, kind: str) -> Scorer:
    """A nearest-question baseline (``tfidf`` or ``encoder``) over the model's own questions,
    its fallback calibrated as the model's is (the encoder's gate on the background questions,
    TF-IDF's threshold on the model's validation split)."""
    from chatcore.builtin.qa.eval.baseline import EncoderBaseline, TfidfBaseline
    from chatcore.builtin.qa.train.training import TrainSettings, build_split

    settings = TrainSettings.model_validate(predictor.files.settings["train"])
    if kind == "encoder":
        encoder = EncoderBaseline(predictor.bank)
        encoder.calibrate_on_background(settings.min_fallback_recall)
        return encoder.predict_many
    tfidf = TfidfBaseline(predictor.bank)
    tokens, labels = build_split(
        predictor.bank, settings, settings.val_copies, settings.seed + 1, 2
    )
    tfidf.calibrate([detokenize(t) for t in tokens], labels, settings.min_fallback_recall)
    return tfidf.predict_many


def latency(func: Callable[[str], Any], texts: list[str], warmup: int = 5) -> dict[str, float]:
    """p50/p95 milliseconds of single calls (what one chat message costs)."""
    if not texts:
        return {"p50": 0.0, "p95": 0.0, "runs": 0}
    for text in texts[:warmup]:
        func(text)
    samples = []
    for text in texts:
        started = time.perf_counter()
        func(text)
        samples.append((time.perf_counter() - started) * 1000)
    p50, p95 = statistics.median(samples), percentile(samples, 95)
    return {"p50": round(p50, 3), "p95": round(p95, 3), "runs": len(samples)}
