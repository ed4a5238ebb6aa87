"""The chat page, the embeddable widget and the operator console in a real browser: Debian's
headless Chromium (driven by Playwright, no downloaded browser) against ``chatcore serve web``
started as a user would, with the webecho test responder (tests/web/web_echo_plugin.py), a
SQLite store and the default moderation filters.

Screenshots of the main states, and of every page of a failed test, go to test-artifacts/web/.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from chatcore.testing import free_port
from tests.web.browser import (
    PASSWORD,
    TIMEOUT_MS,
    Server,
    StaticSite,
    artifact,
    serve_folder,
    start_server,
    web_config,
)

XSS = ["<script>window.pwned=1</script>", '<img src=x onerror="window.pwned=2">']

expect.set_options(timeout=TIMEOUT_MS)


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shop_port() -> int:
    """The port of the second web site (another origin) that embeds the widget."""
    return free_port()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, shop_port: int) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("web-serve")
    config = web_config(
        tmp / "data", free_port(), allowed_origins=[f"http://127.0.0.1:{shop_port}"]
    )
    running = start_server(tmp, config)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def shop(
    tmp_path_factory: pytest.TempPathFactory, server: Server, shop_port: int
) -> Iterator[StaticSite]:
    """A shop's page with the widget's one script tag, and CSS that would break the widget if
    it leaked into it."""
    folder = tmp_path_factory.mktemp("shop")
    (folder / "index.html").write_text(
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        "<title>A shop</title>\n"
        "<style>li, textarea, button { display: none !important; } "
        "ol { visibility: hidden !important; }</style>\n"
        "</head><body><h1>A shop</h1><p>Things for sale.</p>\n"
        f"<script src='{server.origin}/static/chat.js' defer></script>\n"
        "</body></html>\n",
        encoding="utf-8",
    )
    site = serve_folder(folder, shop_port)
    yield site
    site.close()


@pytest.fixture
def page(new_context) -> Page:
    return new_context().new_page()


# --- helpers -------------------------------------------------------------------------------------


def exactly(text: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(text) + "$")


def bubbles(page: Page, kind: str, text: str):
    """The chat's ``kind`` ("user", "bot") messages whose whole text is ``text``."""
    return page.locator(f".cc-log .cc-msg.cc-{kind}").filter(has_text=exactly(text))


def send(page: Page, text: str) -> None:
    box = page.locator(".cc-input")
    box.fill(text)
    box.press("Enter")


def ask(page: Page, text: str, reply: str | None = None) -> None:
    """Send ``text`` and wait until its reply (``echo: <text>`` unless given) is shown."""
    send(page, text)
    expect(bubbles(page, "bot", reply or f"echo: {text}")).to_have_count(1)


def expect_log(page: Page, expected: list[tuple[str, str]]) -> None:
    """The chat's whole log is these (kind, text) lines, in this order: nothing missing,
    nothing twice, no error lines."""
    lines = page.locator(".cc-log > li")
    expect(lines).to_have_text([text for _, text in expected])
    expect(lines).to_have_class([re.compile(rf"(^|\s)cc-{kind}(\s|$)") for kind, _ in expected])


def chat_of(*texts: str) -> list[tuple[str, str]]:
    """The log lines of messages answered by the echo."""
    return [line for text in texts for line in (("user", text), ("bot", f"echo: {text}"))]


def sent_messages(page: Page) -> list[str]:
    """The texts of every chat message the page sends on its sockets, from now on."""
    sent: list[str] = []

    def watch(ws) -> None:
        def frame(payload: str | bytes) -> None:
            if isinstance(payload, str) and '"type":"message"' in payload.replace(" ", ""):
                sent.append(json.loads(payload)["text"])

        ws.on("framesent", frame)

    page.on("websocket", watch)
    return sent


def chat_id(page: Page, server: Server) -> str:
    token = page.evaluate("(key) => localStorage.getItem(key)", f"chatcore:token:{server.origin}")
    assert token, "the page kept no chat token"
    return token.split(".")[0]


