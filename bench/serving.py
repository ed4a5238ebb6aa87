"""Serving: what a user of the default bot feels, with the baselines measured in the same run.

- single-reply latency through the full engine (default moderation filters on input and
  output, memory store) vs the predictor alone vs the naive ``model.predict`` per call;
- throughput with 1/10/100 concurrent chats, micro-batched (max_batch 64) vs unbatched (1);
- startup of ``chatcore --help`` and ``chatcore ask "hi"`` (subprocesses), with the model's
  NumPy pass cached (no TensorFlow import) and on a first load (TensorFlow imported);
- peak RSS of a fresh serving process after answering, both ways;
- seconds per training epoch on the English corpus, bucketed by length vs not;
- ChatterBot's ``get_response`` when it is installed.

python -m bench serving   (QA_BENCH_MODEL=DIR picks the model; default: the trained default
                           model, else one is trained into a temporary directory first)
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Stats, fresh_python, table, time_runs
from chatcore.tfquiet import quiet_env, quiet_tensorflow

RUNS = 300
NAIVE_RUNS = 60
STARTUP_RUNS = 5
REPLIES_PER_LEVEL = 600
EPOCHS = 8
CHATCORE = str(Path(sys.executable).with_name("chatcore"))


def _config(model_dir: Path, max_batch: int = 64, context_turns: int = 6) -> dict:
    """The default pipeline (lexicon + pii filters both ways, qa responder) on the memory
    store; the rate limit is lifted so a benchmark chat is never told to slow down."""
    return {
        "responders": ["qa"],
        "qa": {"model_dir": str(model_dir), "max_batch": max_batch},
        "engine": {"rate_limit": {"messages": 10**9}, "context_turns": context_turns},
    }


async def _engine_replies(
    model_dir: Path, texts: list[str], chats: int, max_batch: int, context_turns: int = 6
):
    """``chats`` chats talking at once, each sending its messages one after another (so
    each message after an answered one is also read as a follow-up). Returns (seconds,
    per-reply ms, mean batch size)."""
    from chatcore.testing import ChatHarness, make_runtime

    per_chat = max(3, REPLIES_PER_LEVEL // chats)
    runtime = make_runtime(_config(model_dir, max_batch, context_turns))
    async with runtime.build_engine() as engine:
        warm = ChatHarness(engine, chat_id="warm", user_id="warm")
        for text in texts[:5]:
            await warm.say(text)
        samples: list[float] = []

        async def chat(n: int) -> None:
            harness = ChatHarness(engine, chat_id=f"c{n}", user_id=f"u{n}")
            for i in range(per_chat):
                started = time.perf_counter()
                await harness.say(texts[(n * per_chat + i) % len(texts)])
                samples.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(chat(n) for n in range(chats)))
        seconds = time.perf_counter() - started
        sizes = _batch_sizes(engine)
    mean_batch = sum(sizes) / len(sizes) if sizes else float("nan")
    return seconds, Stats(tuple(samples)), mean_batch


def _batch_sizes(engine) -> list[int]:
    """Sizes of the model calls the qa responder's MicroBatcher made."""
    for named in engine.responders:
        batcher = getattr(named.component, "_batcher", None)
        if batcher is not None:
            return list(batcher.batch_sizes)
    return []


def latency_rows(model_dir: Path, texts: list[str]) -> list[tuple[str, Stats, int]]:
    from bench.qa import cycle
    from chatcore.builtin.qa.serve.predictor import Predictor

    predictor = Predictor.load(model_dir)
    graph = Predictor.load(model_dir, fast=False)
    pick = cycle(texts)
    path = "NumPy forward" if predictor.fast else "tf.function graph (NumPy pass refused)"
    rows = [
        (f"predictor alone, {path}", time_runs(lambda: predictor.predict(pick()), RUNS), RUNS),
        ("predictor, tf.function graph only", time_runs(lambda: graph.predict(pick()), RUNS), RUNS),
    ]
    featurizer, model = predictor.featurizer, predictor.model

    def naive():
        return model.predict([a[None] for a in featurizer.encode(pick())], verbose=0)

    rows.append(("baseline: model.predict per call", time_runs(naive, NAIVE_RUNS), NAIVE_RUNS))
    _, engine, _ = asyncio.run(_engine_replies(model_dir, texts, 1, 64))
    _, alone, _ = asyncio.run(_engine_replies(model_dir, texts, 1, 64, context_turns=0))
    followups = asyncio.run(_followup_replies(model_dir))
    rows[:0] = [
        ("full engine, lexicon+pii in and out, memory store", engine, len(engine.samples)),
        ("baseline: the same, context off (engine.context_turns 0)", alone, len(alone.samples)),
        ("full engine, a follow-up read with the previous question", followups, RUNS),
    ]
    return rows


