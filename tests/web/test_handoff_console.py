"""The console's inbox of chats handed to a person, against a real server, a SQLite store, the
real moderation filters and the handoff plugin: a web user asks for a person, the console
answers over the user's socket, and gives the chat back."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import aiohttp
import pytest

from chatcore.testing import ChatHarness

from .test_chat_socket import ask

HANDOFF = {"responders": ["handoff", "webecho"], "handoff": {"console": True}}


@pytest.fixture
async def site(make_site):
    return await make_site(config=HANDOFF)


async def user(site):
    """A web user's open socket and chat key."""
    ws = await site.socket()
    token = (await site.hello(ws))["token"]
    return ws, f"web:{token.split('.')[0]}", token


async def console(site):
    """The logged-in console's headers for state changes."""
    await site.login()
    return {"X-CSRF-Token": await site.csrf()}


def path(chat_key: str, action: str = "") -> str:
    return f"/admin/api/handoffs/{quote(chat_key, safe='')}" + (f"/{action}" if action else "")


async def get(site, url: str) -> dict:
    response = await site.session.get(site.url(url))
    assert response.status == 200, await response.text()
    return await response.json()


async def post(site, url: str, headers: dict, **body) -> aiohttp.ClientResponse:
    return await site.session.post(site.url(url), json=body, headers=headers)


async def test_a_web_user_is_answered_by_the_console_and_given_back_to_the_bot(site):
    ws, chat_key, token = await user(site)
    started = (await ask(site, ws, "h1", "/human"))[-1]
    assert started["text"] == site.engine.say("handoff.started", "en")
    headers = await console(site)

    (item,) = (await get(site, "/admin/api/handoffs"))["items"]
    assert item["chat_key"] == chat_key and item["reason"] == "asked"
    assert item["reason_text"] == "the user asked" and item["needs_answer"] is True
    assert item["operator"] == ""

    quiet = (await ask(site, ws, "h2", "my order is late"))[-1]
    assert quiet["silent"] and quiet["text"] == "" and quiet["kind"] == "handoff"
    chat = await get(site, path(chat_key))
    assert chat["messages"][-1] == {
        "from": "user",
        "by": "",
        "text": "my order is late",
        "at": chat["messages"][-1]["at"],
        "turn": quiet["turn"],
    }
    (item,) = (await get(site, "/admin/api/handoffs"))["items"]
    assert item["messages"][-1]["text"] == "my order is late"

    sent = await post(site, path(chat_key, "reply"), headers, text="Sorry! It ships today.")
    assert sent.status == 200 and await sent.json() == {"sent": True}
    frame = await ws.receive_json(timeout=10)
    assert frame == {
        "type": "push",
        "turn": None,
        "text": "Sorry! It ships today.",
        "kind": "operator",
        "choices": [],
    }
    history = await site.session.get(site.url("/api/history"), params={"token": token})
    turns = (await history.json())["history"]
    assert [(t["user"], t["bot"], t["operator"]) for t in turns] == [
        ("my order is late", "", False),  # a message to a person: no bot bubble
        ("", "Sorry! It ships today.", True),  # an operator's answer: no user bubble
    ]
    (item,) = (await get(site, "/admin/api/handoffs"))["items"]
    assert item["operator"] == "web:console" and item["needs_answer"] is False
    chat = await get(site, path(chat_key))
    assert [(m["from"], m["by"]) for m in chat["messages"]][-1] == ("operator", "web:console")

    rude = await post(site, path(chat_key, "reply"), headers, text="you stupid shithead")
    assert rude.status == 422
    assert (await rude.json())["error"] == site.engine.say("handoff.blocked", None, chat=chat_key)

    done = await post(site, path(chat_key, "done"), headers)
    assert done.status == 200 and await done.json() == {"done": True}
    notice = await ws.receive_json(timeout=10)  # the next frame: the refused answer never came
    assert notice["type"] == "push" and notice["text"] == site.engine.say("handoff.ended", "en")
    assert (await ask(site, ws, "h3", "hello again"))[-1]["text"] == "echo: hello again"
    assert (await get(site, "/admin/api/handoffs"))["items"] == []
    assert (await get(site, path(chat_key)))["handoff"] is None

    late = await post(site, path(chat_key, "reply"), headers, text="still there?")
    assert late.status == 409 and "not with a person" in (await late.json())["error"]
    assert (await post(site, path(chat_key, "done"), headers)).status == 409