def api_login(context: BrowserContext, server: Server) -> None:
    """Log in to the console through the context's request API (its cookies are the pages')."""
    context.request.get(server.url("/admin/login"))
    csrf = next(c["value"] for c in context.cookies() if c["name"] == "chatcore_login")
    response = context.request.post(
        server.url("/admin/login"),
        form={"password": PASSWORD, "csrf": csrf},
        max_redirects=0,
    )
    assert response.status == 303, response.text()


def stored_turns(context: BrowserContext, server: Server, chat: str) -> list[dict[str, Any]]:
    response = context.request.get(server.url(f"/admin/api/conversations/web%3A{chat}"))
    assert response.ok, response.text()
    return response.json()["turns"]


def console_login(page: Page, server: Server, password: str = PASSWORD) -> None:
    page.goto(server.url("/admin"))
    expect(page).to_have_url(server.url("/admin/login"))
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def open_chat_in_console(page: Page, search: str, chat: str) -> None:
    """Conversations tab: search for the text ``search``, expect one chat (``chat``), open it."""
    page.get_by_role("link", name="Conversations", exact=True).click()
    section = page.locator("#view-conversations")
    section.get_by_label("Text").fill(search)
    section.get_by_role("button", name="Search").click()
    rows = section.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.locator("td").first).to_have_text(f"web:{chat}")
    expect(section.get_by_role("status")).to_have_text("1 conversation.")
    rows.first.locator("td").nth(3).click()  # anywhere on the row opens it
    expect(page.locator("#view-conversation")).to_be_visible()


def background(page: Page, selector: str) -> tuple[float, float, float]:
    """The colour behind ``selector``'s text: its background composited over those of its
    ancestors (across shadow roots), as sRGB 0-255."""
    return tuple(
        page.locator(selector).first.evaluate(
            """(el) => {
                const layers = [];
                for (let e = el; e; ) {
                    const m = getComputedStyle(e).backgroundColor.match(/[\\d.]+/g) || [];
                    const [r, g, b, a = 1] = m.map(Number);
                    if (m.length >= 3 && a > 0) layers.push([r, g, b, a]);
                    if (m.length >= 3 && a >= 1) break;
                    e = e.parentElement || (e.getRootNode() && e.getRootNode().host) || null;
                }
                let out = [255, 255, 255];  // the canvas when nothing is opaque
                for (const [r, g, b, a] of layers.reverse()) {
                    out = [r * a + out[0] * (1 - a), g * a + out[1] * (1 - a),
                           b * a + out[2] * (1 - a)];
                }
                return out;
            }"""
        )
    )


def foreground(page: Page, selector: str) -> tuple[float, float, float]:
    return tuple(
        page.locator(selector).first.evaluate(
            "(el) => getComputedStyle(el).color.match(/[\\d.]+/g).slice(0, 3).map(Number)"
        )
    )


def luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# --- the chat page -------------------------------------------------------------------------------


def test_chat_in_english_and_chinese_with_a_typing_indicator(server: Server, page: Page):
    page.goto(server.url("/"))
    expect(page).to_have_title("Chat")
    box = page.locator(".cc-input")
    expect(box).to_be_visible()
    expect(page.get_by_role("region", name="Chat")).to_have_attribute("data-transport", "ws")
    expect(page.get_by_role("log")).to_have_attribute("aria-live", "polite")
    expect(page.locator(".cc-send")).to_have_text("Send")
    expect(page.get_by_label("Message")).to_be_visible()

    ask(page, "hello")
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    ask(page, "你好")

    status = page.locator(".cc-panel [role=status]")
    send(page, "slow 3 x")  # three seconds of typing: seen even on a busy machine
    expect(status).to_have_text("Bot is typing…")
    assert bubbles(page, "bot", "echo: x").count() == 0  # the indicator came before the reply
    expect(bubbles(page, "bot", "echo: x")).to_have_count(1)
    expect(status).to_have_text("")
    expect_log(page, [*chat_of("hello", "你好"), ("user", "slow 3 x"), ("bot", "echo: x")])
    page.screenshot(path=artifact("chat-page.png"))


