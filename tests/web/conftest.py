"""Fixtures: the web frontend on a real aiohttp server (a free port on 127.0.0.1), a real
SQLite store and the real moderation filters, driven in-process with aiohttp's client."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from chatcore.testing import make_runtime

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
    """``await make_site(**web_settings)``: a running site; closed after the test."""
    opened: list[Site] = []

    async def make(password: str | None = PASSWORD, **web: Any) -> Site:
        if password is not None:
            web["admin_password"] = "${ADMIN_PASSWORD}"
        runtime = make_runtime(
            web_config(tmp_path / "data", **web),
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
