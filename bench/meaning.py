"""Moderation on the labelled splits (issue #22): data/moderation-dev and -dev-2 to -dev-12
(for choosing) and the blind data/moderation-test and -test-2 to -test-5 (each
written before the changes it measures, never used to choose; each also without its lines
nearly copied in the classifier's training lines), and the QA dev questions as ordinary
chat (clean), each pipeline against the same lines in the same run (and the pii filter alone
on the PII dev splits, data/moderation-dev-pii*):
better_profanity (English only), the lexicon alone, the default lexicon + pii, and meaning
(lexicon + classifier) + pii. Then the cost: the meaning classifier's throughput in batches,
and what it adds to a reply through the engine, behind a responder that reads no vectors
(echo: the filter pays for the encoder alone) and behind the QA responder (the bot as
deployed: the QA model reuses the filter's vector), on ordinary chat (the QA dev questions)
and on the moderation dev lines (traps and evasions: a listed word makes a second reading and
maybe a clause's).

python -m bench meaning   (QA_BENCH_MODEL=DIR picks the QA model; default: the tests' tiny
                           model, trained here: the encoder's cost is the same)
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import tempfile
import time
from functools import cache
from pathlib import Path

from bench.common import qa_model, table, time_runs
from chatcore.stats import percentile

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SPLITS = (  # the dev splits the thresholds were chosen on, each apart, and the blind ones
    ("dev", DATA / "moderation-dev"),
    ("dev-2", DATA / "moderation-dev-2"),
    ("dev-3", DATA / "moderation-dev-3"),
    ("dev-4", DATA / "moderation-dev-4"),
    ("dev-5", DATA / "moderation-dev-5"),
    ("dev-6", DATA / "moderation-dev-6"),
    ("dev-7", DATA / "moderation-dev-7"),
    ("dev-8", DATA / "moderation-dev-8"),
    ("dev-9", DATA / "moderation-dev-9"),
    ("dev-10", DATA / "moderation-dev-10"),
    ("dev-11", DATA / "moderation-dev-11"),
    ("dev-12", DATA / "moderation-dev-12"),
    ("**test**", DATA / "moderation-test"),
    ("**test-2**", DATA / "moderation-test-2"),
    ("**test-3**", DATA / "moderation-test-3"),
    ("**test-4**", DATA / "moderation-test-4"),
    ("**test-5**", DATA / "moderation-test-5"),
    ("**test-6**", DATA / "moderation-test-6"),
)
ENGINE_RUNS = 1200
_FRESH = itertools.count()


def _pipelines() -> dict:
    from better_profanity import profanity

    from chatcore.builtin.moderation.filters import LexiconFilter, PiiFilter
    from chatcore.builtin.moderation.meaning.filter import MeaningFilter
    from chatcore.builtin.moderation.settings import MeaningSettings

    profanity.load_censor_words()
    lexicon, pii, meaning = LexiconFilter(), PiiFilter(), MeaningFilter(MeaningSettings())

    def flagged(verdict) -> list[str]:
        """What a verdict keeps from the user (blocked or masked; a flag only records)."""
        return list(verdict.categories) if verdict.action.value in ("block", "mask") else []

    def with_pii(first):
        def run(text: str) -> list[str]:  # each filter scored on the text as written
            return flagged(first(text)) + list(pii.decide(text).categories)

        return run

    return {
        "better_profanity": lambda t: ["offensive"] if profanity.contains_profanity(t) else [],
        "lexicon": lambda t: flagged(lexicon.decide(t)),
        "lexicon + pii": with_pii(lexicon.decide),
        "meaning + pii (default)": with_pii(meaning.decide_now),
    }, meaning


def _by_language(scores: dict, figure: str) -> str:
    """ "en / zh" of one figure ("-" for a language the split does not hold)."""
    return " / ".join(
        _percent(getattr(scores[lang], figure) if lang in scores else None) for lang in ("en", "zh")
    )


def _percent(value) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def quality_rows() -> list[list[str]]:
    from chatcore.builtin.moderation.evaluate import by_language, load_split

    pipelines, _ = _pipelines()
    # each text decided once: by_language reads it again per language, the pooled row again
    pipelines = {name: cache(decide) for name, decide in pipelines.items()}
    rows = []
    splits = [(name, load_split(folder)) for name, folder in SPLITS]
    blind = [line for name, lines in splits if name.startswith("*") for line in lines]
    splits += [("**all blind splits**", blind), ("ordinary chat (dev)", ordinary_chat())]
    for split, lines in splits:
        for name, decide in pipelines.items():
            s = by_language(lines, decide)
            rows.append(
                [
                    split,
                    name,
                    _percent(s["all"].recall),
                    _by_language(s, "recall"),
                    _percent(s["all"].false_positives),
                    _by_language(s, "false_positives"),
                    f"{_percent(s['all'].pii_precision)} / {_percent(s['all'].pii_recall)}",
                ]
            )
    return rows


def unseen_rows() -> list[list[str]]:
    """The blind splits without their lines nearly copied in the meaning classifier's
    labelled training lines (``near_copies``; not its clean corpus and noise lines): helpers
    writing from the same definitions phrase many messages alike, so a test line may be near
    one the classifier learned from."""
    from chatcore.builtin.moderation.evaluate import by_language, load_split
    from chatcore.builtin.moderation.meaning.train import training_lines

    pipelines, _ = _pipelines()
    trained = [line.text for line in training_lines()]
    rows = []
    for split, folder in SPLITS:
        if not split.startswith("*"):
            continue
        lines = load_split(folder)
        copied = near_copies([line.text for line in lines], trained)
        unseen = [line for line, near in zip(lines, copied, strict=True) if not near]
        label = f"{split} unseen ({len(unseen)} of {len(lines)})"
        for name in ("lexicon + pii", "meaning + pii (default)"):
            s = by_language(unseen, pipelines[name])
            rows.append([label, name, _percent(s["all"].recall), _by_language(s, "recall"),
                         _percent(s["all"].false_positives),
                         _by_language(s, "false_positives")])  # fmt: skip
    return rows


NEAR = 0.5  # Jaccard similarity of character pairs at which two messages are near copies
NEAR_INSIDE = 6  # a text of this many characters or more inside the other is copied too


def near_copies(texts: list[str], reference: list[str]) -> list[bool]:
    """Whether each text is nearly a reference text: their character pairs (spaces left
    out, case folded) at least ``NEAR`` alike by Jaccard, or one inside the other."""
    from collections import defaultdict

    ref = [(squeezed, _pairs(squeezed)) for squeezed in map(_squeezed, reference)]
    having = defaultdict(list)  # a pair -> the reference texts that hold it
    for k, (_, found) in enumerate(ref):
        for pair in found:
            having[pair].append(k)
    result = []
    for text in texts:
        mine = _squeezed(text)
        own = _pairs(mine)
        shared = {k for pair in own for k in having.get(pair, ())}
        result.append(any(_near(mine, own, *ref[k]) for k in shared))
    return result


def _squeezed(text: str) -> str:
    return "".join(text.split()).casefold()


def _pairs(squeezed: str) -> frozenset[str]:
    """The character pairs of a text already ``_squeezed``."""
    found = frozenset(squeezed[i : i + 2] for i in range(len(squeezed) - 1))
    return found or frozenset((squeezed,))


def _near(text: str, own: frozenset[str], other: str, theirs: frozenset[str]) -> bool:
    from chatcore.builtin.web.grouping import similarity

    inside = (len(other) >= NEAR_INSIDE and other in text) or (
        len(text) >= NEAR_INSIDE and text in other
    )
    return inside or similarity(own, theirs) >= NEAR


def pii_rows() -> list[list[str]]:
    """The pii filter alone on each PII dev split (data/moderation-dev-pii*): precision and
    recall over all its lines and per language."""
    from chatcore.builtin.moderation.evaluate import by_language, load_split
    from chatcore.builtin.moderation.filters import PiiFilter

    pii = PiiFilter()
    folders = sorted(DATA.glob("moderation-dev-pii*"), key=lambda f: (len(f.name), f.name))
    rows = []
    for folder in folders:
        s = by_language(load_split(folder), lambda text: list(pii.decide(text).categories))
        cells = [f"{_percent(s[k].pii_precision)} / {_percent(s[k].pii_recall)}" for k in s]
        rows.append([folder.name.removeprefix("moderation-"), str(s["all"].lines), *cells])
    return rows


def ordinary_chat() -> list:
    """The questions of the QA dev splits (data/dev, data/faq/dev) as clean lines: what users
    ask the bot (the thresholds are chosen with them: dev, not held out). Some of the
    chatterbot corpus's paraphrases tease the bot ("u r gross"); all count as clean here, so
    this row's false positives are an upper bound."""
    from chatcore.builtin.moderation.evaluate import Line
    from chatcore.builtin.moderation.meaning.train import questions_of

    files = sorted((DATA / "dev").glob("*.yml")) + sorted((DATA / "faq" / "dev").glob("*.yml"))
    return [
        Line("zh" if "zh" in path.stem else "en", question, "clean", "plain", "none")
        for path in files
        for question in questions_of(path)
    ]