def test_a_chinese_browser_gets_chinese_labels(server: Server, new_context):
    page = new_context(locale="zh-CN").new_page()
    page.goto(server.url("/"))
    expect(page.locator(".cc-send")).to_have_text("发送")
    expect(page.get_by_label("消息")).to_be_visible()
    send(page, "slow 1 你好")
    expect(page.locator(".cc-panel [role=status]")).to_have_text("正在输入…")
    expect(bubbles(page, "bot", "echo: 你好")).to_have_count(1)
    expect_log(page, [("user", "slow 1 你好"), ("bot", "echo: 你好")])


def test_enter_during_ime_composition_does_not_send(server: Server, new_context):
    context = new_context()
    page = context.new_page()
    sent = sent_messages(page)
    page.goto(server.url("/"))
    box = page.locator(".cc-input")
    box.click()

    # A real composition (as a Pinyin IME makes one): Enter picks the candidate, never sends.
    cdp = context.new_cdp_session(page)
    cdp.send("Input.imeSetComposition", {"text": "ni", "selectionStart": 2, "selectionEnd": 2})
    expect(box).to_have_value(re.compile("^ni"))
    page.keyboard.press("Enter")
    assert page.locator(".cc-log .cc-user").count() == 0
    cdp.send("Input.insertText", {"text": "你"})  # commits the composition
    expect(box).to_have_value(re.compile(r"^你\s*$"))
    page.keyboard.press("Enter")
    expect(bubbles(page, "bot", "echo: 你")).to_have_count(1)

    # Synthetic events: Enter marked as composing, Safari's keyCode 229, and Enter between
    # compositionstart and compositionend are all ignored.
    box.fill("synthetic")
    prevented = box.evaluate(
        """(input) => {
            const enter = (init) => {
                const event = new KeyboardEvent("keydown", {
                    key: "Enter", code: "Enter", bubbles: true, cancelable: true,
                    composed: true, ...init });
                input.dispatchEvent(event);
                return event.defaultPrevented;
            };
            const results = [enter({ isComposing: true }), enter({ keyCode: 229 })];
            input.dispatchEvent(new CompositionEvent("compositionstart", { data: "" }));
            results.push(enter({}));
            input.dispatchEvent(new CompositionEvent("compositionend", { data: "" }));
            return results;
        }"""
    )
    assert prevented == [False, False, False]
    assert page.locator(".cc-log .cc-user").count() == 1
    box.press("Enter")  # after compositionend, Enter sends again
    expect(bubbles(page, "bot", "echo: synthetic")).to_have_count(1)
    # The socket is ordered: anything sent by an Enter above would be before these two.
    assert sent == ["你", "synthetic"]
    expect_log(page, chat_of("你", "synthetic"))


def test_a_reload_keeps_the_conversation_and_its_unanswered_message(server: Server, page: Page):
    page.goto(server.url("/"))
    ask(page, "remember me")
    ask(page, "and me")
    page.reload()
    expect_log(page, chat_of("remember me", "and me"))

    send(page, "slow 1 still on its way")  # reloaded before its answer came
    expect(bubbles(page, "user", "slow 1 still on its way")).to_have_count(1)
    page.reload()
    expect(bubbles(page, "bot", "echo: still on its way")).to_have_count(1)
    ask(page, "after the reloads")  # a round trip: anything left to come has come
    expect_log(
        page,
        [
            *chat_of("remember me", "and me"),
            ("user", "slow 1 still on its way"),
            ("bot", "echo: still on its way"),
            *chat_of("after the reloads"),
        ],
    )


def test_two_browsers_do_not_see_each_others_chats(server: Server, new_context):
    alice, bob = new_context().new_page(), new_context().new_page()
    alice.goto(server.url("/"))
    ask(alice, "alice's secret")
    bob.goto(server.url("/"))
    ask(bob, "bob's question")
    expect_log(bob, chat_of("bob's question"))
    alice.reload()
    ask(alice, "alice again")
    expect_log(alice, chat_of("alice's secret", "alice again"))
    assert chat_id(alice, server) != chat_id(bob, server)


