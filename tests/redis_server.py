"""A throwaway redis-server on a free loopback port, for tests and benchmarks (never a shared
or remote one). ``RedisServer`` can stop and start again on the same port and data directory,
so a test can restart Redis mid-run and see what its append-only file kept."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from chatcore.testing import free_port


class RedisServer:
    """One redis-server process; ``appendonly`` keeps every write in an AOF (fsync ``always``
    when ``fsync_always``), so a restart (even after SIGKILL) loses nothing acknowledged."""

    def __init__(
        self, data_dir: Path | None = None, *, appendonly: bool = False, fsync_always: bool = False
    ) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(
                "redis-server is not installed: run `make services` (apt install redis-server)"
            )
        self.binary = binary
        self.port = free_port()
        self.data_dir = data_dir
        self.appendonly = appendonly
        self.fsync_always = fsync_always
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def args(self) -> list[str]:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "yes" if self.appendonly else "no"]
        if self.appendonly:
            args += ["--appendfsync", "always" if self.fsync_always else "everysec"]
        if self.data_dir is not None:
            args += ["--dir", str(self.data_dir)]
        return args

    def start(self, timeout: float = 10.0) -> RedisServer:
        self.proc = subprocess.Popen(self.args(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ping():
                return self
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"redis-server exited: {err}")
            time.sleep(0.05)
        self.proc.kill()
        raise RuntimeError(f"redis-server did not answer on port {self.port} within {timeout} s")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: no chance to flush anything the AOF has not fsynced."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
