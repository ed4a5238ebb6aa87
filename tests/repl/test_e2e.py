"""``chatcore chat`` as a real process: in a pseudo-terminal (pexpect) and with piped stdin."""

from __future__ import annotations

import signal
import stat
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from chatcore.testing.terminal import as_foreground_job, pty_env

HELPERS = Path(__file__).parent / "helpers"
CHATCORE = str(Path(sys.executable).with_name("chatcore"))
CONFIG = """\
plugins: {modules: [repl_test_plugin]}
responders: [parrot]
filters: {input: [nobad], output: []}
"""
PROMPT = "you> "


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "chatcore.yaml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


def env_for(home: Path) -> dict[str, str]:
    return pty_env(home, HELPERS)


def spawn(home: Path, *args: str, config: str = "chatcore.yaml") -> pexpect.spawn:
    command = as_foreground_job([CHATCORE, "chat", "--config", str(home / config), *args])
    return pexpect.spawn(
        command[0],
        command[1:],
        env=env_for(home),
        cwd=str(home),
        encoding="utf-8",
        timeout=15,
        dimensions=(24, 80),
    )


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def test_a_session_in_a_terminal_then_another_continues_it(home):
    child = spawn(home)
    child.expect("parrot-test")
    child.expect(PROMPT)
    child.sendline("hello")
    child.expect("bot> Hello! I am the test bot.")
    child.expect(PROMPT)
    child.sendline("你好")
    child.expect("bot> 你好！我是测试机器人。")
    child.expect(PROMPT)
    child.send("never sent")
    child.sendcontrol("c")  # drops the line
    child.expect(PROMPT)
    child.sendline("slow 0.6 late answer")
    child.expect("thinking…")
    child.expect("bot> echo: late answer")
    child.expect(PROMPT)
    pasted = "\r".join(f"pasted line {i}" for i in range(50))
    child.send(f"\x1b[200~{pasted}\x1b[201~\r")  # a bracketed paste, then Enter
    child.expect("bot> got 50 lines: pasted line 0")
    child.expect(PROMPT)
    child.setwinsize(30, 36)  # a narrower terminal: wide characters wrap, chat goes on
    child.sendline("中文宽字符测试中文宽字符测试中文宽字符测试")
    child.expect("bot> echo: 中文宽字符测试")
    child.expect(PROMPT)
    child.sendcontrol("d")
    assert finish(child) == 0
    assert "never sent" not in child.before

    history = home / "repl" / "history"
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    text = history.read_text(encoding="utf-8")
    assert "+hello\n" in text and "+你好\n" in text and "never sent" not in text

    child = spawn(home)
    child.expect(PROMPT)
    child.sendline("/history 10")
    child.expect(r"you: hello\s+bot: Hello! I am the test bot.")
    child.expect("bot: 你好！我是测试机器人。")
    child.expect(PROMPT)
    child.sendline("/quit")
    assert finish(child) == 0


def test_verbose_flag_and_refusal_in_a_terminal(home):
    child = spawn(home, "--verbose")
    child.expect(PROMPT)
    child.sendline("mystery")
    child.expect("I don't know that yet")
    child.expect(r"\(confidence 0\.10, fallback, source parrot\)")
    child.expect(PROMPT)
    child.sendline("a badword here")
    child.expect(r"bot> \[refused\] Sorry, I can't respond to that")
    child.expect(PROMPT)
    child.sendline("/quit")
    assert finish(child) == 0


def test_ctrl_c_while_waiting_drops_the_reply_and_sigterm_stops(home):
    child = spawn(home)
    child.expect(PROMPT)
    child.sendline("slow 30 never")
    child.expect("thinking…")
    child.sendintr()  # the terminal turns Ctrl-C into SIGINT outside the prompt
    child.expect(r"\(cancelled\)")
    child.expect(PROMPT)
    child.sendline("hello")
    child.expect("bot> Hello! I am the test bot.")
    child.expect(PROMPT)
    child.sendline("slow 30 never")
    child.expect("thinking…")
    child.kill(signal.SIGTERM)
    assert finish(child) == 0
    assert "Traceback" not in child.before and "never" not in child.before.split("thinking")[-1]


