"""The ops server of a gateway or worker: ``/healthz`` (the process is alive and its event loop
answers), ``/readyz`` (it can serve: Redis reachable, model loaded; 503 otherwise, with what is
missing) and, when metrics are on, ``/metrics`` for Prometheus. aiohttp, on the process's own
event loop; bound to 127.0.0.1 unless configured otherwise."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

from chatcore.builtin.workers.metrics import Metrics

ReadyCheck = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]


class OpsServer:
    def __init__(
        self,
        host: str,
        port: int,
        role: str,
        ready: ReadyCheck,
        metrics: Metrics | None,
        ident: str = "",
    ) -> None:
        self.host, self.port, self.role, self.ident = host, port, role, ident
        self._ready = ready
        self._metrics = metrics
        self._runner: Any = None

    async def start(self) -> None:
        from aiohttp import web

        from chatcore.errors import ChatcoreError

        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        if self._metrics is not None:
            app.router.add_get("/metrics", self._metrics_page)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except OSError as exc:
            await self._runner.cleanup()
            raise ChatcoreError(
                f"the ops server cannot listen on {self.host}:{self.port}: {exc.strerror or exc}"
            ) from None

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: Any) -> Any:
        from aiohttp import web

        body = {"status": "alive", "role": self.role, "id": self.ident, "pid": os.getpid()}
        return web.json_response(body)

    async def _readyz(self, request: Any) -> Any:
        from aiohttp import web

        try:
            ready, detail = await self._ready()
        except Exception as exc:  # a check that fails means not ready, never a 500
            ready, detail = False, {"error": f"{type(exc).__name__}: {exc}"}
        body = {"ready": ready, "role": self.role, **detail}
        return web.json_response(body, status=200 if ready else 503)

    async def _metrics_page(self, request: Any) -> Any:
        from aiohttp import web

        assert self._metrics is not None
        body, content_type = self._metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})
