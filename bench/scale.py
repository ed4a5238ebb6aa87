"""Scaling with the knowledge base: default training (one network) on synthetic pairs of
growing size (bench/synthetic.py), then the model's size, a fresh process's peak memory while
answering, and the single-question latency, with the encoder's nearest question measured in
the same run as the baseline.

python -m bench scale                  (1,000, 10,000 and 100,000 pairs)
SCALE_PAIRS=1000,5000 python -m bench scale
SCALE_EPOCHS=3 python -m bench scale   (fewer epochs: the per-epoch column stays comparable)

Each training runs in its own process (``chatcore train``), so its peak memory is its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import fresh_python, table
from bench.synthetic import pairs, write_csv
from chatcore.tfquiet import quiet_tensorflow

SIZES = (1_000, 10_000, 100_000)
RUNS = 200
CHATCORE = str(Path(sys.executable).with_name("chatcore"))

LATENCY_CODE = """\
import json, sys, time
from chatcore.builtin.qa.serve.predictor import Predictor
from chatcore.builtin.qa.eval.baseline import EncoderBaseline
sys.path.insert(0, sys.argv[3])
from bench.common import time_runs
questions = json.loads(sys.argv[2])
predictor = Predictor.load(sys.argv[1])
state = {"i": 0}
def pick():
    state["i"] += 1
    return questions[state["i"] % len(questions)]
model = time_runs(lambda: predictor.predict(pick()), int(sys.argv[4]))
hwm = [x for x in open("/proc/self/status") if x.startswith("VmHWM")][0]
baseline = EncoderBaseline(predictor.bank)
encoder = time_runs(lambda: baseline.predict_many([pick()]), int(sys.argv[4]))
print(json.dumps({"model": [model.median, model.p95], "encoder": [encoder.median, encoder.p95],
                  "rss_mb": int(hwm.split()[1]) / 1024}))
"""


def train(size: int, folder: Path, epochs: int | None) -> dict:
    """Train on ``size`` synthetic pairs in a child process; wall seconds, epochs run and the
    child's peak memory."""
    data, out = folder / f"pairs-{size}.csv", folder / f"model-{size}"
    write_csv(size, data)
    command = [CHATCORE, "train", "--data", str(data), "--out", str(out)]
    if epochs:
        command += ["--epochs", str(epochs)]
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command], check=True, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    metrics = json.loads((out / "metadata.json").read_text(encoding="utf-8"))["metrics"]
    peak_mb = int(done.stderr.strip().splitlines()[-1]) / 1024
    return {"seconds": seconds, "epochs": metrics["epochs"], "dir": out, "peak_mb": peak_mb}


def model_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) / 1e6


def reworded(size: int) -> list[str]:
    """Questions of the bank with one word dropped: realistic lengths, known and unknown."""
    return [" ".join(q.split()[1:]) for q, _ in pairs(size)[:: max(1, size // 500)]]


def main() -> None:
    quiet_tensorflow()
    sizes = [int(s) for s in os.environ.get("SCALE_PAIRS", "").split(",") if s] or SIZES
    epochs = int(os.environ["SCALE_EPOCHS"]) if os.environ.get("SCALE_EPOCHS") else None
    rows = []
    root = str(Path(__file__).resolve().parents[1])
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            trained = train(size, Path(tmp), epochs)
            texts = json.dumps(reworded(size))
            measured = json.loads(
                fresh_python("-c", LATENCY_CODE, str(trained["dir"]), texts, root, str(RUNS))
            )
            rows.append(
                row := (
                    f"{size:,}",
                    f"{trained['seconds']:.0f}",
                    str(trained["epochs"]),
                    f"{trained['seconds'] / max(trained['epochs'], 1):.0f}",
                    f"{trained['peak_mb']:.0f}",
                    f"{model_mb(trained['dir']):.0f}",
                    f"{measured['rss_mb']:.0f}",
                    "{:.2f} / {:.2f}".format(*measured["model"]),
                    "{:.2f} / {:.2f}".format(*measured["encoder"]),
                )
            )
            print(" | ".join(row), file=sys.stderr, flush=True)  # progress: a size takes minutes
    print(
        table(
            "Scaling with the number of pairs (synthetic; default training, one network"
            + (f", at most {epochs} epochs)" if epochs else ")"),
            (
                "pairs",
                "train s",
                "epochs",
                "s / epoch (incl. setup)",
                "train RSS MB",
                "model MB",
                "serving RSS MB",
                "reply ms p50 / p95",
                "baseline: encoder nearest ms",
            ),
            rows,
        )
    )


if __name__ == "__main__":
    main()
