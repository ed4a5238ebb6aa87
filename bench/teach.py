"""Taught answers: how well a rewording finds its taught question, what taught items cost per
reply, and how soon teaching reaches a running bot.

1. the threshold (qa.taught.threshold): chosen on data/dev, measured on the blind data/test
   (chatcore.builtin.qa.teach.calibrate: teach a set's known questions, ask its paraphrases
   and out-of-domain questions);
2. reply latency through the engine with 0, 1,000 and 10,000 taught items (qa model, no
   filters, SQLite store), rounds alternating between the three;
3. teach-to-answer: another process appends a taught item to the SQLite log; the time until
   a running engine (qa.taught.poll_seconds 1, the default) answers with it.

The model: $QA_BENCH_MODEL if set, else the tests' tiny model trained here.

python -m bench teach
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import table
from chatcore.stats import percentile
from chatcore.tfquiet import quiet_tensorflow

ROOT = Path(__file__).resolve().parent.parent
SIZES = (0, 1_000, 10_000)
ROUNDS = 3
RUNS = 200  # replies per size and round
TEACH_RUNS = 10
ASKED = ["What is your name?", "Who wrote Hamlet?", "你叫什么名字", "Do you like music?"]
APPEND = """
import sys, time
from chatcore.builtin.qa.teach.log import Change, SqliteTaughtLog
log = SqliteTaughtLog(__import__("pathlib").Path(sys.argv[1]))
log.append(Change("add", "taught:" + sys.argv[2], sys.argv[3], sys.argv[4], who="bench"))
print(time.time())
"""


def _threshold_rows() -> list[list[str]]:
    from chatcore.builtin.qa.teach import calibrate

    data = ROOT / "data"
    dev = calibrate.score([data / "dev" / "en.yml", data / "dev" / "zh.yml"])
    chosen = calibrate.choose(dev)
    splits = [
        ("dev (en + zh), chosen here", dev),
        ("**test (en + zh)**", calibrate.score([data / "test/en.yml", data / "test/zh.yml"])),
        ("test en", calibrate.score([data / "test" / "en.yml"])),
        ("test zh", calibrate.score([data / "test" / "zh.yml"])),
    ]
    rows = []
    for name, scored in splits:
        r = calibrate.rates(scored, chosen.threshold)
        cells = (r.recall, r.wrong, r.false_accept, r.precision)
        rows.append([name, f"{chosen.threshold:.2f}", *(f"{100 * v:.1f} %" for v in cells)])
    return rows


def _model(tmp: Path) -> Path:
    existing = os.environ.get("QA_BENCH_MODEL")
    if existing:
        return Path(existing)
    sys.path.insert(0, str(ROOT))
    from chatcore.builtin.qa.model import modeldir
    from chatcore.builtin.qa.train.training import train
    from tests.tiny import tiny_pairs, tiny_settings

    return modeldir.save(train(tiny_pairs(), tiny_settings(ensemble=1)), tmp / "tiny")


def _fill(path: Path, count: int) -> None:
    from chatcore.builtin.qa.teach.log import Change, SqliteTaughtLog

    log = SqliteTaughtLog(path)
    for i in range(count):
        question = f"how do I return order {i} of the {('red', 'blue', 'green')[i % 3]} shoes"
        log.append(Change("add", f"taught:{i:08x}", question, f"Answer {i}.", who="bench"))
    log.close()


def _config(tmp: Path, model: Path, log: Path, poll: float = 1.0) -> dict:
    return {
        "data_dir": str(tmp / "data"),
        "store": "sqlite",
        "responders": ["qa"],
        "filters": {"input": [], "output": []},
        "engine": {"rate_limit": {"messages": 10**6}},
        "qa": {"model_dir": str(model), "taught": {"path": str(log), "poll_seconds": poll}},
    }


async def _latencies(tmp: Path, model: Path) -> dict[int, list[float]]:
    from chatcore.testing import ChatHarness, make_runtime

    engines = {}
    for size in SIZES:
        log = tmp / f"taught-{size}.sqlite3"
        _fill(log, size)
        engine = make_runtime(_config(tmp / f"e{size}", model, log)).build_engine()
        await engine.start()
        engines[size] = engine
    found: dict[int, list[float]] = {size: [] for size in SIZES}
    try:
        for round_ in range(ROUNDS + 1):  # the first round warms up
            for size, engine in engines.items():
                chat = ChatHarness(engine, chat_id=f"r{round_}", user_id=f"r{round_}")
                for i in range(RUNS):
                    started = time.perf_counter()
                    reply = await chat.say(ASKED[i % len(ASKED)])
                    elapsed = (time.perf_counter() - started) * 1000
                    assert reply.source != "taught", reply
                    if round_:
                        found[size].append(elapsed)
    finally:
        for engine in engines.values():
            await engine.stop()
    return found


async def _teach_to_answer(tmp: Path, model: Path) -> list[float]:
    from chatcore.testing import ChatHarness, make_runtime

    log = tmp / "taught-live.sqlite3"
    _fill(log, 0)
    engine = make_runtime(_config(tmp / "live", model, log)).build_engine()
    await engine.start()
    seconds = []
    try:
        for run in range(TEACH_RUNS):
            question, answer = f"what is the secret word number {run}", f"Secret {run}."
            chat = ChatHarness(engine, chat_id=f"t{run}", user_id=f"t{run}")
            child = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-c", APPEND, str(log), f"{run:08x}", question, answer],
                capture_output=True,
                text=True,
                check=True,
            )
            committed = float(child.stdout.strip())
            while (await chat.say(question)).text != answer:
                await asyncio.sleep(0.02)
            seconds.append(time.time() - committed)
            await asyncio.sleep(0.37 * (run % 3))  # land at different points of the poll
    finally:
        await engine.stop()
    return seconds


def main() -> None:
    quiet_tensorflow()
    started = time.perf_counter()
    headers = ["split", "threshold", "recall", "another's answer", "out-of-domain", "precision"]
    print(table("Threshold: taught questions found from rewordings", headers, _threshold_rows()))
    with tempfile.TemporaryDirectory(prefix="chatcore-bench-teach-") as name:
        tmp = Path(name)
        model = _model(tmp)
        latencies = asyncio.run(_latencies(tmp, model))
        teach = asyncio.run(_teach_to_answer(tmp, model))
    base = statistics.median(latencies[0])
    rows = [
        [
            f"{size:,}",
            f"{statistics.median(s):.2f}",
            f"{percentile(s, 95):.2f}",
            f"{statistics.median(s) - base:+.3f}",
        ]
        for size, s in latencies.items()
    ]
    title = f"Reply latency (ms) through the engine, {ROUNDS} x {RUNS} replies per row"
    print(table(title, ["taught items", "p50", "p95", "p50 added"], rows))
    rows = [["teach -> answer (s)", f"{statistics.median(teach):.2f}", f"{max(teach):.2f}"]]
    print(
        table(f"Teach to answer in another process, {TEACH_RUNS} runs", ["", "median", "max"], rows)
    )
    print(
        "- Target: at most 0.5 ms added at 10,000 taught items. The taught lookup reuses the "
        "sentence vector the model made for the message; up to 4,095 questions it is one "
        "matrix product, from 4,096 on it searches a 96-dimension projection first and "
        "rescores the 64 nearest exactly (the full matrix, 15 MB at 10,000, is read from "
        "memory on every message: 0.8 ms on its own).\n"
        "- Teach to answer is bounded by qa.taught.poll_seconds (1 s): about half a poll on "
        "average.\n"
        f"Bench took {time.perf_counter() - started:.0f} s.\n"
    )


if __name__ == "__main__":
    main()
