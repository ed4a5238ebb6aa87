"""The web frontend: what a page costs to load and what one process answers over WebSocket.

Real parts throughout: ``chatcore serve web`` as a subprocess (SQLite store, the default
moderation filters, the echo responder of tests/web/web_echo_plugin.py so the frontend's own
cost shows), aiohttp's WebSocket client in this process, Debian's Chromium driven by
Playwright for the page loads.

1. widget script size: chat.js (and the stylesheet the widget loads), raw and gzip -9;
2. time to first contentful paint of the chat page at ``/``, 20 cold loads (a new browser
   context each), against a one-line HTML page served on this machine in the same run;
3. replies/s and reply latency p50/p95 with 200 chats each sending 10 messages in order over
   its own WebSocket, against the same engine in this process (``Engine.handle``, same config,
   same 200 x 10 pattern), runs alternating.

python -m bench web
"""

from __future__ import annotations

import asyncio
import gzip
import http.server
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import table
from chatcore.stats import percentile
from chatcore.testing import free_port
from chatcore.testing.chromium import launch as launch_chromium

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "chatcore" / "builtin" / "web" / "static"
WEB_TESTS = ROOT / "tests" / "web"
CHATS = 200
MESSAGES = 10  # per chat
RUNS = 5
PAINTS = 20
# a function, not a string to evaluate: the page's CSP forbids eval (wait_for_function's way)
FIRST_CONTENTFUL_PAINT = """() => new Promise((resolve) => {
  const observer = new PerformanceObserver((list) => {
    const entry = list.getEntriesByName("first-contentful-paint")[0];
    if (entry) { observer.disconnect(); resolve(entry.startTime); }
  });
  observer.observe({ type: "paint", buffered: true });
})"""


def _config(home: Path, port: int) -> dict[str, Any]:
    return {
        "data_dir": str(home),
        "store": "sqlite",
        "responders": ["webecho"],
        "engine": {"rate_limit": {"messages": 10**6}},
        "plugins": {"modules": ["web_echo_plugin"], "disabled": ["qa", "repl"]},
        "web": {"port": port, "max_connections": 10_000},
    }


def _sizes() -> list[list[str]]:
    rows = []
    for name in ("chat.js", "chat.css"):
        body = (STATIC / name).read_bytes()
        packed = len(gzip.compress(body, 9))
        rows.append([name, f"{len(body) / 1024:.1f} KB", f"{packed / 1024:.1f} KB"])
    return rows


