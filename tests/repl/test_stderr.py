"""Writes to descriptor 2 while the prompt runs (TensorFlow's C++ logs, early logging
handlers) print above the prompt, never over the line being typed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect

from chatcore.builtin.repl.stderr import stderr_above_prompt
from chatcore.testing.terminal import pty_env

HELPERS = Path(__file__).parent / "helpers"
CHATCORE = str(Path(sys.executable).with_name("chatcore"))


def test_descriptor_2_goes_through_the_writer_and_is_restored():
    before = os.fstat(2)
    seen: list[str] = []
    with stderr_above_prompt(seen.append):
        os.write(2, "C-level 中文 line\n".encode())
        os.write(2, "界".encode()[:2])  # a character split across two writes
        os.write(2, "界".encode()[2:] + b"\n")
        assert os.fstat(2).st_ino != before.st_ino
    after = os.fstat(2)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)
    assert "".join(seen) == "C-level 中文 line\n界\n"


def test_a_failing_writer_loses_the_text_but_not_the_terminal():
    def broken(text: str) -> None:
        raise OSError("terminal gone")

    with stderr_above_prompt(broken):
        os.write(2, b"dropped\n")
    os.write(2, b"")  # descriptor 2 is usable again


def test_noise_on_descriptor_2_is_printed_above_the_prompt(tmp_path):
    config = tmp_path / "noisy.yaml"
    config.write_text("plugins: {modules: [noisy_plugin]}\nresponders: [noisy]\n", "utf-8")
    env = pty_env(tmp_path, HELPERS, NOISY_DELAY="0.8")
    child = pexpect.spawn(
        CHATCORE, ["chat", "-c", str(config)], env=env, encoding="utf-8", timeout=15
    )
    child.expect_exact("you> ")
    child.send("half typed")
    child.expect_exact("NOISE from C: 模型已加载 (model loaded)")
    # the prompt and the unfinished line are drawn again below the noise
    child.expect_exact("you> ")
    child.expect_exact("half typed")
    child.send(" line\r")
    child.expect_exact("echo: half typed line")
    child.expect_exact("you> ")  # a ^D typed before the prompt is back is eaten by the tty
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
