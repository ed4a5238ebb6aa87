"""Helpers for the web frontend's end-to-end tests: ``chatcore serve web`` as a real process
(the webecho test responder loaded through ``plugins.modules``), a plain second web site to
embed the widget in, and Debian's Chromium driven by Playwright (never a downloaded browser).
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from chatcore.testing import free_port

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "web"
PASSWORD = "correct horse battery staple"
TIMEOUT_MS = 10_000  # what a browser test waits for a page at most


def web_config(data_dir: Path, port: int, **web: Any) -> dict[str, Any]:
    """The webecho responder, a SQLite store, the default moderation filters, the console's
    password from the environment (``ADMIN_PASSWORD``)."""
    return {
        "data_dir": str(data_dir),
        "store": "sqlite",
        "responders": ["webecho"],
        "plugins": {"modules": ["web_echo_plugin"]},
        "web": {
            "host": "127.0.0.1",
            "port": port,
            "admin_password": "${ADMIN_PASSWORD}",
            **web,
        },
    }


@dataclass
class Server:
    """A running ``chatcore serve web``."""

    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.origin + path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM (a clean stop), a kill if it does not stop in time; the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def start_server(tmp: Path, config: dict[str, Any], *, ready_timeout: float = 30.0) -> Server:
    """``chatcore serve web -c <tmp>/chatcore.yaml`` on the config's port; returns once
    ``/healthz`` answers (the log is ``<tmp>/serve.log``)."""
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "chatcore.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    log_path = tmp / "serve.log"
    env = dict(
        os.environ,
        ADMIN_PASSWORD=PASSWORD,
        PYTHONPATH=os.pathsep.join([str(HERE), str(ROOT)]),
    )
    cli = [sys.executable, "-m", "chatcore", "serve", "web", "-c", str(path)]
    with log_path.open("ab") as out:
        proc = subprocess.Popen(cli, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp)
    server = Server(proc, int(config["web"]["port"]), log_path)
    deadline = time.monotonic() + ready_timeout
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"chatcore serve web exited {proc.returncode}:\n{server.log()}")
        with (
            contextlib.suppress(OSError, urllib.error.URLError),
            urllib.request.urlopen(server.url("/healthz"), timeout=2) as response,
        ):
            if response.status == 200:
                return server
        if time.monotonic() > deadline:
            server.stop()
            raise AssertionError(f"not ready in {ready_timeout} s:\n{server.log()}")
        time.sleep(0.1)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class StaticSite:
    """A plain web site on its own origin (another port), serving files from a folder."""

    httpd: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def serve_folder(folder: Path, port: int | None = None) -> StaticSite:
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = ThreadingHTTPServer(("127.0.0.1", port or free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, name="static-site", daemon=True)
    thread.start()
    return StaticSite(httpd, thread)


def artifact(name: str) -> Path:
    """Where a screenshot goes: test-artifacts/web/<name> under the repository root."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
