"""Choices after a fallback and a chat handed to a person, in Debian's headless Chromium against
``chatcore serve web`` with the handoff responder before the webecho test responder
(tests/web/web_echo_plugin.py): the page shows choices as buttons, and an operator answers
from the console's inbox while the user watches the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from chatcore.builtin.handoff.plugin import MESSAGES as HANDOFF_MESSAGES
from chatcore.messages import MESSAGES
from chatcore.testing import free_port
from tests.web.browser import TIMEOUT_MS, Server, artifact, start_server, web_config
from tests.web.test_browser import (
    api_login,
    ask,
    bubbles,
    chat_id,
    console_login,
    expect_log,
    send,
)
from tests.web.web_echo_plugin import CHOICES

OFFER = MESSAGES["fallback.choices"]["en"]
STARTED = HANDOFF_MESSAGES["handoff.started"]["en"]
ENDED = HANDOFF_MESSAGES["handoff.ended"]["en"]

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp("web-handoff")
    config = web_config(tmp / "data", free_port())
    config["responders"] = ["handoff", "webecho"]
    config["handoff"] = {"console": True}
    running = start_server(tmp, config)
    yield running
    running.stop()


def settled(page: Page, text: str) -> None:
    """The user's message ``text`` reached the server (its bubble is no longer pending)."""
    bubble = bubbles(page, "user", text)
    expect(bubble).to_have_count(1)
    expect(bubble).not_to_have_class(re.compile(r"\bpending\b"))


def test_choices_are_buttons_and_a_chosen_one_is_sent_and_answered(server: Server, new_context):
    page = new_context().new_page()
    page.goto(server.url("/"))
    send(page, "maybe opening times")
    expect(bubbles(page, "bot", OFFER)).to_have_count(1)
    group = page.get_by_role("group", name="Did you mean")
    buttons = group.get_by_role("button")
    expect(buttons).to_have_text(list(CHOICES))
    page.screenshot(path=artifact("choices.png"))

    buttons.nth(1).focus()  # real buttons: the keyboard reaches and presses them
    expect(buttons.nth(1)).to_be_focused()
    page.keyboard.press("Enter")
    expect(bubbles(page, "bot", "echo: 你们几点开门")).to_have_count(1)
    for n in range(len(CHOICES)):
        expect(buttons.nth(n)).to_be_disabled()  # one choice only
    expect(page.locator(".cc-input")).to_be_focused()
    lines = page.locator(".cc-log > li")
    expect(lines).to_have_class(
        [re.compile(rf"\b{c}\b") for c in ("cc-user", "cc-bot", "cc-choices", "cc-user", "cc-bot")]
    )

    send(page, "maybe again")  # a new offer, then the user types something else instead
    fresh = page.get_by_role("group", name="Did you mean").last.get_by_role("button")
    expect(fresh.first).to_be_enabled()
    ask(page, "never mind")
    expect(fresh.first).to_be_disabled()
    page.reload()  # choices are not stored: the history shows the conversation only
    expect(page.locator(".cc-log .cc-choices")).to_have_count(0)
    expect(bubbles(page, "user", "你们几点开门")).to_have_count(1)


def test_an_operator_answers_from_the_inbox_and_the_page_shows_it_live(server: Server, new_context):
    page = new_context().new_page()
    sockets = []

    def through(ws) -> None:  # every socket goes to the real server, and can be cut
        sockets.append((ws, ws.connect_to_server()))

    page.route_web_socket(re.compile(r"/ws$"), through)
    page.goto(server.url("/"))
    ask(page, "/human", STARTED)
    send(page, "my parcel is lost")
    settled(page, "my parcel is lost")
    chat = f"web:{chat_id(page, server)}"

    console = new_context().new_page()
    console_login(console, server)
    console.get_by_role("link", name="Inbox").click()
    item = console.locator("#inbox-list li").filter(has_text=chat)
    expect(item).to_contain_text("needs an answer")
    expect(item).to_contain_text("my parcel is lost")
    item.get_by_role("link", name=chat).click()
    transcript = console.get_by_role("log", name="Transcript")
    expect(transcript.locator("li").last).to_contain_text("my parcel is lost")

    answer = console.get_by_label("Your answer")
    answer.fill("We will find it: 马上处理。")
    console.get_by_role("button", name="Send").click()
    expect(bubbles(page, "bot", "We will find it: 马上处理。")).to_have_class(
        re.compile(r"\bcc-operator\b")
    )
    expect(answer).to_have_value("")
    console.screenshot(path=artifact("console-inbox.png"), full_page=True)

    answer.fill("you stupid shithead")
    console.get_by_role("button", name="Send").click()
    result = console.locator("#inbox-result")
    expect(result).to_contain_text("moderation blocked")
    expect(answer).to_have_value("you stupid shithead")  # kept, to be rewritten

    # a reconnect brings the answer again in the history (it has a turn now): shown once
    to_page, to_server = sockets[-1]
    to_page.close(code=4000, reason="the network went away")
    to_server.close()
    expect(page.locator(".cc-panel [role=status]")).to_have_text("Reconnecting…")
    send(page, "thanks, 谢谢")  # goes out after the new socket's welcome (and its history)
    settled(page, "thanks, 谢谢")
    assert len(sockets) >= 2
    expect(bubbles(page, "bot", "We will find it: 马上处理。")).to_have_count(1)
    expect(transcript.locator("li").last).to_contain_text("thanks, 谢谢")  # the inbox polls
    console.get_by_role("button", name="Done").click()
    expect(bubbles(page, "bot", ENDED)).to_have_count(1)
    expect(console.locator("#inbox-meta")).to_contain_text("Back with the bot")
    expect(console.get_by_role("button", name="Send")).to_be_disabled()
    ask(page, "hello again")
    assert bubbles(page, "bot", "you stupid shithead").count() == 0
    page.screenshot(path=artifact("handoff-page.png"))

    page.reload()  # stored: the operator's answer as a bot bubble; no empty bubble anywhere
    expect_log(
        page,
        [
            ("user", "my parcel is lost"),
            ("bot", "We will find it: 马上处理。"),
            ("user", "thanks, 谢谢"),
            ("user", "hello again"),
            ("bot", "echo: hello again"),
        ],
    )


def test_without_websockets_the_page_polls_for_an_operators_answer(server: Server, new_context):
    context: BrowserContext = new_context()
    context.add_init_script("delete window.WebSocket")
    page = context.new_page()
    page.goto(server.url("/"))
    expect(page.locator(".cc-panel")).to_have_attribute("data-transport", "http")
    ask(page, "/human", STARTED)
    send(page, "anyone there?")
    settled(page, "anyone there?")

    api_login(context, server)
    csrf = context.request.get(server.url("/admin/api/session")).json()["csrf"]
    key = f"web%3A{chat_id(page, server)}"
    sent = context.request.post(
        server.url(f"/admin/api/handoffs/{key}/reply"),
        data={"text": "Yes, here!"},
        headers={"X-CSRF-Token": csrf, "Origin": server.origin},
    )
    assert sent.status == 200, sent.text()
    expect(bubbles(page, "bot", "Yes, here!")).to_have_count(1, timeout=15_000)
    expected = [("user", "/human"), ("bot", STARTED), ("user", "anyone there?")]
    expect_log(page, [*expected, ("bot", "Yes, here!")])
