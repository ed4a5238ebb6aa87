"""The operator console at ``/admin``: a login, then views of what the bot did and the inbox
of chats handed to a person (answered from here).

Every console route and API answers only to a logged-in session (cookie: HttpOnly,
SameSite=Strict, path /admin); every state change also needs the session's CSRF token in
``X-CSRF-Token`` and, when the browser sends one, the page's own Origin. The login form has
its own CSRF token (a cookie it must match), and wrong passwords are limited per address.
With no password configured the console does not exist (404 everywhere under /admin).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from chatcore.contracts import EngineView
from chatcore.errors import StoreError

from . import console
from .answers import Answers
from .inbox import Inbox
from .live import LiveNumbers
from .pages import StaticFile, json_body, page_response, render
from .security import LoginLimiter, Session, Sessions, check_password
from .settings import WebSettings

log = logging.getLogger("chatcore.web.admin")
SESSION_COOKIE = "chatcore_admin"
LOGIN_COOKIE = "chatcore_login"
CSRF_HEADER = "X-CSRF-Token"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LIST_LIMIT = 10_000


class Console:
    def __init__(
        self,
        settings: WebSettings,
        engine: EngineView,
        *,
        password_hash: str | None,
        static: dict[str, StaticFile],
        live: LiveNumbers,
        model_dir: Path | None,
        taught_log: Any = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.password_hash = password_hash
        self.static = static
        self.numbers = live
        self.model_dir = model_dir
        self.taught_log = taught_log  # chatcore.builtin.qa.teach.log: None without a qa model
        admin = settings.admin
        self.sessions = Sessions(admin.session_minutes * 60)
        self.limiter = LoginLimiter(admin.login_attempts, admin.login_window_seconds)
        self.inbox = Inbox(engine, settings.max_message_chars)
        self.answers = Answers(engine, taught_log)

    def add_routes(self, app: web.Application) -> None:
        routes = app.router
        if self.password_hash is None:
            routes.add_route("*", "/admin{tail:.*}", self.disabled)
            return
        routes.add_get("/admin/login", self.login_page)
        routes.add_post("/admin/login", self.login)
        routes.add_get("/admin", self.page(self.console_page))
        routes.add_post("/admin/logout", self.change(self.logout))
        api = {
            "session": self.session_info,
            "conversations": self.conversations,
            "conversations/{chat_key}": self.conversation,
            "unanswered": self.unanswered,
            "moderation": self.moderation,
            "model": self.model,
            "live": self.live,
            "handoffs": self.inbox.handoffs,
            "handoffs/{chat_key}": self.inbox.chat,
            "answers": self.answer_items,
            "answers/history": self.answer_history,
        }
        for path, handler in api.items():
            routes.add_get(f"/admin/api/{path}", self.api(handler))
        routes.add_post("/admin/api/forget", self.change(self.forget))
        routes.add_post("/admin/api/teach", self.change(self.teach))
        routes.add_post("/admin/api/answers/edit", self.change(self.answers.edit))
        routes.add_post("/admin/api/answers/delete", self.change(self.answers.delete))
        routes.add_post("/admin/api/answers/undo", self.change(self.answers.undo))
        routes.add_post("/admin/api/handoffs/{chat_key}/reply", self.change(self.inbox.reply))
        routes.add_post("/admin/api/handoffs/{chat_key}/done", self.change(self.inbox.done))
        routes.add_route("*", "/admin/{tail:.*}", self.api(self.not_found))

    # --- guards ------------------------------------------------------------------------------

    def _session(self, request: web.Request) -> Session | None:
        return self.sessions.get(request.cookies.get(SESSION_COOKIE))

    def page(self, handler: Handler) -> Handler:
        """A console page: without a session, the login page instead."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            if self._session(request) is None:
                raise web.HTTPSeeOther("/admin/login")
            return await handler(request)

        return guarded

    def api(self, handler: Handler) -> Handler:
        """A console API: 401 without a session."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            if self._session(request) is None:
                return web.json_response({"error": "log in first"}, status=401)
            return await handler(request)

        return guarded

    def change(self, handler: Handler) -> Handler:
        """A state change: a session, its CSRF token and no foreign Origin."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            session = self._session(request)
            if session is None:
                return web.json_response({"error": "log in first"}, status=401)
            given = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(given, session.csrf) or not _same_origin(request):
                return web.json_response({"error": "missing or wrong CSRF token"}, status=403)
            return await handler(request)

        return guarded

    async def disabled(self, request: web.Request) -> web.Response:
        return web.Response(
            status=404, text="The console is off: set CHATCORE_WEB_ADMIN_PASSWORD to turn it on."
        )

    async def not_found(self, request: web.Request) -> web.Response:
        return web.json_response({"error": "no such page"}, status=404)

    # --- login -------------------------------------------------------------------------------

    async def login_page(self, request: web.Request, error: str = "", status: int = 200):
        token = secrets.token_urlsafe(24)
        text = render(self.static["login.html"], csrf=token, error=error)
        response = page_response(text, frame_ancestors="'none'", status=status)
        self._cookie(request, response, LOGIN_COOKIE, token, max_age=3600)
        return response

    async def login(self, request: web.Request) -> web.StreamResponse:
        address = request.remote or "unknown"
        wait = self.limiter.retry_after(address)
        if wait > 0:
            response = await self.login_page(
                request, f"Too many wrong passwords. Try again in {int(wait) + 1} s.", 429
            )
            response.headers["Retry-After"] = str(int(wait) + 1)
            return response
        form = await request.post()
        expected = request.cookies.get(LOGIN_COOKIE, "")
        given = str(form.get("csrf", ""))
        if not expected or not hmac.compare_digest(given, expected) or not _same_origin(request):
            return await self.login_page(request, "The form expired; please try again.", 403)
        password = str(form.get("password", ""))
        assert self.password_hash is not None
        if not await asyncio.to_thread(check_password, password, self.password_hash):
            self.limiter.failed(address)
            log.warning("console: wrong password from %s", address)
            return await self.login_page(request, "Wrong password.", 401)
        self.limiter.succeeded(address)
        session_id, _ = self.sessions.create()
        response = web.Response(status=303, headers={"Location": "/admin"})
        self._cookie(request, response, SESSION_COOKIE, session_id)
        response.del_cookie(LOGIN_COOKIE, path="/admin")
        return response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        self.sessions.end(request.cookies.get(SESSION_COOKIE))
        response = web.Response(status=204)
        response.del_cookie(SESSION_COOKIE, path="/admin")
        return response

    def _cookie(
        self, request: web.Request, response: web.StreamResponse, name: str, value: str, **kw: Any
    ) -> None:
        secure = self.settings.secure_cookies
        response.set_cookie(
            name,
            value,
            path="/admin",
            httponly=True,
            samesite="Strict",
            secure=request.secure if secure is None else secure,
            **kw,
        )

    # --- views -------------------------------------------------------------------------------

    async def console_page(self, request: web.Request) -> web.Response:
        text = render(self.static["admin.html"], title=self.settings.widget.title)
        return page_response(text, frame_ancestors="'none'")

    async def session_info(self, request: web.Request) -> web.Response:
        session = self._session(request)
        assert session is not None
        return web.json_response({"csrf": session.csrf})

    async def conversations(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        try:
            search = console.Search(
                text=query.get("q", ""),
                user=query.get("user", ""),
                since=console.day_start(query.get("since", "")),
                until=console.day_start(query.get("until", ""), end=True),
                limit=_limit(query),
            )
        except ValueError:
            return web.json_response({"error": "dates are YYYY-MM-DD"}, status=400)
        return await self._list(request, lambda: console.conversations(self.engine.store, search))

    async def conversation(self, request: web.Request) -> web.StreamResponse:
        chat_key = unquote(request.match_info["chat_key"])
        turns = await console.transcript(self.engine.store, chat_key)
        if not turns:
            return web.json_response({"error": "no such conversation"}, status=404)
        if request.query.get("format"):
            return _export(request, turns, chat_key.replace(":", "-"))
        return web.json_response({"chat_key": chat_key, "turns": turns})

    async def unanswered(self, request: web.Request) -> web.StreamResponse:
        limit = _limit(request.query)
        return await self._list(
            request, lambda: console.unanswered(self.engine.store, limit), key="groups"
        )

    async def moderation(self, request: web.Request) -> web.StreamResponse:
        limit = _limit(request.query)
        return await self._list(request, lambda: console.moderation_log(self.engine.store, limit))

    async def model(self, request: web.Request) -> web.Response:
        card = await asyncio.to_thread(console.model_card, self.model_dir)
        return web.json_response(card)

    async def live(self, request: web.Request) -> web.Response:
        return web.json_response(self.numbers.snapshot())

    async def answer_items(self, request: web.Request) -> web.StreamResponse:
        """Taught answers, and model answers edited or deleted, as they stand."""
        return await self._list(request, self.answers.items)

    async def answer_history(self, request: web.Request) -> web.StreamResponse:
        """Every change to what the bot was taught, newest first."""
        return await self._list(request, self.answers.history, name="answers-history")

    async def forget(self, request: web.Request) -> web.Response:
        body = await json_body(request)
        chat_key, user_id = body.get("chat_key"), body.get("user_id")
        if not isinstance(chat_key, str) or not isinstance(user_id, str):
            return web.json_response({"error": "give chat_key and user_id"}, status=400)
        deleted = await self.engine.store.forget_user(chat_key, user_id)
        log.info("console: deleted %d turns of a user in %s", deleted, chat_key)
        return web.json_response({"deleted": deleted})

    async def teach(self, request: web.Request) -> web.Response:
        """A question and its answer, taught as ``chatcore teach`` would (who: "console")."""
        from chatcore.builtin.qa.teach.guard import engine_refusal
        from chatcore.builtin.qa.teach.log import Change, new_item_target

        if self.taught_log is None:
            return web.json_response({"error": "no qa model here: nothing to teach"}, status=404)
        body = await json_body(request)
        question, answer = body.get("question"), body.get("answer")
        if not all(isinstance(x, str) and x.strip() for x in (question, answer)):
            return web.json_response({"error": "give a question and an answer"}, status=400)
        refused = await engine_refusal(self.engine, answer, "web")
        if refused:
            return web.json_response({"error": refused}, status=422)
        target = new_item_target()
        change = Change("add", target, question.strip(), answer.strip(), who="console")
        seq = await asyncio.to_thread(self.taught_log.append, change)
        log.info("console: taught %s (change %d)", target, seq)
        return web.json_response({"target": target, "change": seq})

    async def _list(
        self,
        request: web.Request,
        load: Callable[[], Awaitable[list[dict[str, Any]]]],
        key: str = "items",
        name: str | None = None,
    ) -> web.StreamResponse:
        """Rows as JSON, or as a download (``?format=csv|jsonl``) named ``name`` (default: the
        path's last part)."""
        try:
            rows = await load()
        except StoreError as exc:
            return web.json_response({"error": str(exc)}, status=501)
        if request.query.get("format"):
            return _export(request, rows, name or request.path.rsplit("/", 1)[-1])
        return web.json_response({key: rows})


def _limit(query: Any) -> int:
    text = query.get("limit", "")
    return min(int(text), LIST_LIMIT) if text.isdigit() and int(text) > 0 else 500


def _export(request: web.Request, rows: list[dict[str, Any]], name: str) -> web.Response:
    fmt = request.query.get("format")
    if fmt == "csv":
        body, content_type = console.as_csv(rows), "text/csv"
    elif fmt == "jsonl":
        body, content_type = console.as_jsonl(rows), "application/x-ndjson"
    else:
        raise web.HTTPBadRequest(text="format is csv or jsonl")
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    response = web.Response(text=body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}.{fmt}"'
    return response


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    return origin is None or origin == f"{request.scheme}://{request.host}"
