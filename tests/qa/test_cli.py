"""The commands as a user runs them: train -> ask -> eval on a tiny dataset, data check, and
errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from chatcore.tfquiet import quiet_env
from tests.qa.conftest import TINY

CHATCORE = [sys.executable, "-m", "chatcore"]


def run(*args, home: Path, timeout=240):
    env = {**quiet_env(), "CHATCORE_HOME": str(home)}
    return subprocess.run(
        [*CHATCORE, *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def test_train_then_ask_then_eval(tmp_path):
    out = tmp_path / "bot"
    trained = run(
        "train",
        "--data",
        str(TINY),
        "--out",
        str(out),
        "--epochs",
        "12",
        "--seed",
        "1",
        home=tmp_path,
    )
    assert trained.returncode == 0, trained.stderr
    assert "12 pairs read, 12 kept" in trained.stdout
    assert "training 1 network(s) on 12 pairs" in trained.stdout
    assert f"saved model to {out}" in trained.stdout
    assert (out / "model.keras").is_file() and (out / "training_curve.png").is_file()
    assert not (out / "generator.keras").exists()  # qa.mode select: no generation head

    again = run("train", "--if-missing", "--out", str(out), home=tmp_path)
    assert again.returncode == 0 and "already trained" in again.stdout
    _assert_an_older_format_is_retrained_by_if_missing(out, tmp_path)

    config = tmp_path / "bot.yaml"
    config.write_text(f"store: memory\nresponders: [qa]\nqa:\n  model_dir: {out}\n")
    asked = run("ask", "--json", "-c", str(config), "Who wrote Hamlet?", home=tmp_path)
    assert asked.returncode == 0, asked.stderr
    reply = json.loads(asked.stdout)
    assert reply["source"] == "qa"

    dev = tmp_path / "dev.yml"
    dev.write_text(
        "paraphrases:\n  - ['hamlet who wrote it', 'Who wrote Hamlet?']\n"
        "out_of_domain:\n  - how do i bake bread\n"
    )
    scored = run("eval", "--json", "--model", str(out), "--data", str(dev), home=tmp_path)
    assert scored.returncode == 0, scored.stderr
    report = json.loads(scored.stdout)
    assert report["lstm"]["exact_accuracy"] is not None
    assert report["lstm"]["latency_ms"]["runs"] == 2
    assert set(report) >= {"lstm", "tfidf", "model"}


def _assert_an_older_format_is_retrained_by_if_missing(out: Path, home: Path) -> None:
    """``make chat`` runs ``train --if-missing``: after an upgrade it must not keep a model the
    new version refuses to load."""
    metadata = out / "metadata.json"
    meta = json.loads(metadata.read_text())
    meta["format_version"] = 4
    metadata.write_text(json.dumps(meta))
    args = ("train", "--if-missing", "--data", str(TINY), "--out", str(out), "--epochs", "2")
    retrained = run(*args, home=home)
    assert retrained.returncode == 0, retrained.stderr
    assert "has format 4; training the current format" in retrained.stdout
    assert json.loads(metadata.read_text())["format_version"] != 4


def test_chat_without_a_model_says_how_to_train(tmp_path):
    config = tmp_path / "bot.yaml"
    config.write_text("store: memory\nresponders: [qa]\n")
    result = run("ask", "-c", str(config), "hello", home=tmp_path)
    assert result.returncode == 4
    assert "chatcore train" in result.stderr and "Traceback" not in result.stderr


def test_data_check_reports_and_bad_data_has_no_traceback(tmp_path):
    result = run("data", "check", str(TINY), home=tmp_path)
    assert result.returncode == 0
    assert "pairs: 12" in result.stdout
    assert "prompts with several answers (the reply varies): 1" in result.stdout
    assert "'tell me a joke': 3 answers" in result.stdout
    two = tmp_path / "two.csv"  # exactly two answers used to go unreported
    two.write_text("question,answer\nhi,hello\nhi,hey there\nbye,see you\n", encoding="utf-8")
    reported = run("data", "check", str(two), home=tmp_path)
    assert "prompts with several answers (the reply varies): 1" in reported.stdout
    assert "'hi': 2 answers" in reported.stdout
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "hi"}\n')
    failed = run("train", "--data", str(bad), "--out", str(tmp_path / "m"), home=tmp_path)
    assert failed.returncode == 5
    assert f"{bad}:1:" in failed.stderr and "Traceback" not in failed.stderr