def test_a_dropped_socket_reconnects_without_loss_or_duplicates(server: Server, new_context):
    context = new_context()
    page = context.new_page()
    sockets = []

    def through(ws) -> None:  # every socket goes to the real server, and can be cut
        sockets.append((ws, ws.connect_to_server()))

    page.route_web_socket(re.compile(r"/ws$"), through)
    page.goto(server.url("/"))
    ask(page, "before the drop")
    status = page.locator(".cc-panel [role=status]")
    send(page, "slow 1.5 in flight")
    expect(status).to_have_text("Bot is typing…")  # the server is working on it

    to_page, to_server = sockets[-1]
    to_page.close(code=4000, reason="the network went away")
    to_server.close()
    expect(status).to_have_text("Reconnecting…")
    send(page, "sent while offline")
    expect(bubbles(page, "bot", "echo: in flight")).to_have_count(1)
    expect(bubbles(page, "bot", "echo: sent while offline")).to_have_count(1)
    assert len(sockets) >= 2  # it did reconnect
    expect(status).to_have_text("")
    ask(page, "after the reconnect")
    expected = [
        *chat_of("before the drop"),
        ("user", "slow 1.5 in flight"),
        ("bot", "echo: in flight"),
        *chat_of("sent while offline", "after the reconnect"),
    ]
    expect_log(page, expected)

    api_login(context, server)  # the server ran each message once: one stored turn each
    turns = stored_turns(context, server, chat_id(page, server))
    assert [(t["user"], t["bot"]) for t in turns] == [
        (expected[n][1], expected[n + 1][1]) for n in range(0, len(expected), 2)
    ]


def test_reset_draws_a_divider_and_a_reload_starts_afresh(server: Server, page: Page):
    page.goto(server.url("/"))
    ask(page, "an old topic")
    send(page, "/reset")
    divider = page.locator(".cc-log .cc-divider")
    expect(divider).to_have_text("New conversation")
    expect(page.locator(".cc-log .cc-bot")).to_have_count(2)  # the command's own answer
    ask(page, "a new topic")
    expect(page.locator(".cc-log > li").nth(0)).to_have_text("an old topic")  # kept above it
    page.reload()
    ask(page, "after the reload")
    expect_log(page, chat_of("a new topic", "after the reload"))


def test_without_websocket_the_page_chats_over_http(server: Server, new_context):
    context = new_context()
    context.add_init_script("delete window.WebSocket")
    page = context.new_page()
    page.goto(server.url("/"))
    expect(page.locator(".cc-panel")).to_have_attribute("data-transport", "http")
    ask(page, "over plain http")
    ask(page, "你好 over http")
    page.reload()
    ask(page, "after a reload")
    expect_log(page, chat_of("over plain http", "你好 over http", "after a reload"))


# --- the widget on another site ------------------------------------------------------------------


def test_the_widget_on_another_site_opens_and_chats(server: Server, shop: StaticSite, new_context):
    page = new_context().new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(shop.origin + "/")
    expect(page.get_by_role("heading", name="A shop")).to_be_visible()
    button = page.get_by_role("button", name="Open chat")
    expect(button).to_have_attribute("aria-expanded", "false")
    panel = page.locator(".cc-panel")
    expect(panel).to_be_hidden()

    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(panel).to_be_visible()
    expect(page.locator(".cc-input")).to_be_focused()
    ask(page, "hello from the shop")
    expect(panel).to_have_attribute("data-transport", "ws")
    assert sockets and all(url == f"ws://127.0.0.1:{server.port}/ws" for url in sockets)
    page.screenshot(path=artifact("widget-open.png"))

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "false")


# --- script injection ----------------------------------------------------------------------------

WATCH_CSP = """
window.__violations = [];
window.addEventListener("securitypolicyviolation",
    (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI), true);
"""


