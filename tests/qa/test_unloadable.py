"""A model directory that passes its hash check but cannot load (issue #17 row 6) is one clear
error and a non-zero exit before anyone is served, never a clean start and an error reply to
every user."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chatcore.builtin.qa.errors import ModelFormatError
from chatcore.builtin.qa.model import modeldir
from chatcore.tfquiet import quiet_env

CHATCORE = str(Path(sys.executable).with_name("chatcore"))


def _rehashed(model_dir: Path, name: str, content: bytes) -> None:
    """Replace a file and its hash in metadata.json, as a careless operator's edit would."""
    (model_dir / name).write_bytes(content)
    meta_path = model_dir / modeldir.METADATA
    metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    metadata["files"][name] = hashlib.sha256(content).hexdigest()
    meta_path.write_text(json.dumps(metadata), encoding="utf-8")


@pytest.fixture(params=["answers", "settings", "keras"])
def broken(request, tiny_model_dir, tmp_path) -> Path:
    return _broken(tiny_model_dir, tmp_path / "broken", request.param)


def _broken(tiny_model_dir: Path, model_dir: Path, how: str) -> Path:
    shutil.copytree(tiny_model_dir, model_dir)
    if how == "answers":
        _rehashed(model_dir, "answers.json", b'[{"answers": 3}]')
    elif how == "settings":
        _rehashed(model_dir, "settings.json", b'{"temperature": "hot"}')
    else:  # the Keras file damaged, the fast-path cache gone: Keras must read it
        for entry in model_dir.glob(".fastpath-*"):
            entry.unlink()
        data = bytearray((model_dir / "model.keras").read_bytes())
        data[len(data) // 2 : len(data) // 2 + 64] = b"\0" * 64
        _rehashed(model_dir, "model.keras", bytes(data))
    return model_dir


def test_loading_it_is_a_model_format_error_naming_the_directory(broken):
    from chatcore.builtin.qa.serve.predictor import Predictor

    with pytest.raises(ModelFormatError, match=str(broken)):
        Predictor.load(broken)


def _run(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHATCORE, *args, "-c", str(home / "bot.yaml")],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=home,
        timeout=120,
        env={**quiet_env(), "CHATCORE_HOME": str(home)},
    )


def test_ask_and_chat_fail_fast_with_one_line(tiny_model_dir, tmp_path):
    broken = _broken(tiny_model_dir, tmp_path / "broken", "answers")
    (tmp_path / "bot.yaml").write_text(
        f"responders: [qa]\nqa: {{model_dir: {broken}}}\n", encoding="utf-8"
    )
    ask = _run(tmp_path, "ask", "hello")
    assert ask.returncode == ModelFormatError.exit_code, ask.stdout + ask.stderr
    assert "Traceback" not in ask.stderr and str(broken) in ask.stderr
    assert ask.stdout == ""  # no "something went wrong" reply
    chat = _run(tmp_path, "chat", stdin="hello\n")
    assert chat.returncode == ModelFormatError.exit_code, chat.stdout + chat.stderr
    assert "Traceback" not in chat.stderr and str(broken) in chat.stderr
