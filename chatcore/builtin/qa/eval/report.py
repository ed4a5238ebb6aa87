"""Human-readable output of ``chatcore eval`` and the training-curve PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chatcore.builtin.qa.eval.followups import format_followups, format_standalone

NAME_WIDTH = 42  # the system column of the eval table (fits the longest ablation name)


def plot_history(history: dict[str, list[float]], path: Path) -> Path | None:
    """Loss and accuracy per epoch (training and validation) as a PNG."""
    if not history.get("loss"):
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    for key, axis in (("loss", left), ("accuracy", right)):
        for prefix, style in (("", "-"), ("val_", "--")):
            values = history.get(prefix + key)
            if values:
                axis.plot(range(1, len(values) + 1), values, style, label=prefix + key)
        axis.set_xlabel("epoch")
        axis.set_title(key)
        axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


SYSTEMS = ("lstm", "generate", "hybrid", "encoder", "tfidf")
LABELS = {
    "lstm": "lstm (mode select)",
    "generate": "lstm (mode generate)",
    "hybrid": "lstm (mode hybrid)",
    "encoder": "encoder nearest question",
    "tfidf": "tfidf nearest question",
}
HEADER = (
    f"{'system':<{NAME_WIDTH}}{'top1':>8}{'answered':>10}{'exact':>9}{'fb recall':>11}"
    f"{'fb precision':>14}"
)


def format_report(report: dict[str, Any]) -> str:
    """A table over all the data, one per split (dev, test) when there are several, per
    language, then the ablation if it ran. ``answered`` = answered and right at the threshold;
    ``top1`` = the top answer right, threshold ignored."""
    if "lstm" not in report:  # follow-up files only
        return "\n".join([f"model: {report['model']}", *format_followups(report["followups"])])
    lines = [f"model: {report['model']}", "", "all data:", HEADER]
    systems = [name for name in SYSTEMS if name in report]
    lines += [_row(LABELS[name], report[name]) for name in systems]
    lines += [_row(f"ablation: {name}", row) for name, row in report.get("ablation", {}).items()]
    for split in report["lstm"].get("per_split", {}):
        lines += ["", f"split {split}:", HEADER]
        for name in systems:
            if split in report[name].get("per_split", {}):
                lines.append(_row(LABELS[name], report[name]["per_split"][split]))
        for name, row in report.get("ablation", {}).items():
            if split in row.get("per_split", {}):
                lines.append(_row(f"ablation: {name}", row["per_split"][split]))
    lines += _targets(report)
    lines += format_standalone(report.get("standalone_in_context", {}))
    lines += format_followups(report.get("followups", {}))
    lines += ["", "per language (lstm / encoder / tfidf; top1, fallback recall):"]
    for lang, row in report["lstm"]["per_language"].items():
        others = [report[n]["per_language"][lang] for n in ("encoder", "tfidf") if n in report]
        top1 = " / ".join(_pct(r.get("top1")) for r in (row, *others))
        recall = " / ".join(_pct(r["fallback_recall"]) for r in (row, *others))
        lines.append(
            f"  {lang}: top1 {top1} on {row['questions']} questions; "
            f"fallback recall {recall} on {row['out_of_domain']} out-of-domain"
        )
    for name in ("lstm", "generate", "hybrid"):
        if name in report:
            lat = report[name]["latency_ms"]
            lines.append(
                f"latency {name} (single question): p50 {lat['p50']:.2f} ms, "
                f"p95 {lat['p95']:.2f} ms"
            )
    if "best_mode" in report:
        lines.append(f"best mode on this data: {report['best_mode']}")
    return "\n".join(lines)


# The model's targets on the blind test split (issue #15): (figure, language or None, minimum).
TARGETS = (
    ("top1", "en", 0.85),
    ("top1", "zh", 0.80),
    ("accuracy", None, 0.78),
    ("fallback_precision", None, 0.90),
    ("fallback_recall", None, 0.90),
)


FIGURES = {
    "top1": "top1",
    "accuracy": "answered right",
    "fallback_precision": "fallback precision",
    "fallback_recall": "fallback recall",
}


def _targets(report: dict[str, Any]) -> list[str]:
    """Each target on the test split, met or missed, beside the encoder-only baseline."""
    row = report["lstm"].get("per_split", {}).get("test")
    if row is None:
        return []
    lines = ["", "targets on the test split (model / encoder nearest question):"]
    base = report.get("encoder", {}).get("per_split", {}).get("test", {})
    for key, lang, minimum in TARGETS:
        value = (row["per_language"].get(lang, {}) if lang else row).get(key)
        other = (base.get("per_language", {}).get(lang, {}) if lang else base).get(key)
        verdict = "met" if value is not None and value >= minimum else "MISSED"
        name = f"{FIGURES[key]}{f' {lang}' if lang else ''} >= {minimum:.0%}"
        lines.append(f"  {name:<34}{_pct(value):>8} / {_pct(other):<8} {verdict}")
    exact = report["lstm"].get("exact_accuracy")
    verdict = "met" if exact is not None and exact >= 0.99 else "MISSED"
    lines.append(f"  {'exact questions >= 99%':<34}{_pct(exact):>8} / {'':<8} {verdict}")
    return lines


def _row(name: str, row: dict[str, Any]) -> str:
    return (
        f"{name:<{NAME_WIDTH}}{_pct(row.get('top1')):>8}{_pct(row['accuracy']):>10}"
        f"{_pct(row.get('exact_accuracy')):>9}{_pct(row['fallback_recall']):>11}"
        f"{_pct(row['fallback_precision']):>14}"
    )
