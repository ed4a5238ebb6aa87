"""Human-readable output of ``chatcore eval`` and the training-curve PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def format_report(report: dict[str, Any]) -> str:
    """A table per system, then per language, then the ablation if it ran."""
    lines = [f"model: {report['model']}", ""]
    header = (
        f"{'system':<{NAME_WIDTH}}{'accuracy':>10}{'exact':>9}{'fb recall':>11}{'fb precision':>14}"
    )
    lines.append(header)
    for name in ("lstm", "generate", "hybrid", "tfidf"):
        if name in report:
            label = "lstm (mode select)" if name == "lstm" else name
            label = f"lstm (mode {name})" if name in ("generate", "hybrid") else label
            lines.append(_row(label, report[name]))
    for name, row in report.get("ablation", {}).items():
        lines.append(_row(f"ablation: {name}", row))
    lines.append("")
    lines.append("per language (lstm / tfidf):")
    for lang, row in report["lstm"]["per_language"].items():
        base = report["tfidf"]["per_language"][lang]
        lines.append(
            f"  {lang}: accuracy {_pct(row['accuracy'])} / {_pct(base['accuracy'])} on "
            f"{row['questions']} questions; fallback recall {_pct(row['fallback_recall'])} / "
            f"{_pct(base['fallback_recall'])} on {row['out_of_domain']} out-of-domain"
        )
    for name in ("lstm", "generate", "hybrid"):
        if name in report:
            lat = report[name]["latency_ms"]
            lines.append(
                f"latency {name} (single question): p50 {lat['p50']:.2f} ms, "
                f"p95 {lat['p95']:.2f} ms"
            )
    if "best_mode" in report:
        lines.append(f"best mode on this dev set: {report['best_mode']}")
    return "\n".join(lines)


def _row(name: str, row: dict[str, Any]) -> str:
    return (
        f"{name:<{NAME_WIDTH}}{_pct(row['accuracy']):>10}{_pct(row.get('exact_accuracy')):>9}"
        f"{_pct(row['fallback_recall']):>11}{_pct(row['fallback_precision']):>14}"
    )