def held_out_rows() -> list[list[str]]:
    """Each dev split scored at the thresholds ``chatcore train-meaning`` would choose on the
    other dev splits and ordinary chat (the shipped model, the meaning filter alone): how far
    dev figures at thresholds chosen on them overstate lines never chosen on."""
    import numpy as np

    from chatcore.builtin.moderation.evaluate import load_split
    from chatcore.builtin.moderation.meaning.model import MeaningModel
    from chatcore.builtin.moderation.meaning.train import choose, flagged, readings

    model = MeaningModel.load()
    devs = {name: folder for name, folder in SPLITS if not name.startswith("*")}
    lines = {name: [x for x in load_split(f) if x.label != "pii"] for name, f in devs.items()}
    read = {name: readings(model, split) for name, split in lines.items()}
    chat = readings(model, ordinary_chat())
    rows = []
    for held, split in lines.items():
        others = [read[name] for name in lines if name != held] + [chat]
        joined = {key: np.concatenate([r[key] for r in others]) for key in chat}
        ordinary = np.arange(len(joined["truth"])) >= len(joined["truth"]) - len(chat["truth"])
        chosen = choose(**joined, ordinary=ordinary)
        blocked, truth = flagged(read[held], chosen), read[held]["truth"]
        en, zh = (np.array([x.language == lang for x in split]) for lang in ("en", "zh"))
        parts = [truth, truth & en, truth & zh, ~truth, ~truth & en, ~truth & zh]
        rate = [_percent(blocked[mask].mean() if mask.any() else None) for mask in parts]
        thresholds = "{threshold} / {short_threshold} / {overrule} / {clause_threshold}"
        own = chosen["category_overrules"]
        thresholds = thresholds.format(**chosen) + " / " + _own_overrules(own)
        rows.append([held, thresholds, rate[0], f"{rate[1]} / {rate[2]}", rate[3],
                     f"{rate[4]} / {rate[5]}"])  # fmt: skip
    return rows