def test_markup_in_messages_shows_as_text_on_the_page_and_in_the_console(
    server: Server, new_context
):
    context = new_context()
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.goto(server.url("/"))
    for text in XSS:
        ask(page, text)
    expect_log(page, chat_of(*XSS))
    assert page.locator(".cc-log script, .cc-log img").count() == 0
    assert page.evaluate("window.pwned") is None
    assert page.evaluate("window.__violations") == []  # not even blocked by the CSP: no markup

    console = context.new_page()
    console_login(console, server)
    expect(console).to_have_url(re.compile(r"/admin(#.*)?$"))
    open_chat_in_console(console, "window.pwned", chat_id(page, server))
    turns = console.locator("#transcript li.turn")
    expect(turns).to_have_count(2)
    expect(turns.locator(".said-user p")).to_have_text(XSS)
    expect(turns.locator(".said-bot p")).to_have_text([f"echo: {text}" for text in XSS])
    assert console.locator("#transcript script, #transcript img").count() == 0
    assert console.evaluate("window.pwned") is None
    assert console.evaluate("window.__violations") == []
    console.screenshot(path=artifact("console-transcript-markup.png"), full_page=True)


# --- the operator console ------------------------------------------------------------------------


def test_console_login_unanswered_search_and_logout(server: Server, new_context):
    context = new_context()
    page = context.new_page()
    page.goto(server.url("/"))
    marker = f"zebra-{uuid.uuid4().hex[:8]}"
    ask(page, f"do you sell {marker} crossings")
    send(page, "dunno where is my parcel")
    fallback = page.locator(".cc-log .cc-bot")
    expect(fallback).to_have_count(2)  # the fallback answer, whatever its words
    expect(fallback.last).not_to_have_text("")

    console = context.new_page()
    console_login(console, server, "not the password")
    expect(console.get_by_role("alert")).to_have_text("Wrong password.")
    console_login(console, server)
    expect(console).to_have_url(re.compile(r"/admin(#.*)?$"))

    console.get_by_role("link", name="Unanswered").click()
    expect(console.get_by_role("link", name="Unanswered")).to_have_attribute("aria-current", "page")
    unanswered = console.locator("#view-unanswered tbody tr")
    expect(unanswered.filter(has_text="dunno where is my parcel")).to_have_count(1)
    console.screenshot(path=artifact("console-unanswered.png"), full_page=True)

    open_chat_in_console(console, marker, chat_id(page, server))
    expect(console.locator("#transcript .said-user p")).to_have_text(
        [f"do you sell {marker} crossings", "dunno where is my parcel"]
    )
    console.go_back()
    expect(console.locator("#view-conversations tbody tr")).to_have_count(1)
    console.screenshot(path=artifact("console-conversations.png"), full_page=True)

    console.get_by_role("button", name="Log out").click()
    expect(console).to_have_url(server.url("/admin/login"))
    console.goto(server.url("/admin"))
    expect(console).to_have_url(server.url("/admin/login"))  # the session is over
    assert context.request.get(server.url("/admin/api/live")).status == 401


# --- small screens and dark mode -----------------------------------------------------------------


def _inside(box: dict[str, float] | None, width: int) -> bool:
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def test_a_360_px_wide_phone_can_chat_on_the_page_and_in_the_widget(
    server: Server, shop: StaticSite, new_context
):
    context = new_context(viewport={"width": 360, "height": 740}, has_touch=True)
    page = context.new_page()
    page.goto(server.url("/"))
    box, button = page.locator(".cc-input"), page.locator(".cc-send")
    expect(box).to_be_visible()
    expect(button).to_be_visible()
    assert _inside(box.bounding_box(), 360) and _inside(button.bounding_box(), 360)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    box.tap()
    box.fill("typed on a phone")
    button.tap()
    expect(bubbles(page, "bot", "echo: typed on a phone")).to_have_count(1)
    page.screenshot(path=artifact("narrow-360.png"))

    widget = context.new_page()
    widget.goto(shop.origin + "/")
    widget.get_by_role("button", name="Open chat").tap()
    panel = widget.locator(".cc-panel")
    expect(panel).to_be_visible()
    frame = panel.bounding_box()
    assert frame is not None and frame["width"] >= 340 and _inside(frame, 360)  # full width
    assert _inside(widget.locator(".cc-send").bounding_box(), 360)
    ask(widget, "widget on a phone")
    widget.screenshot(path=artifact("narrow-360-widget.png"))


