"""QA model: training time on the default data, and single-question latency of the compiled
inference path against the naive ``model.predict`` per call, in the same run.

python -m bench qa      (trains a fresh default model into a temporary directory first)
"""

from __future__ import annotations

import asyncio
import os
import resource
import tempfile
import time
from pathlib import Path

from bench.common import Stats, table, time_runs

RUNS = 300
NAIVE_RUNS = 60


def questions() -> list[str]:
    """Dev-set questions, so the latency covers realistic lengths in both languages."""
    import yaml

    root = Path(__file__).resolve().parents[1] / "data" / "dev"
    texts: list[str] = []
    for path in sorted(root.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts += [p[0] for p in data.get("paraphrases", [])] + data.get("out_of_domain", [])
    return texts or ["what is your name"]


def cycle(texts: list[str]):
    state = {"i": 0}

    def next_text() -> str:
        state["i"] += 1
        return texts[state["i"] % len(texts)]

    return next_text


def train_default(out: Path) -> float:
    from chatcore.qa import data, hygiene, modeldir
    from chatcore.qa.train import TrainSettings, train

    started = time.perf_counter()
    pairs = hygiene.check(data.load_files(data.default_data_files())).kept
    modeldir.save(train(pairs, TrainSettings()), out)
    return time.perf_counter() - started


def engine_latency(model_dir: Path, texts: list[str]) -> Stats:
    """Through the whole engine (memory store, executor hop), as a frontend sees it."""
    from chatcore.testing import ChatHarness, make_runtime

    async def run() -> list[float]:
        runtime = make_runtime({"responders": ["qa"], "qa": {"model_dir": str(model_dir)}})
        async with runtime.build_engine() as engine:
            chat = ChatHarness(engine)
            for text in texts[:5]:
                await chat.say(text)
            samples = []
            for i in range(RUNS):
                started = time.perf_counter()
                await ChatHarness(engine, chat_id=f"c{i}").say(texts[i % len(texts)])
                samples.append((time.perf_counter() - started) * 1000)
            return samples

    return Stats(tuple(asyncio.run(run())))


def main() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from chatcore.qa.baseline import TfidfBaseline
    from chatcore.qa.predictor import Predictor

    texts = questions()
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Path(tmp) / "default"
        train_seconds = train_default(model_dir)
        predictor = Predictor.load(model_dir)
        pick = cycle(texts)
        compiled = time_runs(lambda: predictor.predict(pick()), RUNS)
        featurizer, model = predictor.featurizer, predictor.model

        def naive():
            words, grams = featurizer.encode(pick())
            return model.predict([words[None, :], grams[None, :]], verbose=0)

        naive_stats = time_runs(naive, NAIVE_RUNS)
        baseline = TfidfBaseline(predictor.bank)
        tfidf = time_runs(lambda: baseline.predict_many([pick()]), RUNS)
        engine = engine_latency(model_dir, texts)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [
        ("select, compiled tf.function (Predictor.predict)", compiled, RUNS),
        ("select, through the engine (qa responder)", engine, RUNS),
        ("baseline: model.predict per call", naive_stats, NAIVE_RUNS),
        ("TF-IDF nearest question", tfidf, RUNS),
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
                ("train default data (2,945 pairs read), seconds", f"{train_seconds:.1f}"),
                ("peak RSS of this process, MB", f"{rss_mb:.0f}"),
                ("generate / hybrid modes", "not built (select only)"),
            ],
        )
    )


if __name__ == "__main__":
    main()