def _own_overrules(own: dict[str, float]) -> str:
    """A category's own overrules, shortened ("sh 0.4, sx 0.36"; "-": none)."""
    short = {"self-harm": "sh", "sexual": "sx", "violent-threat": "vt"}
    return ", ".join(f"{short[c]} {v}" for c, v in sorted(own.items())) or "-"


def cost_rows() -> list[list[str]]:
    from chatcore.builtin.moderation.evaluate import load_split
    from chatcore.builtin.moderation.meaning.train import ordinary_questions

    _, meaning = _pipelines()
    texts = [line.text for line in load_split(SPLITS[0][1])][:256]
    meaning.judge(texts[:8])
    runs = iter(range(10**6))

    def fresh_batches() -> list[list[str]]:  # new texts each run: the encoder's cache is cold
        n = next(runs)
        changed = [f"{text} ({n})" for text in texts]
        return [changed[i : i + 64] for i in range(0, len(changed), 64)]

    stats = time_runs(lambda: [meaning.judge(b) for b in fresh_batches()], 5, warmup=1)
    rate = len(texts) / (stats.median / 1000)
    rows = [["meaning classifier, 256 msgs in batches of 64", str(stats), f"{rate:,.0f} msgs/s"]]
    workloads = {
        "ordinary chat": ordinary_questions(ROOT / "data" / "dev"),  # the QA dev questions
        "moderation dev lines": texts,  # traps and evasions: many listed words, read twice
    }
    with tempfile.TemporaryDirectory() as tmp:
        behind = (("echo", {}), ("qa", {"qa": {"model_dir": str(qa_model(Path(tmp)))}}))
        for workload, messages in workloads.items():
            for responder, extra_config in behind:
                timings = asyncio.run(_engine_latencies(messages, responder, extra_config))
                base, meaning_chain, added = timings
                for chain, samples in (("lexicon + pii", base), ("meaning + pii", meaning_chain)):
                    rows.append([f"{workload}, engine ({responder}), {chain}", _cell(samples), ""])
                extra = percentile(meaning_chain, 95) - percentile(base, 95)
                label = f"{workload}: added by meaning behind {responder}"
                rows.append([f"{label}, at the p95", f"{extra:+.2f} ms", "<= 2"])
                rows.append(
                    [f"{label}, per message (its two replies' difference)", _cell(added), ""]
                )
    return rows


def _cell(samples: list[float]) -> str:
    return f"{statistics.median(samples):.2f} / {percentile(samples, 95):.2f}"


