"""The fast-path cache: a second load of a model serves from the cached NumPy pass without
Keras (or TensorFlow) and gives the graph's answers; any doubt sends it back through Keras."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from chatcore.builtin.qa.model import modeldir
from chatcore.builtin.qa.serve import fastload
from chatcore.builtin.qa.serve.predictor import FAST_BATCH, Predictor
from chatcore.tfquiet import quiet_env

TEXTS = ["What is your name?", "你叫什么名字？", "who wrote it, hamlet", "xq zvvk plomf", ""]


@pytest.fixture
def cold(tiny_model_dir, tmp_path):
    """A copy of the tiny model directory without a cache entry."""
    return cold_copy(tiny_model_dir, tmp_path / "tiny")


def cold_copy(model_dir, to):
    shutil.copytree(model_dir, to, ignore=shutil.ignore_patterns(f"{fastload.PREFIX}*"))
    return to


@pytest.fixture(scope="module")
def graph(tiny_model_dir):
    return Predictor.load(tiny_model_dir, fast=False)


def _entries(model_dir):
    return sorted(model_dir.glob(f"{fastload.PREFIX}*"))


def test_second_load_serves_from_the_cache_with_the_graphs_answers(cold, graph):
    first = Predictor.load(cold)
    assert first.fast and len(_entries(cold)) == 1
    second = Predictor.load(cold)
    assert second._model is None  # Keras was never loaded
    np.testing.assert_allclose(second.probabilities(TEXTS), graph.probabilities(TEXTS), atol=1e-5)
    for text in TEXTS:
        assert second.predict(text).index == graph.predict(text).index


def test_big_batches_stay_on_numpy_and_keras_loads_on_demand(cold, graph):
    Predictor.load(cold)
    cached = Predictor.load(cold)
    texts = TEXTS * (FAST_BATCH // len(TEXTS) + 1)  # more than one NumPy chunk
    np.testing.assert_allclose(cached.probabilities(texts), graph.probabilities(texts), atol=1e-5)
    assert cached._model is None
    assert cached.model.name == "chatcore_qa_ensemble"  # loaded now, on first use


def test_a_changed_model_misses_the_cache(cold):
    files = modeldir.load_files(cold)
    Predictor.load(cold)
    files.metadata["files"] = {**files.metadata["files"], "model.keras": "0" * 64}
    assert fastload.load(files) is None


def test_an_unreadable_entry_is_ignored_and_replaced(cold, graph, caplog):
    Predictor.load(cold)
    [entry] = _entries(cold)
    entry.write_bytes(b"not an npz")
    predictor = Predictor.load(cold)
    assert predictor._model is not None  # went through Keras again
    assert "unreadable fast-path cache" in caplog.text
    assert predictor.predict(TEXTS[0]).index == graph.predict(TEXTS[0]).index
    assert Predictor.load(cold)._model is None  # the entry was rewritten


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty"])
def test_a_damaged_entry_is_never_served_and_is_rebuilt(cold, graph, caplog, damage):
    """A truncated or byte-flipped entry (the model's hashes do not cover it) used to escape
    the loader as BadZipFile, and every reply after a restart was an error."""
    Predictor.load(cold)
    [entry] = _entries(cold)
    content = entry.read_bytes()
    if damage == "truncate":
        entry.write_bytes(content[: len(content) // 2])
    elif damage == "flip":
        middle = len(content) // 2
        entry.write_bytes(
            content[:middle] + bytes([content[middle] ^ 0xFF]) + content[middle + 1 :]
        )
    else:
        entry.write_bytes(b"")
    predictor = Predictor.load(cold)
    assert predictor._model is not None  # through Keras again, not from the damaged entry
    assert "unreadable fast-path cache" in caplog.text
    for text in TEXTS:
        assert predictor.predict(text).index == graph.predict(text).index
    [rebuilt] = _entries(cold)
    assert rebuilt.read_bytes() == content
    assert Predictor.load(cold)._model is None


def test_a_killed_writers_temporary_file_is_removed(cold):
    Predictor.load(cold)
    old = cold / f"{fastload.PREFIX}abc.tmp"
    fresh = cold / f"{fastload.PREFIX}def.tmp"
    old.write_bytes(b"x" * 100)
    fresh.write_bytes(b"x")
    hour_ago = os.stat(old).st_mtime - fastload.STALE_SECONDS - 1
    os.utime(old, (hour_ago, hour_ago))
    Predictor.load(cold)
    assert not old.exists() and fresh.exists()  # a writer may still own the fresh one


def test_entries_of_older_code_are_removed(cold):
    stale = cold / f"{fastload.PREFIX}{'0' * 32}-{'0' * 16}.npz"
    stale.write_bytes(b"x")
    Predictor.load(cold)
    assert _entries(cold) == fastload.entries(modeldir.load_files(cold))
    assert len(_entries(cold)) == 1


def test_a_read_only_model_directory_still_loads(cold, graph):
    os.chmod(cold, 0o555)
    try:
        predictor = Predictor.load(cold)
    finally:
        os.chmod(cold, 0o755)
    if os.geteuid() != 0:  # root writes anyway
        assert _entries(cold) == []
    assert predictor.fast
    assert predictor.predict(TEXTS[0]).index == graph.predict(TEXTS[0]).index


def test_a_serving_process_with_a_warm_cache_never_imports_tensorflow(cold):
    Predictor.load(cold)
    code = (
        "import sys\n"
        "from chatcore.builtin.qa.serve.predictor import Predictor\n"
        "p = Predictor.load(sys.argv[1])\n"
        "print(p.predict('What is your name?').answers, 'tensorflow' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(cold)],
        capture_output=True,
        text=True,
        check=True,
        env=quiet_env(),
    )
    assert out.stdout.strip() == "('My name is Tiny Bot.',) False"


def test_training_leaves_the_cache_ready(tmp_path):
    """The first chat after ``chatcore train`` already starts without TensorFlow."""
    from click.testing import CliRunner

    from chatcore.builtin.qa.cli import train_command
    from tests.qa.conftest import TINY

    out = tmp_path / "bot"
    args = ["--data", str(TINY), "--out", str(out), "--epochs", "1", "--networks", "1"]
    result = CliRunner().invoke(train_command, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "training 1 network(s)" in result.output and "network 1 of" not in result.output
    assert modeldir.load_files(out).settings["train"]["ensemble"] == 1
    assert _entries(out) == fastload.entries(modeldir.load_files(out)) and _entries(out)
    assert Predictor.load(out)._model is None
