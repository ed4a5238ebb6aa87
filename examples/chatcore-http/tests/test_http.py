"""The example plugin, installed as its own package and found through its entry point."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time

import aiohttp
import pytest

from chatcore.testing import free_port


def test_entry_point_registers_the_frontend():
    out = subprocess.run(
        [sys.executable, "-m", "chatcore", "plugins", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    plugins = {p["name"]: p for p in json.loads(out)}
    assert plugins["http"]["distribution"] == "chatcore-http"
    assert plugins["http"]["builtin"] is False
    assert plugins["http"]["components"] == ["frontend:http"]


@pytest.fixture
def server(tmp_path):
    port = free_port()
    config = tmp_path / "http.yaml"
    config.write_text(
        f"store: memory\nhttp:\n  port: {port}\n  api_key: ${{HTTP_API_KEY}}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "HTTP_API_KEY": "s3cret", "CHATCORE_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "chatcore", "serve", "http", "--config", str(config)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"server exited: {proc.stderr.read()}")
            time.sleep(0.1)
    yield proc, f"http://127.0.0.1:{port}"
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_serves_chat_over_http_and_stops_on_sigterm(server):
    proc, url = server

    async def talk():
        auth = {"Authorization": "Bearer s3cret"}
        async with aiohttp.ClientSession() as http:
            body = {"chat_id": "c1", "user_id": "u1", "text": "/help"}
            async with http.post(f"{url}/chat", json=body, headers=auth) as response:
                ok = (response.status, await response.json())
            async with http.post(f"{url}/chat", json=body) as response:
                unauthorized = response.status
            async with http.post(f"{url}/chat", data="{nope", headers=auth) as response:
                bad = (response.status, await response.json())
            body = {"chat_id": "c1", "user_id": "u1"}
            async with http.post(f"{url}/chat", json=body, headers=auth) as response:
                missing = (response.status, await response.json())
            abusive = {"chat_id": "c2", "user_id": "troll", "text": "fuck you"}
            for _ in range(3):  # the default strike limit: blocked, blocked, muted
                async with http.post(f"{url}/chat", json=abusive, headers=auth) as response:
                    strikes = (response.status, (await response.json())["kind"])
            body = {"chat_id": "c2", "user_id": "troll", "text": "hello"}
            async with http.post(f"{url}/chat", json=body, headers=auth) as response:
                muted = (response.status, await response.read())
        return ok, unauthorized, bad, missing, strikes, muted

    ok, unauthorized, bad, missing, strikes, muted = asyncio.run(talk())
    assert strikes == (200, "refusal"), strikes
    assert muted == (204, b""), muted  # a muted user sees nothing
    assert ok[0] == 200 and ok[1]["source"] == "command:help" and "/reset" in ok[1]["text"]
    assert unauthorized == 401
    assert bad == (400, {"error": "the body must be JSON"})
    assert missing == (400, {"error": "missing field 'text'"})
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert "s3cret" not in proc.stderr.read()