async def _engine_latencies(
    texts: list[str], responder: str, extra_config: dict
) -> tuple[list[float], list[float], list[float]]:
    """Reply latency (ms) of one message at a time through two engines (memory store), one
    per filter chain, each message sent to both back to back (which goes first alternates):
    each chain's samples, and what meaning added to each message (its time minus the
    lexicon chain's on the same text: the responder's own cost cancels out)."""
    from chatcore.testing import ChatHarness, make_runtime

    def runtime_of(chain: str):
        raw = {
            "responders": [responder],
            "filters": {"input": [chain, "pii"], "output": []},
            "engine": {  # no limit, no mutes: every message goes through the filters
                "rate_limit": {"messages": 10**6, "per_seconds": 1},
                "strikes": {"mute_seconds": 0},
            },
            "store": "memory",
            **extra_config,
        }
        return make_runtime(raw, plugins=[("echo", _Echo())])

    async def timed(chat: ChatHarness, text: str) -> float:
        started = time.perf_counter()
        reply = await chat.say(text)
        took = (time.perf_counter() - started) * 1000
        assert reply.kind not in ("limited", "muted"), "every message must be checked"
        return took

    samples: dict[str, list[float]] = {"lexicon": [], "meaning": []}
    added: list[float] = []
    async with (
        runtime_of("lexicon").build_engine() as lexicon,
        runtime_of("meaning").build_engine() as meaning,
    ):
        chats = {"lexicon": ChatHarness(lexicon), "meaning": ChatHarness(meaning)}
        for chat in chats.values():  # warm both: the first reply loads models
            await chat.say(f"{texts[0]} {next(_FRESH)}")
        for index in range(ENGINE_RUNS):
            text = texts[index % len(texts)]
            order = ("lexicon", "meaning") if index % 2 else ("meaning", "lexicon")
            # a number of its own for each engine: the encoder's cache is cold for both
            took = {chain: await timed(chats[chain], f"{text} {next(_FRESH)}") for chain in order}
            for chain, ms in took.items():
                samples[chain].append(ms)
            added.append(took["meaning"] - took["lexicon"])
    return samples["lexicon"], samples["meaning"], added


class _Echo:
    """A responder that costs nothing: the filters are what is timed."""

    from chatcore.hookspecs import hookimpl

    @hookimpl
    def chatcore_register_responders(self, register):
        from chatcore.types import Reply

        class Echo:
            async def respond(self, message, context):
                return Reply(message.text)

        register("echo", lambda settings, runtime: Echo())


def main() -> None:
    started = time.perf_counter()
    headers = ["split", "pipeline", "recall", "en / zh", "false pos.", "en / zh", "PII P / R"]
    title = "Offensive + PII recall, false positives on clean lines, PII precision / recall"
    print(table(title, headers, quality_rows()))
    title = "The blind splits without the lines nearly copied in the classifier's training lines"
    print(table(title, headers[:-1], unseen_rows()))
    print(
        f"- A line is nearly copied where its character pairs (spaces left out) are at least "
        f"{NEAR:.0%} alike (Jaccard) with a training line's, or one holds the other "
        f"({NEAR_INSIDE} characters or more). The helpers who wrote the training lines and "
        "the test splits wrote from the same definitions, never seeing each other's lines.\n"
    )
    headers = ["split", "lines", "P / R", "en P / R", "zh P / R"]
    print(table("The pii filter alone on the PII dev splits", headers, pii_rows()))
    print(
        "- Dev splits: the rules were made on them. The first reading of each, before any rule "
        "was made on it (precision / recall): dev-pii5 95.0 / 96.6 %, -pii6 86.3 / 97.5 %, "
        "-pii7 98.9 / 97.9 %, -pii8 96.5 / 98.8 %, -pii9 89.6 / 98.6 %, -pii10 92.8 / 96.9 % "
        "(-pii10 read 89.7 / 97.5 % with the rules of a few changes before; rules made on "
        "other splits in between, never on -pii10, raised it to 92.8 %).\n"
    )
    headers = ["held out", "threshold / short / overrule / clause / own", "recall", "en / zh",
               "false pos.", "en / zh"]  # fmt: skip
    title = "Meaning alone, each dev split at thresholds chosen on the others and ordinary chat"
    print(table(title, headers, held_out_rows()))
    headers = ["", "ms median / p95", ""]
    print(table(f"Cost ({ENGINE_RUNS} replies per engine row)", headers, cost_rows()))
    print(
        "- Targets (issue #22, on the blind test splits): recall >= 95 % (each language >= 93 "
        "%), false positives <= 1 %, PII precision >= 98 % and recall >= 97 %. The meaning "
        "filter's thresholds were chosen on dev (chatcore train-meaning); the test splits are "
        "reported, never used to choose.\n"
        "- Cost: each message goes to both engines back to back (which goes first alternates), "
        "each with a number of its own so the encoder reads both cold. At the p95: the meaning "
        "engine's p95 less the lexicon engine's (the target's reading). Per message: the "
        "difference of its two replies, which also holds both replies' noise.\n"
        f"Bench took {time.perf_counter() - started:.0f} s.\n"
    )


if __name__ == "__main__":
    main()
