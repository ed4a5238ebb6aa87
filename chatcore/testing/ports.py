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
