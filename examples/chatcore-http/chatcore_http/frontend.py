"""The HTTP/JSON frontend: one aiohttp app on the engine's event loop."""

from __future__ import annotations

import hmac

from pydantic import SecretStr

import chatcore
from chatcore import Message


class HttpSettings(chatcore.Settings):
    host: str = "127.0.0.1"
    port: int = 8765
    path: str = "/chat"
    api_key: SecretStr | None = None
    max_body_bytes: int = 64_000


class HttpFrontend:
    def __init__(self, settings: HttpSettings):
        self.settings = settings
        self.engine: chatcore.Engine | None = None

    async def run(self, engine: chatcore.Engine) -> None:
        """Serve until cancelled, then close the listener."""
        from aiohttp import web

        self.engine = engine
        app = web.Application(client_max_size=self.settings.max_body_bytes)
        app.router.add_post(self.settings.path, self.chat)
        app.router.add_get("/healthz", self.health)
        runner = web.AppRunner(app)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.settings.host, self.settings.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        await chatcore.serve_until_cancelled(runner.cleanup)

    async def health(self, request):
        from aiohttp import web

        return web.json_response({"ok": True})

    async def chat(self, request):
        from aiohttp import web

        if not self._authorized(request):
            return web.json_response({"error": "missing or wrong API key"}, status=401)
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "the body must be JSON"}, status=400)
        problem = _check_body(body)
        if problem:
            return web.json_response({"error": problem}, status=400)
        message = Message("http", str(body["chat_id"]), str(body["user_id"]), body["text"])
        reply = await self.engine.handle(message)
        if reply.silent:  # a muted user: nothing to show, as in every frontend
            return web.Response(status=204)
        return web.json_response(reply.to_dict())

    def _authorized(self, request) -> bool:
        key = self.settings.api_key
        if key is None:
            return True
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given, f"Bearer {key.get_secret_value()}")


def _check_body(body: object) -> str | None:
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    for field in ("chat_id", "user_id", "text"):
        if field not in body:
            return f"missing field {field!r}"
    if not isinstance(body["text"], str):
        return "'text' must be a string"
    return None
