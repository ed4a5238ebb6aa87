"""Fixtures: the web frontend on a real aiohttp server (a free port on 127.0.0.1), a real
SQLite store and the real moderation filters, driven in-process with aiohttp's client; and
Debian's headless Chromium for the browser tests (test_browser*.py)."""

from __future__ import annotations

import contextlib
import importlib.util
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from chatcore.testing import make_runtime

from .browser import TIMEOUT_MS, artifact

if TYPE_CHECKING:  # Playwright is imported by the browser fixtures only
    from playwright.sync_api import Browser, BrowserContext

HERE = Path(__file__).parent
PASSWORD = "correct horse battery staple"


def _load_echo():
    spec = importlib.util.spec_from_file_location("web_echo_plugin", HERE / "web_echo_plugin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


echo_plugin = _load_echo()


def web_config(data_dir: Path, **web: Any) -> dict[str, Any]:
    return {
        "data_dir": str(data_dir),
        "store": "sqlite",
        "responders": ["webecho"],
        "web": {"port": 0, **web},
    }


@dataclass
class Site:
    server: TestServer
    session: aiohttp.ClientSession
    frontend: Any
    engine: Any

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def socket(self, **headers: str) -> aiohttp.ClientWebSocketResponse:
        return await self.session.ws_connect(self.url("/ws"), headers=headers)

    async def hello(self, ws, token=None, after=0) -> dict[str, Any]:
        await ws.send_json({"type": "hello", "token": token, "after": after, "lang": "en"})
        return await ws.receive_json(timeout=10)

    async def login(self, password: str = PASSWORD) -> aiohttp.ClientResponse:
        page = await self.session.get(self.url("/admin/login"))
        csrf = page.cookies["chatcore_login"].value
        return await self.session.post(
            self.url("/admin/login"),
            data={"password": password, "csrf": csrf},
            allow_redirects=False,
        )

    async def csrf(self) -> str:
        response = await self.session.get(self.url("/admin/api/session"))
        return (await response.json())["csrf"]


@pytest.fixture
async def make_site(tmp_path: Path) -> AsyncIterator[Any]:
    """``await make_site(**web_settings)``: a running site; closed after the test.
    ``config`` adds or replaces top-level sections (``responders``, ``handoff``)."""
    opened: list[Site] = []

    async def make(
        password: str | None = PASSWORD, config: dict[str, Any] | None = None, **web: Any
    ) -> Site:
        if password is not None:
            web["admin_password"] = "${ADMIN_PASSWORD}"
        runtime = make_runtime(
            {**web_config(tmp_path / "data", **web), **(config or {})},
            plugins=[("webecho", echo_plugin)],
            environ={"ADMIN_PASSWORD": password or ""},
        )
        engine = runtime.build_engine()
        await engine.start()
        frontend = runtime.build_frontend("web")
        server = TestServer(frontend.app(engine), host="127.0.0.1")
        await server.start_server()
        jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1, as a browser keeps them
        site = Site(server, aiohttp.ClientSession(cookie_jar=jar), frontend, engine)
        opened.append(site)
        return site

    yield make
    for site in opened:
        await site.session.close()
        await site.server.close()
        await site.engine.stop()


@pytest.fixture
async def site(make_site) -> Site:
    return await make_site()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    from chatcore.testing.chromium import launch as launch_chromium

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(
    browser: Browser, request: pytest.FixtureRequest
) -> Iterator[Callable[..., BrowserContext]]:
    """``new_context(**options)``: a fresh browser profile (its own storage: its own chat).
    Every page of a test that failed is saved as a screenshot."""
    opened: list[BrowserContext] = []
    failed_before = request.session.testsfailed
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for stale in artifact("").glob(f"FAILED-{name}-*.png"):  # from an earlier run
        stale.unlink()

    def make(**options: Any) -> BrowserContext:
        options.setdefault("locale", "en-US")
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        opened.append(context)
        return context

    yield make
    failed = request.session.testsfailed > failed_before  # the call's report is in by now
    for n, context in enumerate(opened):
        if failed:
            for m, page in enumerate(context.pages):
                with contextlib.suppress(Exception):
                    page.screenshot(path=artifact(f"FAILED-{name}-{n}-{m}.png"), full_page=True)
        context.close()
