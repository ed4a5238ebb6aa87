"""The supervisor of ``chatcore serve NAME --workers N`` (chatcore/builtin/workers/supervisor.py):
the restart back-off, SIGUSR1 passed to every child, SIGTERM to the children when it stops, and
``--workers`` refusing an explicit ``--role``. The process tests run ``supervise`` in this
process with stand-in children (small Python scripts), not chatcore's gateway and workers."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from chatcore.builtin.workers import supervisor
from chatcore.builtin.workers.supervisor import Backoff, supervise
from chatcore.cli import build_cli

RUNTIME = SimpleNamespace(config=SimpleNamespace(source=None))
SETTINGS = SimpleNamespace(restart_delay=0.05, drain_seconds=0)
LOGGER = "chatcore.builtin.workers.supervisor"

CHILD = r"""
import os, signal, sys, time
from pathlib import Path

out, pid = Path(sys.argv[1]), os.getpid()

def on_usr1(sig, frame):
    (out / f"usr1-{pid}").write_text("")

def on_term(sig, frame):
    (out / f"term-{pid}").write_text("")
    sys.exit(0)

signal.signal(signal.SIGUSR1, on_usr1)
signal.signal(signal.SIGTERM, on_term)
(out / f"ready-{pid}").write_text("")
while True:
    time.sleep(0.05)
"""
"""A child that says when it is ready, when SIGUSR1 reached it, and when SIGTERM did."""


def use_children(monkeypatch: pytest.MonkeyPatch, *children: tuple[str, list[str]]) -> None:
    monkeypatch.setattr(supervisor, "child_commands", lambda *args: list(children))


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def stopped(task: asyncio.Task) -> None:
    """Cancel the supervisor as SIGTERM does; it stops its children and returns."""
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 15)


def pids(directory: Path, kind: str) -> set[int]:
    return {int(p.name.split("-", 1)[1]) for p in directory.glob(f"{kind}-*")}


# ---------------------------------------------------------------------------- the back-off


def test_quick_failures_double_the_delay_up_to_30_seconds():
    backoff = Backoff(0.5)
    delays = [backoff.next_delay(ran_for=0.1) for _ in range(9)]
    assert delays == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]


def test_a_child_that_ran_a_minute_starts_over_at_the_restart_delay():
    backoff = Backoff(1.0)
    assert [backoff.next_delay(2.0) for _ in range(3)] == [1, 2, 4]
    assert backoff.next_delay(60.0) == 1  # ran 60 s: a new failure, not one more quick one
    assert backoff.next_delay(59.9) == 2
    assert backoff.next_delay(3600.0) == 1


def test_a_restart_delay_above_the_ceiling_is_kept_and_zero_stays_zero():
    large = Backoff(45.0)
    assert [large.next_delay(0.0) for _ in range(3)] == [45, 45, 45]
    none = Backoff(0.0)
    assert [none.next_delay(0.0) for _ in range(3)] == [0, 0, 0]


# ---------------------------------------------------------------------------- processes


@pytest.mark.e2e
@pytest.mark.slow
async def test_a_child_that_dies_at_once_is_restarted_after_growing_delays(monkeypatch, caplog):
    use_children(monkeypatch, ("worker-1", [sys.executable, "-c", "import sys; sys.exit(3)"]))
    caplog.set_level(logging.INFO, logger=LOGGER)

    def restarts() -> list[logging.LogRecord]:
        return [r for r in caplog.records if "restarting in" in r.getMessage()]

    task = asyncio.create_task(supervise(RUNTIME, SETTINGS, "telegram", 1, None))
    await until(lambda: len(restarts()) >= 4)
    await stopped(task)
    logged = restarts()
    delays = [float(re.search(r"restarting in ([\d.]+) s", r.getMessage())[1]) for r in logged]
    assert delays[:4] == [0.05, 0.1, 0.2, 0.4]
    assert all("worker-1" in r.getMessage() and "exited with 3" in r.getMessage() for r in logged)
    for before, after, delay in zip(logged, logged[1:4], delays, strict=False):
        assert after.created - before.created >= delay - 0.005  # waited before the restart


@pytest.mark.e2e
async def test_sigusr1_reaches_every_child_and_stopping_sends_them_sigterm(
    monkeypatch, tmp_path, caplog
):
    argv = [sys.executable, "-c", CHILD, str(tmp_path)]
    use_children(monkeypatch, ("gateway", argv), ("worker-1", argv))
    caplog.set_level(logging.INFO, logger=LOGGER)
    default = signal.getsignal(signal.SIGUSR1)
    task = asyncio.create_task(supervise(RUNTIME, SETTINGS, "telegram", 1, None))
    await until(lambda: len(pids(tmp_path, "ready")) == 2)
    children = pids(tmp_path, "ready")
    # the supervisor's handler is in place (else SIGUSR1 would end this test process)
    assert signal.getsignal(signal.SIGUSR1) not in (default, signal.SIG_DFL, signal.SIG_IGN)
    os.kill(os.getpid(), signal.SIGUSR1)
    await until(lambda: pids(tmp_path, "usr1") == children)
    assert any("SIGUSR1 passed to gateway, worker-1" in r.getMessage() for r in caplog.records)
    await stopped(task)
    assert pids(tmp_path, "term") == children
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # exited and reaped
    assert signal.getsignal(signal.SIGUSR1) == default  # the handler is gone again
    assert not any("restarting" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------------------- the command line


@pytest.mark.parametrize("role", ["gateway", "worker"])
def test_workers_with_an_explicit_role_is_a_usage_error(role):
    args = ["serve", "telegram", "--workers", "2", "--role", role]
    result = CliRunner().invoke(build_cli(args), args)
    assert result.exit_code == 2, result.output
    assert "--workers runs a gateway and N workers itself; use --role without it" in result.output
