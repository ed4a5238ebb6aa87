"""The text report of ``chatcore eval``: every system, each split apart, the targets."""

from __future__ import annotations

from pathlib import Path

from chatcore.builtin.qa.eval.devset import load_cases
from chatcore.builtin.qa.eval.report import format_report


def summary(top1: float, answered: float, recall: float, precision: float, **extra) -> dict:
    row = {
        "top1": top1,
        "accuracy": answered,
        "fallback_recall": recall,
        "fallback_precision": precision,
        "questions": 10,
        "out_of_domain": 4,
    }
    return {**row, **extra}


def system(top1: float, splits: bool = True) -> dict:
    languages = {"en": summary(top1, 0.8, 0.9, 0.9), "zh": summary(0.7, 0.6, 0.9, 0.9)}
    row = summary(top1, 0.8, 0.9, 0.95, exact_accuracy=1.0, per_language=languages)
    if splits:
        row["per_split"] = {
            "dev": summary(0.95, 0.9, 0.9, 0.9, per_language=languages),
            "test": summary(top1, 0.79, 0.5, 0.91, per_language=languages),
        }
    return row


def test_each_split_has_its_table_and_the_targets_say_met_or_missed():
    report = {"model": "m", "lstm": system(0.9), "encoder": system(0.8), "tfidf": system(0.7)}
    report["lstm"]["latency_ms"] = {"p50": 1.0, "p95": 2.0}
    report["ablation"] = {"no LSTM": system(0.85)}
    text = format_report(report)
    for heading in ("all data:", "split dev:", "split test:"):
        assert heading in text
    test_table = text.split("split test:")[1].split("\n\n")[0]
    assert "encoder nearest question" in test_table and "ablation: no LSTM" in test_table
    targets = text.split("targets on the test split")[1].split("\n\n")[0]
    assert "top1 en >= 85%" in targets and "90.0% / 80.0%    met" in targets
    assert "top1 zh >= 80%" in targets and "70.0% / 70.0%    MISSED" in targets
    assert "fallback recall >= 90%" in targets and "MISSED" in targets.splitlines()[-2]


def test_a_report_without_splits_has_no_target_lines():
    report = {"model": "m", "lstm": system(0.9, False), "tfidf": system(0.7, False)}
    report["lstm"]["latency_ms"] = {"p50": 1.0, "p95": 2.0}
    text = format_report(report)
    assert "split" not in text and "targets" not in text and "tfidf nearest question" in text


def test_cases_take_their_split_from_their_folder(tmp_path: Path):
    for split in ("dev", "test"):
        (tmp_path / split).mkdir()
        (tmp_path / split / "en.yml").write_text(
            "paraphrases:\n  - ['hi there', 'Hello']\nout_of_domain:\n  - bake bread\n",
            encoding="utf-8",
        )
    cases = load_cases(
        [tmp_path / "dev" / "en.yml", tmp_path / "test" / "en.yml"], lambda q: ["Hi!"]
    )
    assert [(c.split, c.kind) for c in cases] == [
        ("dev", "paraphrase"),
        ("dev", "ood"),
        ("test", "paraphrase"),
        ("test", "ood"),
    ]


def test_eval_finds_the_checkouts_data_from_any_folder(tmp_path, monkeypatch):
    from pathlib import Path

    from chatcore.builtin.qa.eval.evaluate import default_dev_paths

    monkeypatch.chdir(tmp_path)
    checkout = Path(__file__).resolve().parents[2]
    paths = default_dev_paths()
    assert {p.parent for p in paths} == {checkout / "data" / "dev", checkout / "data" / "test"}
