"""The command line as a user runs it: a real `chatcore` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.thirdparty import install_fake_distribution

CHATCORE = [sys.executable, "-m", "chatcore"]


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None, cwd=None):
    full_env = {**os.environ, "CHATCORE_HOME": str(Path(cwd or ".").resolve()), **(env or {})}
    return subprocess.run(
        [*CHATCORE, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture
def memory_config(tmp_path) -> Path:
    path = tmp_path / "memory.yaml"
    path.write_text("store: memory\nresponders: []\n", encoding="utf-8")
    return path


def test_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("chat", "serve", "ask", "plugins", "config"):
        assert f"\n  {command} " in result.stdout


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys\n"
        "from chatcore.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('tensorflow', 'telegram', 'prompt_toolkit', 'keras') "
        "if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr


def test_ask_one_question_answers_with_fallback_text(tmp_path, memory_config):
    result = run("ask", "what is the meaning of life", "--config", str(memory_config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "I don't know that yet. Could you say it another way?"


def test_ask_stdin_writes_one_json_object_per_line(tmp_path, memory_config):
    result = run(
        "ask", "-", "--config", str(memory_config), stdin="hello\n\n你好\n/help\n", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3  # the blank line is skipped
    for line in lines:
        assert {"text", "confidence", "fallback", "source", "verdicts", "latency_ms"} <= set(line)
    assert lines[0]["fallback"] is True and lines[0]["source"] == "fallback"
    assert lines[1]["text"] == "这个我还不知道。能换个说法吗？"
    assert lines[2]["source"] == "command:help"


def test_plugins_json_lists_builtins_and_third_party(tmp_path):
    site = install_fake_distribution(tmp_path / "site")
    result = run("plugins", "--json", env={"PYTHONPATH": str(site)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    plugins = {p["name"]: p for p in json.loads(result.stdout)}
    assert plugins["core"]["builtin"] is True
    assert plugins["shout"]["distribution"] == "chatcore-shout"
    assert plugins["shout"]["version"] == "1.2.3"
    assert "responder:shout" in plugins["shout"]["components"]
    text = run("plugins", env={"PYTHONPATH": str(site)}, cwd=tmp_path).stdout
    assert "shout (chatcore-shout 1.2.3) [chatcore_shout]" in text


def test_config_error_exits_2_with_one_readable_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("engine:\n  rate_limit:\n    mesages: 3\n", encoding="utf-8")
    result = run("config", "check", str(bad), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"chatcore: error: {bad}:3: engine.rate_limit.mesages: unknown key (did you mean messages?)"
    )
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_config_check_prints_resolved_config_with_secrets_masked(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(
        "store: memory\nmessages:\n  en:\n    fallback: ${SECRET_FALLBACK}\n", encoding="utf-8"
    )
    result = run("config", "check", str(good), env={"SECRET_FALLBACK": "hush"}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "hush" not in result.stdout
    assert "fallback: '***'" in result.stdout
    assert "context_turns: 6" in result.stdout  # defaults filled in
    assert "OK" in result.stderr


def test_config_show_prints_effective_defaults(tmp_path):
    result = run("config", "show", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "engine:" in result.stdout and "max_message_chars: 4000" in result.stdout


def test_missing_env_var_is_a_config_error(tmp_path):
    path = tmp_path / "env.yaml"
    path.write_text("data_dir: ${NOT_SET_ANYWHERE}\n", encoding="utf-8")
    result = run("config", "check", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert "data_dir: environment variable NOT_SET_ANYWHERE is not set" in result.stderr


def test_ask_stdin_is_not_rate_limited(tmp_path, memory_config):
    questions = "".join(f"question {i}\n" for i in range(30))
    result = run("ask", "-", "--config", str(memory_config), stdin=questions, cwd=tmp_path)
    kinds = [json.loads(line)["kind"] for line in result.stdout.splitlines()]
    assert kinds == ["answer"] * 30, result.stderr


async def test_sigterm_while_the_engine_starts_closes_what_it_opened():
    """`chatcore serve` takes SIGTERM from the first moment: a component still starting is
    cancelled and everything already opened is closed (no frontend ever runs)."""
    import asyncio
    import signal

    from chatcore import hookimpl
    from chatcore.cli import run_frontend
    from chatcore.testing import make_runtime

    events: list[str] = []
    starting = asyncio.Event()

    class SlowStart:
        async def start(self) -> None:
            events.append("start")
            starting.set()
            await asyncio.sleep(60)

        async def close(self) -> None:
            events.append("close")

        async def respond(self, message, context):
            return None

    class Frontend:
        async def run(self, engine) -> None:
            events.append("frontend ran")

    class Plugin:
        @hookimpl
        def chatcore_register_responders(self, register):
            register("slow", lambda s, r: SlowStart())

        @hookimpl
        def chatcore_register_frontends(self, register):
            register("probe", lambda s, r: Frontend())

    runtime = make_runtime({"responders": ["slow"]}, plugins=[("probe", Plugin())])
    # If run_frontend did not take SIGTERM, this handler would (not the default: it would
    # kill the whole test session), and the serving task would time out below.
    previous = signal.signal(signal.SIGTERM, lambda *_: events.append("unhandled SIGTERM"))
    try:
        serving = asyncio.ensure_future(run_frontend(runtime, "probe"))
        await asyncio.wait_for(starting.wait(), 10)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(serving, 10)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert events == ["start", "close"]
