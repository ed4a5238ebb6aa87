"""The ``web`` frontend: the chat page at ``/``, the widget script, the chat socket at ``/ws``
(with ``/api/message`` as its plain-HTTP fallback) and the operator console at ``/admin``,
all on one aiohttp server on the engine's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from chatcore.contracts import EngineView
from chatcore.serving import serve_until_cancelled
from chatcore.types import Reply

from .admin import Console
from .chat import CHANNEL, BadRequest, ChatService, push_json
from .live import LiveNumbers
from .pages import (
    json_body,
    load_static,
    page_response,
    render,
    security_headers,
    static_response,
)
from .security import ChatTokens
from .settings import WebSettings

log = logging.getLogger("chatcore.web")
HELLO_SECONDS = 10.0
MAX_FRAME_BYTES = 64 * 1024
MAX_WAITING = 32  # messages one socket may have in the engine at once


CONSOLE_SERVICE = "handoff.console"  # the handoff plugin's key for "a console inbox serves"


class WebFrontend:
    def __init__(
        self,
        settings: WebSettings,
        signing_key: bytes,
        password_hash: str | None,
        model_dir: Path | None,
        taught_log: Any = None,
    ) -> None:
        self.settings = settings
        self.tokens = ChatTokens(signing_key)
        self.password_hash = password_hash
        self.model_dir = model_dir
        self.taught_log = taught_log
        self.live = LiveNumbers()
        self.static = load_static()
        self.chat: ChatService | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._chats: dict[str, set[web.WebSocketResponse]] = {}  # chat id -> its open pages
        self._remove_outlet: Any = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.address: tuple[str, int] | None = None  # where it listens, once it does

    def app(self, engine: EngineView) -> web.Application:
        """The whole site as one aiohttp application (tests serve it on a free port)."""
        self.chat = ChatService(
            engine,
            self.tokens,
            self.live,
            max_chars=self.settings.max_message_chars,
            history_turns=self.settings.history_turns,
        )
        app = web.Application(middlewares=[security_headers], client_max_size=MAX_FRAME_BYTES)
        app.router.add_get("/", self.index)
        app.router.add_get("/static/{name}", self.static_file)
        app.router.add_get("/ws", self.socket)
        app.router.add_get("/api/widget", self.widget_settings)
        app.router.add_route("OPTIONS", "/api/{tail:.*}", self.preflight)
        app.router.add_post("/api/message", self.http_message)
        app.router.add_get("/api/history", self.http_history)
        app.router.add_post("/api/feedback", self.http_feedback)
        app.router.add_get("/healthz", self.health)
        app.router.add_get("/favicon.ico", self.no_icon)
        console = Console(
            self.settings,
            engine,
            password_hash=self.password_hash,
            static=self.static,
            live=self.live,
            model_dir=self.model_dir,
            taught_log=self.taught_log,
        )
        console.add_routes(app)
        app.on_startup.append(functools.partial(self._open_outlet, engine))
        app.on_shutdown.append(self._close_sockets)
        app.on_cleanup.append(self._close_outlet)
        app.on_cleanup.append(self._close_taught_log)
        return app

    async def _open_outlet(self, engine: EngineView, app: web.Application) -> None:
        """While the site serves, replies sent unasked (an operator's answer) reach web chats,
        and, with a console password, the handoff plugin knows operators can see its inbox."""
        self._remove_outlet = engine.add_outlet(CHANNEL, self)
        if self.password_hash is not None:
            engine.services[CONSOLE_SERVICE] = True
        self._engine = engine

    async def _close_outlet(self, app: web.Application) -> None:
        if self._remove_outlet is not None:
            self._remove_outlet()
            self._remove_outlet = None
        engine = getattr(self, "_engine", None)
        if engine is not None:
            engine.services.pop(CONSOLE_SERVICE, None)

    async def _close_taught_log(self, app: web.Application) -> None:
        if self.taught_log is not None:
            await asyncio.to_thread(self.taught_log.close)

    async def run(self, engine: EngineView) -> None:
        """Serve until cancelled; then close the sockets and let answers in flight finish
        storing (their pages get them on reconnect)."""
        runner = web.AppRunner(self.app(engine), handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.settings.host, self.settings.port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self.address = _bound_address(site)
        log.info("chat page at http://%s:%d/", *self.address)
        await serve_until_cancelled(runner.cleanup)

    # --- pages -------------------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.Response:
        text = render(self.static["index.html"], title=self.settings.widget.title)
        return page_response(text, frame_ancestors=self._frame_ancestors())

    async def static_file(self, request: web.Request) -> web.StreamResponse:
        file = self.static.get(request.match_info["name"])
        if file is None or request.match_info["name"].endswith(".html"):
            raise web.HTTPNotFound()
        response = static_response(request, file)
        if request.match_info["name"].endswith((".js", ".css")):
            response.headers["Access-Control-Allow-Origin"] = "*"  # public files, no cookies
        return response

    async def widget_settings(self, request: web.Request) -> web.Response:
        widget = self.settings.widget
        body = {
            "title": widget.title,
            "colors": widget.colors.model_dump(),
            "max_chars": self.settings.max_message_chars,
        }
        return self._cors(request, web.json_response(body))

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def no_icon(self, request: web.Request) -> web.Response:
        return web.Response(status=204, headers={"Cache-Control": "public, max-age=86400"})

    def _frame_ancestors(self) -> str:
        origins = self.settings.allowed_origins
        if "*" in origins:
            return "*"
        return " ".join(["'self'", *origins])

    # --- origins -----------------------------------------------------------------------------

    def origin_allowed(self, request: web.Request) -> bool:
        """A request from the page's own origin, an allowed site, or no browser at all."""
        origin = request.headers.get("Origin")
        if origin is None:
            return True
        allowed = self.settings.allowed_origins
        if "*" in allowed or origin in allowed:
            return True
        return origin == f"{request.scheme}://{request.host}"

    def _cors(self, request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin and self.origin_allowed(request):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
        return response

    async def preflight(self, request: web.Request) -> web.StreamResponse:
        if not self.origin_allowed(request):
            raise web.HTTPForbidden(text="this site may not use the chat")
        response = web.Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
        return self._cors(request, response)

    # --- replies sent unasked ----------------------------------------------------------------

    async def push(self, chat_id: str, reply: Reply) -> None:
        """The ``web`` outlet: a reply sent unasked goes to every open page of the chat. A
        chat with no page open now loses nothing stored (an operator's answer is a turn its
        page loads from the history), only notices that are not stored."""
        if reply.silent:
            return
        frame = push_json(reply)
        for ws in list(self._chats.get(chat_id, ())):
            await _send(ws, frame)

    def _join(self, chat_id: str, ws: web.WebSocketResponse) -> None:
        self._chats.setdefault(chat_id, set()).add(ws)

    def _leave(self, chat_id: str, ws: web.WebSocketResponse) -> None:
        """Forget a closed page; a chat with no page open is dropped, so idle chats cost
        nothing."""
        pages = self._chats.get(chat_id)
        if pages is None:
            return
        pages.discard(ws)
        if not pages:
            del self._chats[chat_id]

    # --- the chat socket ---------------------------------------------------------------------

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        if not self.origin_allowed(request):
            raise web.HTTPForbidden(text="this site may not use the chat")
        if len(self._sockets) >= self.settings.max_connections:
            raise web.HTTPServiceUnavailable(text="too many open chats; try again soon")
        ws = web.WebSocketResponse(heartbeat=30, max_msg_size=MAX_FRAME_BYTES)
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            await self._converse(ws)
        finally:
            self._sockets.discard(ws)
        return ws

    async def _converse(self, ws: web.WebSocketResponse) -> None:
        assert self.chat is not None
        hello = await _first_frame(ws)
        if hello is None or hello.get("type") != "hello":
            await ws.close(code=4400, message=b"start with a hello")
            return
        chat_id, token = self.chat.identify(hello.get("token"))
        # joined before the history is read: an answer pushed meanwhile is in one or the other
        self._join(chat_id, ws)
        try:
            history = await self.chat.history(chat_id, hello.get("after"))
            await ws.send_json({"type": "welcome", "token": token, "history": history})
            await self._listen(ws, chat_id, _language(hello.get("lang")))
        finally:
            self._leave(chat_id, ws)

    async def _listen(self, ws: web.WebSocketResponse, chat_id: str, language: str | None) -> None:
        """The page's frames after the welcome, until it goes away."""
        assert self.chat is not None
        waiting: set[asyncio.Task[None]] = set()  # this page's messages not yet answered
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            data = _json_object(frame.data)
            if data is not None and data.get("type") == "feedback":
                await self._feedback(ws, chat_id, data)
                continue
            if data is None or data.get("type") != "message":
                await _send(ws, {"type": "error", "id": None, "text": "unknown frame"})
                continue
            if len(waiting) >= MAX_WAITING:
                text = "too many messages at once; wait for the answers"
                await _send(ws, {"type": "error", "id": _str_or_none(data.get("id")), "text": text})
                continue
            task = self._spawn(self._reply(ws, chat_id, data, language))
            waiting.add(task)
            task.add_done_callback(waiting.discard)

    async def _feedback(self, ws: web.WebSocketResponse, chat_id: str, data: dict) -> None:
        assert self.chat is not None
        try:
            recorded = await self.chat.rate(chat_id, data.get("turn"), data.get("value"))
        except BadRequest as exc:
            await _send(ws, {"type": "error", "id": None, "text": str(exc)})
            return
        await _send(ws, {"type": "feedback", "turn": data.get("turn"), "recorded": recorded})

    async def _reply(
        self, ws: web.WebSocketResponse, chat_id: str, data: dict[str, Any], language: str | None
    ) -> None:
        assert self.chat is not None
        try:
            message_id, text = self.chat.check(data.get("id"), data.get("text"))
        except BadRequest as exc:
            await _send(ws, {"type": "error", "id": _str_or_none(data.get("id")), "text": str(exc)})
            return

        async def typing() -> None:
            await _send(ws, {"type": "typing", "id": message_id})

        reply = await self.chat.answer(chat_id, message_id, text, language, started=typing)
        await _send(ws, reply)
        if reply.get("ends_conversation"):
            await _send(ws, {"type": "reset"})

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        """Answers run as tasks, so a page can send while the engine works; the engine keeps
        one chat's messages in order. A dropped socket does not cancel them: the answer is
        stored and the page gets it when it reconnects."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a web reply failed", exc_info=task.exception())

    async def _close_sockets(self, app: web.Application) -> None:
        for ws in list(self._sockets):
            await ws.close(code=1001, message=b"server stopping")
        if self._tasks:  # answers in flight finish storing, then the engine may stop
            await asyncio.wait(list(self._tasks), timeout=10)

    # --- the plain-HTTP fallback -------------------------------------------------------------

    async def http_message(self, request: web.Request) -> web.StreamResponse:
        assert self.chat is not None
        if not self.origin_allowed(request):
            raise web.HTTPForbidden(text="this site may not use the chat")
        body = await json_body(request)
        chat_id, token = self.chat.identify(body.get("token"))
        try:
            message_id, text = self.chat.check(body.get("id"), body.get("text"))
        except BadRequest as exc:
            return self._cors(request, web.json_response({"error": str(exc)}, status=400))
        reply = await self.chat.answer(chat_id, message_id, text, _language(body.get("lang")))
        return self._cors(request, web.json_response({**reply, "token": token}))

    async def http_feedback(self, request: web.Request) -> web.StreamResponse:
        assert self.chat is not None
        if not self.origin_allowed(request):
            raise web.HTTPForbidden(text="this site may not use the chat")
        body = await json_body(request)
        chat_id = self.chat.tokens.chat_id(body.get("token"))
        if chat_id is None:
            return self._cors(request, web.json_response({"error": "unknown chat"}, status=403))
        try:
            recorded = await self.chat.rate(chat_id, body.get("turn"), body.get("value"))
        except BadRequest as exc:
            return self._cors(request, web.json_response({"error": str(exc)}, status=400))
        return self._cors(request, web.json_response({"recorded": recorded}))

    async def http_history(self, request: web.Request) -> web.StreamResponse:
        assert self.chat is not None
        if not self.origin_allowed(request):
            raise web.HTTPForbidden(text="this site may not use the chat")
        chat_id, token = self.chat.identify(request.query.get("token"))
        after = request.query.get("after", "0")
        history = await self.chat.history(chat_id, int(after) if after.isdigit() else 0)
        return self._cors(request, web.json_response({"token": token, "history": history}))


async def _first_frame(ws: web.WebSocketResponse) -> dict[str, Any] | None:
    try:
        frame = await ws.receive(timeout=HELLO_SECONDS)
    except TimeoutError:
        return None
    return _json_object(frame.data) if frame.type == WSMsgType.TEXT else None


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


async def _send(ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
    """Send unless the page went away (it asks again on reconnect)."""
    if ws.closed:
        return
    with contextlib.suppress(ConnectionError, RuntimeError):
        await ws.send_json(data)


def _language(value: object) -> str | None:
    if isinstance(value, str) and value[:2].isalpha():
        return value[:2].lower()
    return None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and len(value) <= 64 else None


def _bound_address(site: web.TCPSite) -> tuple[str, int]:
    server = site._server  # aiohttp keeps the asyncio server here; port 0 binds a free one
    host, port = server.sockets[0].getsockname()[:2]  # type: ignore[union-attr]
    return host, port
