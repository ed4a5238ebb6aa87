"""Moderation quality and speed: precision/recall per category and per evasion on the
bundled evaluation set, false-positive rate on clean text, and throughput of the input
pipeline (normalizer + lexicon + pii) against better_profanity, measured in the same run.

python -m bench moderation
"""

from __future__ import annotations

import time
from collections import Counter
from importlib import resources

from bench.common import table, time_interleaved, time_runs

RUNS = 30


def load_eval() -> list[tuple[str, str, str, str, str]]:
    """(lang, label, category, evasion, text) rows of the bundled evaluation set."""
    path = resources.files("chatcore.builtin.moderation") / "data" / "eval" / "eval.txt"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            rows.append(tuple(line.split("\t", 4)))
    return rows


def _pipeline():
    from chatcore.builtin.moderation.filters import LexiconFilter, PiiFilter

    lexicon, pii = LexiconFilter(), PiiFilter()

    def run(text: str) -> tuple[str, tuple[str, ...]]:
        verdict = lexicon.decide(text)
        masked = pii.decide(verdict.masked or text)
        return verdict.action.value, verdict.categories + masked.categories

    return run


def quality(rows, predict) -> list[list[object]]:
    """Rows of (group, n, recall or FPR, precision) for categories, evasions and clean sets."""
    hits = {i: predict(r[4]) for i, r in enumerate(rows)}
    flagged = {i for i, (action, _) in hits.items() if action != "allow"}
    table_rows = []
    for key, index in (("category", 2), ("evasion", 3)):
        groups = Counter((r[0], r[index]) for r in rows if r[1] == "bad")
        for (lang, name), n in sorted(groups.items()):
            ids = [
                i for i, r in enumerate(rows) if r[1] == "bad" and (r[0], r[index]) == (lang, name)
            ]
            caught = sum(i in flagged for i in ids)
            right = sum(rows[i][2] in hits[i][1] for i in ids if i in flagged)
            precision = right / caught if caught else 0.0
            table_rows.append([f"{lang} {key}={name}", n, f"{caught / n:.1%}", f"{precision:.1%}"])
    for lang in ("en", "zh"):
        bad = [i for i, r in enumerate(rows) if r[0] == lang and r[1] == "bad"]
        clean = [i for i, r in enumerate(rows) if r[0] == lang and r[1] == "clean"]
        if not bad or not clean:
            continue
        fp = sum(i in flagged for i in clean)
        tp = sum(i in flagged for i in bad)
        table_rows.append([f"{lang} ALL offensive (recall)", len(bad), f"{tp / len(bad):.1%}",
                           f"{tp / max(1, tp + fp):.1%}"])  # fmt: skip
        table_rows.append([f"{lang} clean (false-positive rate)", len(clean),
                           f"{fp / len(clean):.1%}", "-"])  # fmt: skip
    return table_rows


def _with_classifier(rows, predict) -> list[list[object]]:
    from chatcore.builtin.moderation.classifier import ClassifierFilter

    classifier = ClassifierFilter()
    threshold = classifier.settings.threshold
    scores = dict(zip([r[4] for r in rows], classifier.scores([r[4] for r in rows]), strict=True))

    def alone(text: str):
        return ("block" if scores[text] >= threshold else "allow", ("offensive",))

    def both(text: str):
        action, categories = predict(text)
        return (action, categories) if action != "allow" else alone(text)

    out = []
    for name, func in (("classifier", alone), ("lexicon+pii+classifier", both)):
        out += [[f"{name}: {r[0]}", *r[1:]] for r in quality(rows, func) if "ALL" in r[0] or
                "clean" in r[0]]  # fmt: skip
    return out


def misses(rows, predict) -> list[str]:
    out = []
    for lang, label, _cat, evasion, text in rows:
        flagged = predict(text)[0] != "allow"
        if flagged != (label == "bad"):
            out.append(
                f"  {'missed' if label == 'bad' else 'false positive'} [{lang} {evasion}] {text!r}"
            )
    return out


