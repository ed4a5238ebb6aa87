"""QA model: training time on the default data, and single-question latency of the compiled
inference path against the naive ``model.predict`` per call, in the same run.

python -m bench qa      (trains a fresh default model into a temporary directory first;
                         QA_BENCH_MODEL=DIR measures an existing model instead)
"""

from __future__ import annotations

import asyncio
import os
import resource
import tempfile
import time
from pathlib import Path

from bench.common import Stats, fresh_python, table, time_runs
from chatcore.tfquiet import quiet_tensorflow

RUNS = 300
NAIVE_RUNS = 60


def questions() -> list[str]:
    """Dev-set questions, so the latency covers realistic lengths in both languages."""
    from chatcore import safeyaml

    root = Path(__file__).resolve().parents[1] / "data" / "dev"
    texts: list[str] = []
    for path in sorted(root.glob("*.yml")):
        data = safeyaml.load(path, ValueError, what="a dev set")
        texts += [p[0] for p in data.get("paraphrases", [])] + data.get("out_of_domain", [])
    return texts or ["what is your name"]


def cycle(texts: list[str]):
    state = {"i": 0}

    def next_text() -> str:
        state["i"] += 1
        return texts[state["i"] % len(texts)]

    return next_text


def train_default(out: Path) -> float:
    from chatcore.builtin.qa.data import hygiene, sources
    from chatcore.builtin.qa.model import modeldir
    from chatcore.builtin.qa.train.training import TrainSettings, train

    started = time.perf_counter()
    pairs = hygiene.check(sources.load_files(sources.default_data_files())).kept
    modeldir.save(train(pairs, TrainSettings()), out)
    return time.perf_counter() - started


def engine_latency(model_dir: Path, texts: list[str]) -> Stats:
    """Through the whole engine (memory store, executor hop), as a frontend sees it."""
    from chatcore.testing import ChatHarness, make_runtime

    async def run() -> list[float]:
        config = {
            "responders": ["qa"],
            "qa": {"model_dir": str(model_dir)},
            "filters": {"input": [], "output": []},
        }  # the qa path alone
        runtime = make_runtime(config)
        async with runtime.build_engine() as engine:
            chat = ChatHarness(engine)
            for text in texts[:5]:
                await chat.say(text)
            samples = []
            for i in range(RUNS):
                started = time.perf_counter()
                # one user per message: the per-user rate limit must not answer instead
                chat = ChatHarness(engine, chat_id=f"c{i}", user_id=f"u{i}")
                reply = await chat.say(texts[i % len(texts)])
                assert reply.source in ("qa", "fallback"), reply
                samples.append((time.perf_counter() - started) * 1000)
            return samples

    return Stats(tuple(asyncio.run(run())))


def mode_latency(predictor, pick) -> list[tuple[str, Stats, int]]:
    """Single-question latency of the generate and hybrid modes (qa.serve.modes); no rows
    for a select-only model (the default trains no generation head)."""
    from chatcore.builtin.qa.serve.generate import Generator
    from chatcore.builtin.qa.serve.modes import ModeAnswerer

    generator = Generator.load(predictor.files)
    if generator is None:
        return []
    hybrid = ModeAnswerer(predictor, generator, "hybrid")
    return [
        (
            "generate, greedy decoding in one tf.function",
            time_runs(lambda: generator.generate(pick()), RUNS),
            RUNS,
        ),
        ("hybrid (select, else generate)", time_runs(lambda: hybrid.predict(pick()), RUNS), RUNS),
    ]


def serving_rss_mb(model_dir: Path) -> float:
    """Peak RSS (VmHWM) of a fresh process that loads the model and answers questions (what a
    bot process costs), in MB. Not ru_maxrss: Linux carries it over fork and exec."""
    code = (
        "import sys\n"
        "from chatcore.builtin.qa.serve.predictor import Predictor\n"
        "p = Predictor.load(sys.argv[1])\n"
        "[p.predict(q) for q in ['what is ai', '你好吗', 'tell me a joke'] * 50]\n"
        "hwm = [x for x in open('/proc/self/status') if x.startswith('VmHWM')][0]\n"
        "print(int(hwm.split()[1]) / 1024)\n"
    )
    return float(fresh_python("-c", code, str(model_dir)))


def main() -> None:
    quiet_tensorflow()
    from chatcore.builtin.qa.eval.baseline import EncoderBaseline, TfidfBaseline
    from chatcore.builtin.qa.model.encoder import shared_encoder
    from chatcore.builtin.qa.serve.predictor import Predictor

    texts = questions()
    with tempfile.TemporaryDirectory() as tmp:
        existing = os.environ.get("QA_BENCH_MODEL")  # reuse a trained model: latency only
        model_dir = Path(existing) if existing else Path(tmp) / "default"
        train_seconds = None if existing else train_default(model_dir)
        predictor = Predictor.load(model_dir)
        pick = cycle(texts)
        compiled = time_runs(lambda: predictor.predict(pick()), RUNS)
        featurizer, model = predictor.featurizer, predictor.model

        def naive():
            return model.predict([a[None] for a in featurizer.encode(pick())], verbose=0)

        naive_stats = time_runs(naive, NAIVE_RUNS)
        modes = mode_latency(predictor, pick)
        baseline = TfidfBaseline(predictor.bank)
        tfidf = time_runs(lambda: baseline.predict_many([pick()]), RUNS)
        nearest = EncoderBaseline(predictor.bank)
        encoder_only = time_runs(lambda: nearest.predict_many([pick()]), RUNS)
        encode = time_runs(lambda: shared_encoder().encode([pick()]), RUNS)
        engine = engine_latency(model_dir, texts)
        serving_mb = serving_rss_mb(model_dir)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [
        ("select, Predictor.predict (NumPy pass, encoder included)", compiled, RUNS),
        ("select, through the engine (qa responder, no filters)", engine, RUNS),
        *modes,
        ("the sentence encoder alone (one text)", encode, RUNS),
        ("baseline: encoder nearest question", encoder_only, RUNS),
        ("baseline: model.predict per call", naive_stats, NAIVE_RUNS),
        ("baseline: TF-IDF nearest question", tfidf, RUNS),
    ]
    print(
        table(
            "QA single-question latency (ms, median / p95)",
            ("path", "ms", "runs"),
            [(name, str(stats), runs) for name, stats, runs in rows],
        )
    )
    print(
        table(
            "QA training and memory",
            ("measure", "value"),
            [
                (
                    "train the bundled corpus with the generation head (train --generator), s",
                    "skipped (QA_BENCH_MODEL)" if train_seconds is None else f"{train_seconds:.1f}",
                ),
                ("peak RSS, process that loads the model and answers, MB", f"{serving_mb:.0f}"),
                ("peak RSS, this benchmark process (training included), MB", f"{rss_mb:.0f}"),
            ],
        )
    )


if __name__ == "__main__":
    main()
