"""``chatcore serve NAME --workers N``: one gateway and N workers as child processes.

Each child is the same command a deployment on several machines runs by hand
(``chatcore serve NAME --role gateway``, ``chatcore worker``), with the same config and
environment, so one machine and many behave alike. A child that exits without being asked
to is restarted after ``restart_delay``, doubled after each quick failure up to 30 s
(``Backoff``); SIGUSR1 is passed to every child (each logs its state); SIGTERM (or SIGINT) is
passed to every child, which drains, and this process exits once they all have.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from typing import Any

log = logging.getLogger(__name__)
MAX_RESTART_DELAY = 30.0
STEADY_SECONDS = 60.0  # a child that ran this long before exiting starts over at restart_delay


class Backoff:
    """The wait before restarting one child: ``base`` at first, doubled after each quick
    failure up to ``ceiling`` (or ``base`` if larger); back to ``base`` once a child ran
    ``steady`` seconds before exiting."""

    def __init__(
        self, base: float, ceiling: float = MAX_RESTART_DELAY, steady: float = STEADY_SECONDS
    ) -> None:
        self.base = base
        self.ceiling = max(ceiling, base)
        self.steady = steady
        self._next = base

    def next_delay(self, ran_for: float) -> float:
        """The delay before restarting a child that exited after running ``ran_for`` seconds."""
        if ran_for >= self.steady:
            self._next = self.base
        delay = self._next
        self._next = min(delay * 2, self.ceiling)
        return delay


def child_commands(
    config_path: str | None, channel: str, workers: int, ops_port: int | None
) -> list[tuple[str, list[str]]]:
    """(name, argv) of the gateway and each worker."""
    base = [sys.executable, "-m", "chatcore"]
    config = ["--config", config_path] if config_path else []

    def port(offset: int) -> list[str]:
        return [] if ops_port is None else ["--ops-port", str(ops_port + offset)]

    children = [("gateway", [*base, "serve", channel, "--role", "gateway", *config, *port(0)])]
    for index in range(workers):
        children.append((f"worker-{index + 1}", [*base, "worker", *config, *port(index + 1)]))
    return children


async def supervise(
    runtime: Any, settings: Any, channel: str, workers: int, ops_port: int | None
) -> None:
    """Run the children until cancelled; then stop them in order (SIGTERM, drain, wait).
    SIGUSR1 meanwhile is passed to every running child."""
    source = runtime.config.source
    children = child_commands(str(source) if source else None, channel, workers, ops_port)
    stopping = asyncio.Event()
    running: dict[str, asyncio.subprocess.Process] = {}
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, _forward, running, signal.SIGUSR1)
    tasks = [
        asyncio.create_task(_keep_running(name, argv, running, stopping, settings.restart_delay))
        for name, argv in children
    ]
    log.info("supervisor: %d workers and a %s gateway", workers, channel)
    try:
        await asyncio.gather(*tasks)
    finally:
        try:
            stopping.set()
            await _stop_all(running, settings.drain_seconds + 10)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:  # forwarded while the children drain too
            loop.remove_signal_handler(signal.SIGUSR1)


def _forward(running: dict[str, asyncio.subprocess.Process], sig: int) -> None:
    """Pass ``sig`` to every running child."""
    alive = {name: p for name, p in running.items() if p.returncode is None}
    for proc in alive.values():
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
    log.info(
        "supervisor: %s passed to %s", signal.Signals(sig).name, ", ".join(sorted(alive)) or "none"
    )


async def _keep_running(
    name: str,
    argv: list[str],
    running: dict[str, asyncio.subprocess.Process],
    stopping: asyncio.Event,
    restart_delay: float,
) -> None:
    backoff = Backoff(restart_delay)
    while not stopping.is_set():
        started = time.monotonic()
        proc = await asyncio.create_subprocess_exec(*argv)
        running[name] = proc
        code = await proc.wait()
        if stopping.is_set():
            return
        ran_for = time.monotonic() - started
        delay = backoff.next_delay(ran_for)
        log.warning(
            "supervisor: %s (pid %d) exited with %s after %.1f s; restarting in %.2f s",
            name,
            proc.pid,
            code,
            ran_for,
            delay,
        )
        await asyncio.sleep(delay)


async def _stop_all(running: dict[str, asyncio.subprocess.Process], grace: float) -> None:
    alive = [p for p in running.values() if p.returncode is None]
    for proc in alive:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
    waiting = [asyncio.ensure_future(p.wait()) for p in alive]
    if not waiting:
        return
    _, late = await asyncio.wait(waiting, timeout=grace)
    for proc in alive:
        if proc.returncode is None:
            log.error("supervisor: pid %d did not stop within %.0f s; killing", proc.pid, grace)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
    if late:
        await asyncio.wait(late)
