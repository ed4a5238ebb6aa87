"""`chatcore serve telegram` as a real process against the fake server: SIGTERM finishes the
reply in flight, and a kill -9 mid-reply loses nothing and repeats nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections import Counter
from pathlib import Path

import yaml

from chatcore.testing.telegram_server import FakeTelegramServer
from chatcore.testing.terminal import as_foreground_job

from .conftest import TOKEN

HERE = Path(__file__).parent


def write_config(server: FakeTelegramServer, tmp_path: Path) -> Path:
    config = {
        "data_dir": str(tmp_path / "data"),
        "store": "memory",
        "responders": ["echo"],
        "plugins": {"modules": ["tg_echo_plugin"], "disabled": ["qa", "moderation", "repl"]},
        "logging": {"level": "DEBUG"},
        "telegram": {
            "api_base_url": server.api_base_url,
            "poll_timeout": 1,
            "typing_delay": 0.1,
            "rate_limits": {"chat_interval": 0},
            "retries": {"backoff": 0.05},
        },
    }
    path = tmp_path / "chatcore.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


async def serve(config: Path, log: Path) -> asyncio.subprocess.Process:
    env = dict(os.environ, CHATCORE_TELEGRAM_TOKEN=TOKEN, PYTHONPATH=str(HERE))
    cli = as_foreground_job(
        [sys.executable, "-m", "chatcore", "serve", "telegram", "--config", str(config)]
    )
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(*cli, env=env, stdout=out, stderr=out)


def typing_in(server: FakeTelegramServer, chats: set[int]) -> bool:
    return chats <= {c.params["chat_id"] for c in server.calls_of("sendChatAction")}


def inbox_outcomes(tmp_path: Path) -> dict[int, str | None]:
    with sqlite3.connect(tmp_path / "data" / "telegram" / "inbox-987654321.sqlite3") as db:
        return dict(db.execute("SELECT update_id, outcome FROM telegram_inbox"))


async def test_serve_answers_then_stops_cleanly_on_sigterm(server: FakeTelegramServer, tmp_path):
    log = tmp_path / "serve.log"
    proc = await serve(write_config(server, tmp_path), log)
    try:
        await server.wait_for(lambda: server.calls_of("getUpdates"), timeout=30)
        update = server.text("slow 1 goodbye", user_id=3)
        await server.wait_for(lambda: typing_in(server, {3}))
        proc.send_signal(signal.SIGTERM)  # while the reply is being worked on
        assert await asyncio.wait_for(proc.wait(), 20) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
    assert server.texts(3) == ["echo: goodbye"]  # the in-flight reply was finished
    assert inbox_outcomes(tmp_path) == {update["update_id"]: "answered"}
    output = log.read_text()
    assert "HTTP Request" in output  # DEBUG logging really was on
    assert TOKEN not in output and TOKEN.split(":")[1] not in output


async def test_kill_9_mid_reply_loses_nothing_and_repeats_nothing(
    server: FakeTelegramServer, tmp_path
):
    config, log = write_config(server, tmp_path), tmp_path / "serve.log"
    first = await serve(config, log)
    try:
        await server.wait_for(lambda: server.calls_of("getUpdates"), timeout=30)
        ids = [server.text(f"slow 3 n{i}", user_id=i)["update_id"] for i in range(1, 5)]
        await server.wait_for(lambda: server.confirmed_offset > max(ids) or None)
        await server.wait_for(lambda: typing_in(server, {1, 2, 3, 4}))
    finally:
        first.kill()  # SIGKILL: no cleanup at all
        await first.wait()
    assert server.sent == []  # Telegram was told all four arrived; none was answered
    server.text("after the crash", user_id=9)
    second = await serve(config, log)
    try:
        await server.wait_for(lambda: len(server.sent) >= 5, timeout=30)
        await asyncio.sleep(0.5)
        second.send_signal(signal.SIGINT)  # Ctrl-C stops it as cleanly as SIGTERM,
        assert await asyncio.wait_for(second.wait(), 20) == 130  # with the shell's code for it
    finally:
        if second.returncode is None:
            second.kill()
    expected = {f"echo: n{i}": 1 for i in range(1, 5)} | {"echo: after the crash": 1}
    assert Counter(server.texts()) == expected
    assert set(inbox_outcomes(tmp_path).values()) == {"answered"}
