"""A free TCP port on the loopback interface, for a test's server (redis, a webhook, HTTP)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now. The socket that found it is
    closed again, so another process could take the port before the caller binds it; tests
    accept that small race for not having to pass a listening socket to the server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_port_run(count: int, attempts: int = 50) -> int:
    """The first of ``count`` consecutive ports on 127.0.0.1 that nothing listens on right
    now (for servers that take a base port and the ones after it, like the workers' ops
    servers). Same small race as ``free_port``; a run found taken is skipped, not used."""
    for _ in range(attempts):
        first = free_port()
        if all(_free(first + offset) for offset in range(1, count)):
            return first
    raise RuntimeError(f"no {count} consecutive free ports on 127.0.0.1 in {attempts} tries")


def _free(port: int) -> bool:
    if port > 65535:
        return False
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