async def test_every_open_page_of_the_chat_gets_the_answer_and_closed_ones_are_forgotten(site):
    first, chat_key, token = await user(site)
    second = await site.socket()
    await site.hello(second, token=token)
    await ask(site, first, "p1", "/human")
    headers = await console(site)
    assert (await post(site, path(chat_key, "reply"), headers, text="Hello from us")).status == 200
    for ws in (first, second):
        assert (await ws.receive_json(timeout=10))["text"] == "Hello from us"
    chat_id = chat_key.split(":", 1)[1]
    await first.close()
    await second.close()
    for _ in range(100):  # the server notices the closes
        if chat_id not in site.frontend._chats:
            break
        await asyncio.sleep(0.02)
    assert chat_id not in site.frontend._chats
    # nobody is on the page: the answer is kept for the next visit
    assert (await post(site, path(chat_key, "reply"), headers, text="Are you there?")).status == 200
    again = await site.hello(await site.socket(), token=token)
    assert [t["bot"] for t in again["history"]][-2:] == ["Hello from us", "Are you there?"]


async def test_a_chat_whose_frontend_runs_elsewhere_cannot_be_answered(site):
    await ChatHarness(site.engine, channel="elsewhere", chat_id="9").say("/human")
    headers = await console(site)
    (item,) = (await get(site, "/admin/api/handoffs"))["items"]
    assert item["chat_key"] == "elsewhere:9" and item["channel"] == "elsewhere"
    answer = await post(site, path("elsewhere:9", "reply"), headers, text="hi")
    assert answer.status == 503
    assert (await answer.json())["error"] == site.engine.say(
        "handoff.unreachable", None, chat="elsewhere:9"
    )
    empty = await post(site, path("elsewhere:9", "reply"), headers, text="  ")
    assert empty.status == 400


async def test_the_inbox_needs_a_session_and_its_changes_the_csrf_token(site):
    ws, chat_key, _ = await user(site)
    await ask(site, ws, "s1", "/human")
    for url in ("/admin/api/handoffs", path(chat_key)):
        assert (await site.session.get(site.url(url))).status == 401
    for action in ("reply", "done"):
        assert (await post(site, path(chat_key, action), {}, text="x")).status == 401
    await site.login()
    for action in ("reply", "done"):
        assert (await post(site, path(chat_key, action), {}, text="x")).status == 403
        wrong = {"X-CSRF-Token": "nope"}
        assert (await post(site, path(chat_key, action), wrong, text="x")).status == 403
        foreign = {"X-CSRF-Token": await site.csrf(), "Origin": "http://evil.example"}
        assert (await post(site, path(chat_key, action), foreign, text="x")).status == 403
    assert len((await get(site, "/admin/api/handoffs"))["items"]) == 1  # nothing changed


@pytest.mark.parametrize(
    ("config", "says"),
    [
        (None, "handoff is not configured (responders: [handoff, ...])"),
        (
            {**HANDOFF, "handoff": {"console": False}},
            "the console's inbox is off (handoff: {console: false})",
        ),
    ],
)
async def test_without_the_inbox_its_api_says_how_to_turn_it_on(make_site, config, says):
    site = await make_site(config=config)
    await site.login()
    response = await site.session.get(site.url("/admin/api/handoffs"))
    assert response.status == 404 and (await response.json()) == {"error": says}