async def _followup_replies(model_dir: Path) -> Stats:
    """The second message of the dev split's two-turn exchanges (data/dev/followup_*.yml),
    each sent after its first message in a fresh chat: the reply reads two texts."""
    from chatcore import safeyaml
    from chatcore.testing import ChatHarness, make_runtime

    root = Path(__file__).resolve().parents[1] / "data" / "dev"
    exchanges = [
        (x["first"], x["followup"])
        for name in ("followup_en.yml", "followup_zh.yml")
        for x in safeyaml.load(root / name, ValueError, what="a follow-up set")["followups"]
    ]
    samples: list[float] = []
    async with make_runtime(_config(model_dir)).build_engine() as engine:
        for n in range(RUNS):
            first, followup = exchanges[n % len(exchanges)]
            chat = ChatHarness(engine, chat_id=f"f{n}", user_id=f"f{n}")
            await chat.say(first)
            started = time.perf_counter()
            await chat.say(followup)
            samples.append((time.perf_counter() - started) * 1000)
    return Stats(tuple(samples))


def throughput_rows(model_dir: Path, texts: list[str]) -> list[list[str]]:
    rows = []
    for chats in (1, 10, 100):
        for max_batch in (64, 1):
            seconds, stats, mean_batch = asyncio.run(
                _engine_replies(model_dir, texts, chats, max_batch)
            )
            n = len(stats.samples)
            rate, p50, p95 = f"{n / seconds:.0f}", f"{stats.median:.2f}", f"{stats.p95:.2f}"
            rows.append([*map(str, (chats, max_batch, n)), rate, p50, p95, f"{mean_batch:.1f}"])
    return rows


def _cold(model_dir: Path) -> None:
    """Drop the cached NumPy pass: the next load goes through Keras (TensorFlow imported)."""
    from chatcore.builtin.qa.serve.fastload import PREFIX

    for entry in model_dir.glob(f"{PREFIX}*"):
        entry.unlink()


def _startup(home: Path, cold_home: Path) -> list[list[str]]:
    def run(where: Path, *args: str) -> None:
        env = dict(quiet_env(), CHATCORE_HOME=str(where))
        subprocess.run([CHATCORE, *args], check=True, capture_output=True, env=env)

    def cold_ask() -> None:
        _cold(cold_home / "models" / "default")
        run(cold_home, "ask", "hi")

    measured = [
        ("chatcore --help", time_runs(lambda: run(home, "--help"), STARTUP_RUNS * 2, warmup=1)),
        (
            'chatcore ask "hi", default config, cached NumPy pass (every load after the first)',
            time_runs(lambda: run(home, "ask", "hi"), STARTUP_RUNS, warmup=1),
        ),
        (
            'chatcore ask "hi", first load of a model (Keras + TensorFlow, check, write cache)',
            time_runs(cold_ask, STARTUP_RUNS, warmup=1),
        ),
    ]
    return [
        [name, f"{st.median:.0f}", f"{st.p95:.0f}", str(len(st.samples))] for name, st in measured
    ]


RSS_CODE = """\
import asyncio, json, sys
from chatcore.testing import ChatHarness, make_runtime

async def main():
    runtime = make_runtime(json.loads(sys.argv[1]))
    async with runtime.build_engine() as engine:
        chat = ChatHarness(engine)
        for text in ["what is ai", "你好吗", "tell me a joke", "my email is a@b.co"] * 50:
            await chat.say(text)

asyncio.run(main())
print(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
"""


def serving_rss_mb(model_dir: Path) -> float:
    """Peak RSS of a fresh process that builds the default engine and answers 200 messages.
    VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork+exec, so a child of this (large)
    benchmark process would report at least the parent's size."""
    return float(fresh_python("-c", RSS_CODE, json.dumps(_config(model_dir)))) / 1024