def test_light_and_dark_color_schemes(server: Server, new_context):
    colours = {}
    for scheme in ("light", "dark"):
        page = new_context(color_scheme=scheme).new_page()
        page.goto(server.url("/"))
        ask(page, "how do the colours look")
        expect(page.locator(".cc-panel")).to_be_visible()
        panel = background(page, ".cc-panel")
        for selector in (".cc-log .cc-user", ".cc-log .cc-bot", ".cc-input", ".cc-send"):
            ratio = contrast(foreground(page, selector), background(page, selector))
            assert ratio >= 4.5, (scheme, selector, ratio)
        colours[scheme] = panel
        page.screenshot(path=artifact(f"{scheme}.png"))
    assert colours["light"] != colours["dark"]
    assert luminance(colours["dark"]) < 0.2 < luminance(colours["light"])


# --- the real QA model ---------------------------------------------------------------------------


@pytest.fixture
def qa_server(tmp_path: Path, tiny_model_dir: Path) -> Iterator[Server]:
    """``chatcore serve web`` answering with the session's tiny trained model (TensorFlow)."""
    config = web_config(tmp_path / "data", free_port())
    config["responders"] = ["qa"]
    config["qa"] = {"model_dir": str(tiny_model_dir)}
    del config["plugins"]
    running = start_server(tmp_path, config, ready_timeout=120)
    yield running
    running.stop()


def test_the_trained_model_answers_in_english_and_chinese(qa_server: Server, new_context):
    context = new_context()
    page = context.new_page()
    page.goto(qa_server.url("/"))
    send(page, "What is the capital of France?")
    expect(bubbles(page, "bot", "Paris.")).to_have_count(1, timeout=60_000)
    ask(page, "你叫什么名字", "我叫小机器人。")
    expect_log(
        page,
        [
            ("user", "What is the capital of France?"),
            ("bot", "Paris."),
            ("user", "你叫什么名字"),
            ("bot", "我叫小机器人。"),
        ],
    )
    page.screenshot(path=artifact("qa-model.png"))

    console = context.new_page()
    console_login(console, qa_server)
    console.get_by_role("link", name="Model").click()
    card = console.locator("#model-card")
    expect(card.get_by_role("heading", name="tiny")).to_be_visible()
    expect(card.locator("svg.chart").first).to_be_visible()  # the training curve


def test_a_person_rates_an_answer_and_the_console_shows_it(server: Server, new_context):
    context = new_context()
    page = context.new_page()
    page.goto(server.url("/"))
    ask(page, "rate this one")
    answer = bubbles(page, "bot", "echo: rate this one")
    bad = answer.get_by_role("button", name="Bad answer")
    expect(answer.get_by_role("button", name="Good answer")).to_have_attribute(
        "aria-pressed", "false"
    )
    bad.click()
    expect(bad).to_have_attribute("aria-pressed", "true")
    api_login(context, server)
    chat = chat_id(page, server)
    deadline = time.monotonic() + 10
    while stored_turns(context, server, chat)[0]["feedback"] != -1:
        assert time.monotonic() < deadline, "the rating never reached the store"
        time.sleep(0.05)
    page.reload()  # an answer from history can be rated too, and keeps its text alone
    again = bubbles(page, "bot", "echo: rate this one")
    again.get_by_role("button", name="Good answer").click()
    while stored_turns(context, server, chat)[0]["feedback"] != 1:
        assert time.monotonic() < deadline, "the second rating never reached the store"
        time.sleep(0.05)