def throughput(texts: list[str]) -> list[list[object]]:
    """Messages per second of each stage on one core, the baseline timed in the same run
    (the normalizer and the pipeline taking turns, run by run)."""
    from better_profanity import profanity

    from chatcore.builtin.moderation.classifier import ClassifierFilter
    from chatcore.builtin.moderation.normalize import normalize

    profanity.load_censor_words()
    run = _pipeline()
    classifier = ClassifierFilter()
    batches = [texts[i : i + 64] for i in range(0, len(texts), 64)]
    pipelines = {
        "normalizer (key; spans when asked)": lambda: [normalize(t) for t in texts],
        "normalizer+lexicon+pii": lambda: [run(t) for t in texts],
        REFERENCE: _reference_loop,
    }
    interleaved = time_interleaved(pipelines, RUNS)
    reference = interleaved.pop(REFERENCE)
    timings = {
        **interleaved,
        "classifier (batches of 64)": time_runs(
            lambda: [classifier.scores(b) for b in batches], 5, warmup=1
        ),
        "better_profanity": time_runs(
            lambda: [profanity.contains_profanity(t) for t in texts], 5, warmup=1
        ),
    }
    rows = []
    for name, stats in timings.items():
        rate_med = len(texts) / (stats.median / 1000)
        rate_p95 = len(texts) / (stats.p95 / 1000)
        rows.append([name, len(texts), str(stats), f"{rate_med:,.0f}", f"{rate_p95:,.0f}"])
    ours, theirs = timings["normalizer+lexicon+pii"], timings["better_profanity"]
    rows.append(["speed-up vs better_profanity", "", "", f"{theirs.median / ours.median:.0f}x",
                 f"{theirs.p95 / ours.p95:.0f}x"])  # fmt: skip
    rows.append([REFERENCE, "", str(reference), "-", "-"])
    return rows


REFERENCE = "machine speed: 200,000 additions in a Python loop"


def _reference_loop() -> None:
    """A fixed piece of pure-Python work timed with the pipelines: how fast the machine ran
    during this run, so runs in faster and slower spells of a shared machine compare."""
    total = 0
    for number in range(200_000):
        total += number


def main() -> None:
    started = time.perf_counter()
    rows = load_eval()
    predict = _pipeline()
    print(table("Moderation quality (lexicon + pii)", ["set", "n", "recall / FPR", "precision"],
                quality(rows, predict)))  # fmt: skip
    from better_profanity import profanity

    profanity.load_censor_words()
    en = [r for r in rows if r[0] == "en"]
    theirs = lambda t: ("block" if profanity.contains_profanity(t) else "allow", ())  # noqa: E731
    print(table("better_profanity on the English half", ["set", "n", "recall / FPR", "precision"],
                [r for r in quality(en, theirs) if "ALL" in r[0] or "clean" in r[0]]))  # fmt: skip
    headers = ["set", "n", "recall / FPR", "precision"]
    title = "On the English half: classifier alone, and lexicon+pii+classifier"
    print(table(title, headers, _with_classifier(en, predict)))
    wrong = misses(rows, predict)
    print(f"errors ({len(wrong)}):\n" + "\n".join(wrong) + "\n")
    chat = [r[4] for r in rows if r[1] == "clean"] + [r[4] for r in rows if r[1] == "bad"][:40]
    print(table(f"Throughput, one core, {RUNS} runs over {len(chat)} messages",
                ["pipeline", "msgs", "ms median / p95", "msgs/s median", "msgs/s at p95"],
                throughput(chat)))  # fmt: skip
    print(
        "The normalizer, the pipeline and the machine-speed loop take turns, run by run, so "
        "their rows compare within a run. A shared machine's speed varies between spells (this "
        "one's by up to 1.8x within minutes): the loop's time says which spell a run met; "
        "better_profanity, timed after them, compares only roughly.\n"
    )
    print(f"(bench took {time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