def _epoch_seconds(epochs: int, *flags: str) -> list[float]:
    return json.loads(fresh_python("-m", "bench.epochs", str(epochs), *flags))


def training_rows(model_dir: Path) -> list[list[str]]:
    """Seconds per epoch on the English corpus, bucketed by length vs one bucket (the
    baseline: mixed lengths, mostly padding), each in a fresh process; the first epoch
    (graph tracing) apart. Plus the full default training the model directory records
    (``python -m bench qa`` re-times a full training)."""
    from bench.epochs import english_pairs

    pairs = len(english_pairs())
    rows = []
    for label, flags in (("bucketed by length", ()), ("baseline: one bucket", ("--no-buckets",))):
        seconds = _epoch_seconds(EPOCHS, *flags)
        stats = Stats(tuple(s * 1000 for s in seconds[1:]))
        rows.append(
            [
                f"training epoch, English corpus ({pairs} pairs), {label}, s (median / p95)",
                f"{stats.median / 1000:.2f} / {stats.p95 / 1000:.2f} over epochs 2-{EPOCHS}; "
                f"first epoch {seconds[0]:.1f}",
            ]
        )
    metrics = json.loads((model_dir / "metadata.json").read_text(encoding="utf-8"))["metrics"]
    if metrics.get("train_seconds") and metrics.get("epochs"):
        rows.append(
            [
                "training, the default model's full run (metadata.json, en+zh), s",
                f"{metrics['train_seconds']:.0f} for "
                f"{metrics.get('ensemble_epochs', metrics['epochs'])} epochs",
            ]
        )
    return rows


def chatterbot_row() -> list[str]:
    try:
        import chatterbot  # noqa: F401
    except ImportError as exc:
        return [
            "ChatterBot get_response",
            f"skipped: not installed ({exc.name}); not installed "
            "on purpose (needs a spaCy English model, a download)",
        ]
    return ["ChatterBot get_response", "installed but not benchmarked (needs a trained corpus)"]


def _model_dir(tmp: Path) -> Path:
    existing = os.environ.get("QA_BENCH_MODEL")
    if existing:
        return Path(existing)
    from bench.startup import _default_model

    found = _default_model()
    if found is not None:
        return found
    from bench.qa import train_default

    train_default(tmp / "default")
    return tmp / "default"


def main() -> None:
    quiet_tensorflow()
    from bench.qa import questions

    texts = questions()
    with tempfile.TemporaryDirectory(prefix="chatcore-bench-") as tmp:
        home = Path(tmp)
        model_dir = _model_dir(home)
        latency = latency_rows(model_dir, texts)
        throughput = throughput_rows(model_dir, texts)
        (home / "models").mkdir(exist_ok=True)
        if not (home / "models" / "default").exists():
            (home / "models" / "default").symlink_to(model_dir.resolve())
        cold = home / "cold" / "models" / "default"
        shutil.copytree(model_dir, cold)
        startup = _startup(home, home / "cold")
        rss = serving_rss_mb(model_dir)
        _cold(cold)
        cold_rss = serving_rss_mb(cold)
    print(f"model: {model_dir}; {len(texts)} dev-set questions (en+zh), cycled")
    print("machine shared with other engineers running tests: expect noise in p95\n")
    print(
        table(
            "Single-reply latency (ms, median / p95)",
            ("path", "ms", "runs"),
            [(name, str(stats), runs) for name, stats, runs in latency],
        )
    )
    headers = ("chats", "max_batch", "replies", "replies/s", "p50 ms", "p95 ms", "mean batch")
    print(table("Throughput through the full engine", headers, throughput))
    print(table("Startup (ms, subprocess)", ("command", "median", "p95", "runs"), startup))
    other = [
        ["peak RSS, serving process (engine + 200 replies), cached NumPy pass, MB", f"{rss:.0f}"],
        ["peak RSS, same, first load of a model (TensorFlow imported), MB", f"{cold_rss:.0f}"],
        *training_rows(model_dir),
        chatterbot_row(),
    ]
    print(table("Memory, training, other baselines", ("measure", "value"), other))


if __name__ == "__main__":
    main()