def test_the_prompt_comes_before_a_slow_engine(home):
    (home / "slow.yaml").write_text(CONFIG.replace("[parrot]", "[sloth]"), encoding="utf-8")
    child = spawn(home, config="slow.yaml")
    child.expect(PROMPT)
    child.sendline("hello")  # typed while the responder is still being built
    child.expect("Model: parrot-test")
    child.expect("bot> Hello! I am the test bot.")
    child.expect(PROMPT)
    child.sendcontrol("d")
    assert finish(child) == 0


def test_leaving_before_the_engine_is_ready(home):
    (home / "slow.yaml").write_text(CONFIG.replace("[parrot]", "[sloth]"), encoding="utf-8")
    child = spawn(home, config="slow.yaml")
    child.expect(PROMPT)
    child.sendcontrol("d")
    assert finish(child) == 0
    assert "Traceback" not in child.before


def run_piped(home: Path, text: str, config: str = "chatcore.yaml"):
    return subprocess.run(
        [CHATCORE, "chat", "--config", str(home / config)],
        input=text,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env_for(home),
        cwd=home,
        timeout=60,
    )


def test_piped_stdin_prints_plain_replies(home):
    result = run_piped(home, "hello\n你好\n\n/verbose on\nmystery\n/quit\nhello\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Hello! I am the test bot.",
        "你好！我是测试机器人。",
        "Verbose replies are on.",
        "I don't know that yet. Could you say it another way?",
        "(confidence 0.10, fallback, source parrot)",
    ]
    assert "\x1b" not in result.stdout + result.stderr
    assert not (home / "repl" / "history").exists()  # typed history is for terminals


def test_missing_model_is_one_clear_message(home):
    missing = home / "no-model"
    (home / "qa.yaml").write_text(
        f"responders: [qa]\nqa: {{model_dir: {missing}}}\nfilters: {{input: [], output: []}}\n",
        encoding="utf-8",
    )
    result = run_piped(home, "hello\n", config="qa.yaml")
    assert result.returncode == 4
    assert f"no trained model in {missing}" in result.stderr
    assert f"chatcore train --out {missing}" in result.stderr
    assert "Traceback" not in result.stderr
    child = spawn(home, config="qa.yaml")
    child.expect("no trained model in")
    assert finish(child) == 4
    assert "Traceback" not in child.before


def _shop_config(home: Path, model_dir: Path) -> str:
    (home / "shop.yaml").write_text(
        f"responders: [qa]\nqa: {{model_dir: {model_dir}}}\n", encoding="utf-8"
    )
    return "shop.yaml"


def test_piped_follow_ups_in_english_and_chinese(home, shop_model_dir):
    config = _shop_config(home, shop_model_dir)
    text = "/verbose on\ndo you rent bikes?\nhow much?\n你们修补轮胎吗\n多少钱？\n"
    result = run_piped(home, text, config=config)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[3] == "Renting a bike costs £20 a day."
    assert "in context, read as: How much does it cost to rent a bike?" in lines[4]
    assert lines[7] == "补胎一次十二元。"
    assert "in context, read as: 补胎多少钱?" in lines[8]


def test_a_follow_up_in_a_terminal(home, shop_model_dir):
    child = spawn(home, "--verbose", config=_shop_config(home, shop_model_dir))
    child.expect(PROMPT, timeout=60)
    child.sendline("do you rent bikes?")
    child.expect("bot> Yes, we rent city bikes by the day.", timeout=60)
    child.expect(PROMPT)
    child.sendline("how much?")
    child.expect("bot> Renting a bike costs £20 a day.")
    child.expect("in context, read as")
    child.expect(PROMPT)
    child.sendline("/quit")
    assert finish(child) == 0
