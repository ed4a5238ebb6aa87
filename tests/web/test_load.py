"""Load: 200 chat sockets at once, 10 messages each, against one ``chatcore serve web`` process
(the webecho responder, a SQLite store): every chat gets each of its replies once, in order,
and the store keeps 10 turns per chat."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from chatcore.testing import free_port
from tests.web.browser import PASSWORD, Server, start_server, web_config

CHATS = 200
MESSAGES = 10
FRAME_TIMEOUT = 60.0


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    config = web_config(tmp_path / "data", free_port())
    config["engine"] = {"rate_limit": {"messages": 1000}}
    running = start_server(tmp_path, config)
    yield running
    running.stop()


def text_of(chat: int, message: int) -> str:
    return f"chat {chat} says {message}"


async def one_chat(
    session: aiohttp.ClientSession, server: Server, chat: int, everyone: asyncio.Barrier
) -> tuple[str, list[tuple[str, str]]]:
    """Connect and say hello, wait until every other chat is connected too, then send 10
    messages at once; (chat id, the (id, text) of each reply frame, as they came)."""
    async with session.ws_connect(f"ws://127.0.0.1:{server.port}/ws") as ws:
        await ws.send_json({"type": "hello", "token": None, "after": 0, "lang": "en"})
        welcome = await ws.receive_json(timeout=FRAME_TIMEOUT)
        assert welcome["type"] == "welcome" and welcome["history"] == []
        await asyncio.wait_for(everyone.wait(), FRAME_TIMEOUT)
        for n in range(MESSAGES):
            await ws.send_json({"type": "message", "id": f"c{chat}-m{n}", "text": text_of(chat, n)})
        replies: list[tuple[str, str]] = []
        while len(replies) < MESSAGES:
            frame = await ws.receive_json(timeout=FRAME_TIMEOUT)
            assert frame["type"] in ("typing", "reply"), frame
            if frame["type"] == "reply":
                replies.append((frame["id"], frame["text"]))
        # A frame the server answers at once, on this socket: a reply sent twice would come
        # before this error (nothing here is sent twice, so nothing should be answered twice).
        await ws.send_json({"type": "no such frame"})
        while (frame := await ws.receive_json(timeout=FRAME_TIMEOUT))["type"] != "error":
            if frame["type"] == "reply":
                replies.append((frame["id"], frame["text"]))
        return welcome["token"].split(".")[0], replies


async def admin_session(server: Server) -> aiohttp.ClientSession:
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    page = await session.get(server.url("/admin/login"))
    csrf = page.cookies["chatcore_login"].value
    done = await session.post(
        server.url("/admin/login"),
        data={"password": PASSWORD, "csrf": csrf},
        allow_redirects=False,
    )
    assert done.status == 303, await done.text()
    return session


async def test_200_chats_by_10_messages_each_get_every_reply_once_in_order(server: Server):
    everyone = asyncio.Barrier(CHATS)  # all sockets open and greeted before any message
    started = time.monotonic()
    connector = aiohttp.TCPConnector(limit=0)  # the default pool would cap it at 100 sockets
    async with aiohttp.ClientSession(connector=connector) as session:
        results = await asyncio.gather(
            *(one_chat(session, server, n, everyone) for n in range(CHATS))
        )
    elapsed = time.monotonic() - started

    ids = [chat_id for chat_id, _ in results]
    assert len(set(ids)) == CHATS  # each socket its own chat
    for n, (_, replies) in enumerate(results):
        assert replies == [(f"c{n}-m{m}", f"echo: {text_of(n, m)}") for m in range(MESSAGES)], (
            f"chat {n}"
        )

    session = await admin_session(server)
    try:
        listed = await session.get(server.url("/admin/api/conversations"), params={"limit": "1000"})
        items: list[dict[str, Any]] = (await listed.json())["items"]
        assert {item["chat_key"]: item["turns"] for item in items} == {
            f"web:{chat_id}": MESSAGES for chat_id in ids
        }
        for n, chat_id in enumerate(ids):
            response = await session.get(server.url(f"/admin/api/conversations/web%3A{chat_id}"))
            turns = (await response.json())["turns"]
            assert [(t["user"], t["bot"]) for t in turns] == [
                (text_of(n, m), f"echo: {text_of(n, m)}") for m in range(MESSAGES)
            ], f"chat {n}"
    finally:
        await session.close()
    print(f"{CHATS} chats x {MESSAGES} messages in {elapsed:.1f} s")
