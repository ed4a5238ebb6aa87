"""``chatcore chat`` startup: seconds from launch to a usable prompt, in a pseudo-terminal.

Rows: ``chatcore --help`` (the baseline: Python, click and plugin discovery), the REPL with a
trivial responder (what the frontend itself costs), and the default config (QA model,
moderation filters, sqlite store) when a trained default model exists. The QA model loads in
the background, so the prompt should not wait for it; the last column shows when the first
answer arrives. Target (issue #6): prompt < 1.5 s on 2 cores.

python -m bench startup
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Stats, table, time_runs
from chatcore.testing.terminal import pty_env

RUNS = 10
ROOT = Path(__file__).resolve().parent.parent
CHATCORE = str(Path(sys.executable).with_name("chatcore"))
TEST_CONFIG = """\
plugins: {modules: [repl_test_plugin]}
responders: [parrot]
filters: {input: [], output: []}
"""


def _env(home: Path) -> dict[str, str]:
    return pty_env(home, ROOT / "tests" / "repl" / "helpers")


def _help() -> None:
    subprocess.run([CHATCORE, "--help"], check=True, capture_output=True)


def _chat(config: Path, home: Path, first_answer: list[float] | None = None) -> float:
    """Launch, wait for the prompt, optionally time one answer, then Ctrl-D. Returns the
    milliseconds to the first prompt."""
    import pexpect

    started = time.perf_counter()
    child = pexpect.spawn(
        CHATCORE, ["chat", "--config", str(config)], env=_env(home), encoding="utf-8", timeout=120
    )
    child.expect("you> ")
    to_prompt = (time.perf_counter() - started) * 1000
    if first_answer is not None:
        child.sendline("hello")
        child.expect("bot> ")
        first_answer.append((time.perf_counter() - started) * 1000)
        child.expect("you> ")  # a ^D typed before the prompt is back is eaten by the tty
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    if child.exitstatus != 0:
        raise RuntimeError(f"chatcore chat exited with {child.exitstatus}: {child.before!r}")
    return to_prompt


def _prompt_times(func, runs: int = RUNS, warmup: int = 1) -> Stats:
    """Like ``time_runs``, but each run reports its own time to the prompt (the shutdown
    after Ctrl-D is not startup)."""
    for _ in range(warmup):
        func()
    return Stats(tuple(func() for _ in range(runs)))


def _default_model() -> Path | None:
    """The trained default model `chatcore train` wrote, if any."""
    home = os.environ.get("CHATCORE_HOME")
    if home:
        base = Path(home)
    else:
        import platformdirs

        base = Path(platformdirs.user_data_dir("chatcore", appauthor=False))
    path = base / "models" / "default"
    return path if (path / "metadata.json").is_file() else None


def _row(name: str, stats: Stats, answers: list[float] | None = None) -> list[str]:
    first = f"{Stats(tuple(answers[-RUNS:])).median:.0f}" if answers else "-"  # no warm-up
    return [name, f"{stats.median:.0f}", f"{stats.p95:.0f}", first]


def main() -> None:
    rows = [_row("chatcore --help (baseline)", time_runs(_help, RUNS, warmup=1))]
    with tempfile.TemporaryDirectory(prefix="chatcore-bench-") as tmp:
        home = Path(tmp)
        config = home / "repl.yaml"
        config.write_text(TEST_CONFIG, encoding="utf-8")
        stats = _prompt_times(lambda: _chat(config, home))
        rows.append(_row("chat, trivial responder", stats))
        model = _default_model()
        if model is not None:
            (home / "models").mkdir()
            (home / "models" / "default").symlink_to(model)
            answers: list[float] = []
            default = ROOT / "configs" / "default.yaml"
            stats = _prompt_times(lambda: _chat(default, home, answers))
            rows.append(_row("chat, configs/default.yaml (QA + moderation)", stats, answers))
    headers = ["command", "to prompt ms median", "p95", "first answer ms median"]
    print(table(f"chatcore chat startup in a pty, {RUNS} runs (+1 warm-up)", headers, rows))
    if model is None:
        print("no trained default model (run `chatcore train`): default-config row skipped")
