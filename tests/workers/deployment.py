"""A deployment of real processes for the scale-out tests: a redis-server, a gateway
(``chatcore serve telegram --role gateway``) and workers (``chatcore worker``) started as a user
would, against the fake Bot API server (the only stand-in: for Telegram's servers)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from aiohttp import ClientSession

from chatcore.testing import free_port
from chatcore.testing.telegram_server import FakeTelegramServer
from tests.redis_server import RedisServer

TELEGRAM_TESTS = Path(__file__).resolve().parent.parent / "telegram"
TOKEN = "987654321:AAH-secret-Token_for-the-tests-only"
HOOK_SECRET = "hook-Secret_for-the-scale-tests"


def deployment_config(
    server: FakeTelegramServer, redis: RedisServer, data_dir: Path, **workers: Any
) -> dict[str, Any]:
    """store: redis, the echo responder (tests/telegram/tg_echo_plugin.py), a webhook."""
    hook_port = free_port()
    return {
        "data_dir": str(data_dir),
        "store": "redis",
        "redis": {"url": redis.url, "key_prefix": "t:"},
        "responders": ["echo"],
        "engine": {"rate_limit": {"messages": 1000, "per_seconds": 60}},
        "plugins": {"modules": ["tg_echo_plugin"], "disabled": ["qa", "moderation", "repl"]},
        "telegram": {
            "token": "${TG_TOKEN}",
            "mode": "webhook",
            "webhook": {
                "listen": "127.0.0.1",
                "port": hook_port,
                "path": "hook",
                "secret_token": "${TG_HOOK_SECRET}",
            },
            "api_base_url": server.api_base_url,
            "request_timeout": 5,
            "rate_limits": {"chat_interval": 0, "overall_per_second": 10000},
            "retries": {"backoff": 0.05, "max_backoff": 0.5},
        },
        "workers": {"lease_seconds": 2, "drain_seconds": 10, "restart_delay": 0.2, **workers},
        "logging": {"level": "INFO"},
    }


class Deployment:
    def __init__(self, tmp: Path, config: dict[str, Any]) -> None:
        self.tmp = tmp
        self.config_path = tmp / "chatcore.yaml"
        self.config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
        self.procs: dict[str, asyncio.subprocess.Process] = {}
        self.ports: dict[str, int] = {}
        self.env = dict(
            os.environ,
            TG_TOKEN=TOKEN,
            TG_HOOK_SECRET=HOOK_SECRET,
            PYTHONPATH=os.pathsep.join([str(TELEGRAM_TESTS), str(Path.cwd())]),
        )

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    async def start(
        self, name: str, *args: str, ready: bool = True, config: Path | None = None
    ) -> asyncio.subprocess.Process:
        """``chatcore ARGS -c config --ops-port P``; waits for /readyz unless told not to."""
        port = self.ports.setdefault(name, free_port())
        cli = [sys.executable, "-m", "chatcore", *args, "-c", str(config or self.config_path)]
        cli += ["--ops-port", str(port)]
        out = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        proc = await asyncio.create_subprocess_exec(*cli, env=self.env, stdout=out, stderr=out)
        out.close()
        self.procs[name] = proc
        if ready:
            await self.wait_ready(name)
        return proc

    async def gateway(self) -> asyncio.subprocess.Process:
        return await self.start("gateway", "serve", "telegram", "--role", "gateway")

    async def worker(self, name: str, ready: bool = True) -> asyncio.subprocess.Process:
        return await self.start(name, "worker", ready=ready)

    async def get(self, name: str, path: str) -> tuple[int, Any]:
        url = f"http://127.0.0.1:{self.ports[name]}{path}"
        async with ClientSession() as session, session.get(url) as resp:
            body = await resp.text()
            return resp.status, json.loads(body) if "json" in resp.content_type else body

    async def wait_ready(self, name: str, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            proc = self.procs.get(name) or self.procs["all"]  # "all": a child of --workers
            if proc.returncode is not None:
                raise AssertionError(f"{name} exited {proc.returncode}:\n{self.log(name)}")
            with contextlib.suppress(OSError):
                status, last = await self.get(name, "/readyz")
                if status == 200:
                    return last
            await asyncio.sleep(0.1)
        raise AssertionError(f"{name} not ready in {timeout} s ({last}):\n{self.log(name)}")

    def signal_all(self, signum: int) -> None:
        for proc in self.procs.values():
            if proc.returncode is None:
                proc.send_signal(signum)

    def kill(self, name: str) -> None:
        self.procs[name].send_signal(signal.SIGKILL)

    async def terminate(self, name: str, timeout: float = 30.0) -> int:
        proc = self.procs[name]
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(proc.wait(), timeout)

    async def close(self) -> None:
        for proc in self.procs.values():
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


async def deliver_until_accepted(server: FakeTelegramServer, update: dict, timeout: float = 60):
    """POST an update to the gateway's webhook and retry until it answers 200, as Telegram
    retries a webhook that failed (a gateway restarting, Redis down)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if await server.deliver(update) == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"update {update['update_id']} never accepted")
        await asyncio.sleep(0.2)