def _start_server(home: Path, port: int) -> subprocess.Popen:
    import yaml

    home.mkdir(parents=True, exist_ok=True)
    config = home / "web.yaml"
    config.write_text(yaml.safe_dump(_config(home, port)), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(WEB_TESTS), "CHATCORE_HOME": str(home)}
    process = subprocess.Popen(
        [sys.executable, "-m", "chatcore", "serve", "web", "-c", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_http(f"http://127.0.0.1:{port}/healthz", process)
    return process


def _wait_http(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the web server exited ({process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


async def _socket_run(port: int, run: int) -> tuple[float, list[float]]:
    """One run: 200 chats x 10 messages over WebSockets; (replies/s, latencies in ms)."""
    import aiohttp

    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        sockets = [await session.ws_connect(f"http://127.0.0.1:{port}/ws") for _ in range(CHATS)]
        for ws in sockets:
            await ws.send_json({"type": "hello", "token": None, "after": 0})
            await ws.receive_json()

        async def chat(ws: Any, c: int) -> None:
            for i in range(MESSAGES):
                text = f"r{run} c{c} m{i}"
                sent = time.perf_counter()
                await ws.send_json({"type": "message", "id": uuid.uuid4().hex, "text": text})
                while (frame := await ws.receive_json())["type"] != "reply":
                    pass
                latencies.append((time.perf_counter() - sent) * 1000)
                assert frame["text"] == f"echo: {text}", frame

        started = time.perf_counter()
        await asyncio.gather(*(chat(ws, c) for c, ws in enumerate(sockets)))
        elapsed = time.perf_counter() - started
        for ws in sockets:
            await ws.close()
    return CHATS * MESSAGES / elapsed, latencies


async def _engine_run(engine: Any, run: int) -> tuple[float, list[float]]:
    from chatcore.types import Message

    latencies: list[float] = []

    async def chat(c: int) -> None:
        for i in range(MESSAGES):
            text = f"r{run} c{c} m{i}"
            message = Message("web", f"b{run}-{c}", f"b{run}-{c}", text, message_id=f"{i}")
            sent = time.perf_counter()
            reply = await engine.handle(message)
            latencies.append((time.perf_counter() - sent) * 1000)
            assert reply.text == f"echo: {text}", reply

    started = time.perf_counter()
    await asyncio.gather(*(chat(c) for c in range(CHATS)))
    return CHATS * MESSAGES / (time.perf_counter() - started), latencies


async def _throughput(home: Path, port: int) -> dict[str, tuple[list[float], list[float]]]:
    from chatcore.testing import make_runtime

    sys.path.insert(0, str(WEB_TESTS))
    results: dict[str, tuple[list[float], list[float]]] = {"engine": ([], []), "web": ([], [])}
    engine_home = home / "engine"
    async with make_runtime(_config(engine_home, 0)).build_engine() as engine:
        for run in range(RUNS + 1):  # the first run of each warms up, not counted
            for name, measure in (
                ("engine", lambda r=run: _engine_run(engine, r)),
                ("web", lambda r=run: _socket_run(port, r)),
            ):
                rate, latencies = await measure()
                if run:
                    results[name][0].append(rate)
                    results[name][1].extend(latencies)
    return results


def _baseline_server(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    (directory / "plain.html").write_text("<!doctype html><title>x</title><p>Hello</p>")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(directory), **kwargs)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/plain.html"


def _paints(urls: dict[str, str]) -> dict[str, list[float]]:
    """First contentful paint (ms) of each page, cold loads alternating between them."""
    from playwright.sync_api import sync_playwright

    found: dict[str, list[float]] = {name: [] for name in urls}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for run in range(PAINTS + 1):
            for name, url in urls.items():
                context = browser.new_context()
                page = context.new_page()
                page.goto(url)
                paint = page.evaluate(FIRST_CONTENTFUL_PAINT)
                if run:
                    found[name].append(paint)
                context.close()
        browser.close()
    return found


def _stat(samples: list[float], fmt: str = "{:.1f}") -> list[str]:
    return [fmt.format(statistics.median(samples)), fmt.format(percentile(samples, 95))]


def report(sizes, paints, throughput, seconds: float) -> None:
    print(table("Widget script size (target: 30 KB gzipped)", ["file", "raw", "gzip -9"], sizes))
    rows = [
        ["chat page `/` (chat.js, chat.css, page.css)", *_stat(paints["page"])],
        ["baseline: a one-line HTML page", *_stat(paints["plain"])],
    ]
    title = f"First contentful paint, ms, {PAINTS} cold loads each (Chromium, headless)"
    print(table(title, ["page", "median", "p95"], rows))
    rows = []
    for name, label in (("engine", "engine alone (Engine.handle)"), ("web", "over WebSocket")):
        rates, latencies = throughput[name]
        slowest = f"{min(rates):.0f}"
        rows.append([label, f"{statistics.median(rates):.0f}", slowest, *_stat(latencies)])
    ratio = statistics.median(throughput["web"][0]) / statistics.median(throughput["engine"][0])
    title = f"{CHATS} chats x {MESSAGES} messages, echo responder, {RUNS} runs each"
    headers = ["path", "replies/s median", "slowest run", "latency ms p50", "latency ms p95"]
    print(table(title, headers, rows))
    print(
        f"Over WebSocket: {ratio:.2f}x the engine's own replies/s (same config, same run). "
        f"Bench took {seconds:.0f} s on {os.cpu_count()} cores.\n\n"
        "- Latency is a message's time from send to reply with all 200 chats sending at once "
        "(each waits for its reply before the next): mostly waiting behind the other 199, so "
        "it is about 200 / (replies/s), not one message's cost.\n"
        "- Over WebSocket the server and the 200 clients share the 2 cores; the engine row has "
        "the cores to itself. The difference is the frontend's cost: JSON frames, the socket, "
        "the typing frame and the turn-id lookup per message.\n"
        "- First contentful paint is measured from navigation start in a fresh browser context "
        "(no cache): the page waits for its script and stylesheets.\n"
    )


def main() -> None:
    started = time.perf_counter()
    sizes = _sizes()
    with tempfile.TemporaryDirectory(prefix="chatcore-bench-web-") as tmp:
        home = Path(tmp)
        port = free_port()
        server = _start_server(home / "server", port)
        baseline, plain_url = _baseline_server(home)
        try:
            paints = _paints({"page": f"http://127.0.0.1:{port}/", "plain": plain_url})
            throughput = asyncio.run(_throughput(home, port))
        finally:
            baseline.shutdown()
            server.terminate()
            server.wait(timeout=30)
    report(sizes, paints, throughput, time.perf_counter() - started)


if __name__ == "__main__":
    main()
