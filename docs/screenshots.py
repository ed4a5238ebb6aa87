"""Take the screenshots in docs/images/ of the web frontend, answering with a trained model.

    chatcore train --if-missing
    python docs/screenshots.py [MODEL_DIR]     # default: <data dir>/models/default

Starts ``chatcore serve web`` on a free port with a fresh store, chats through the page and
through the widget on a stand-in shop page (another origin: a second local server), then logs
in to the console. Needs Chromium (``make browser``).
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import yaml

from chatcore.testing import free_port
from chatcore.testing.chromium import launch as launch_chromium

IMAGES = Path(__file__).parent / "images"
PASSWORD = "screenshots-only"
SHOP_PORT = free_port()
SHOP = f"http://127.0.0.1:{SHOP_PORT}"  # another origin on this machine (a public one may not
# load scripts from 127.0.0.1: Chromium's Private Network Access)
SHOP_PAGE = """<!doctype html><meta charset="utf-8"><title>A shop</title>
<h1>A shop</h1><p>Things for sale.</p><script src="{base}/static/chat.js" defer></script>"""
QUESTIONS = ["who are you", "what is your favorite book", "你好吗", "<b>is this bold?</b>"]


def serve(home: Path, model_dir: str, port: int) -> subprocess.Popen:
    config = {
        "data_dir": str(home),
        "frontend": "web",
        "store": "sqlite",
        "responders": ["qa"],
        "qa": {"model_dir": model_dir},
        "web": {"port": port, "allowed_origins": [SHOP], "widget": {"title": "Ask me anything"}},
    }
    path = home / "web.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "CHATCORE_WEB_ADMIN_PASSWORD": PASSWORD}
    command = [sys.executable, "-m", "chatcore", "serve", "web", "-c", str(path)]
    process = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("chatcore serve web did not start")


def shop_server(folder: Path) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", SHOP_PORT), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def chat(page, questions: list[str]) -> None:
    field = page.locator(".cc-input")
    for question in questions:
        count = page.locator(".cc-bot").count()
        field.fill(question)
        field.press("Enter")
        page.locator(".cc-bot").nth(count).wait_for()


def shoot(base: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 900, "height": 560})
        page.goto(base + "/")
        chat(page, QUESTIONS)
        page.screenshot(path=IMAGES / "web-page.png")
        shop = browser.new_page(viewport={"width": 1000, "height": 640})
        shop.goto(SHOP + "/shop.html")
        shop.get_by_role("button", name="Open chat").click()
        chat(shop, ["hello", "what can you do"])
        shop.screenshot(path=IMAGES / "web-widget.png")
        admin = browser.new_page(viewport={"width": 1200, "height": 640})
        admin.goto(base + "/admin/login")
        admin.fill("input[name=password]", PASSWORD)
        admin.keyboard.press("Enter")
        admin.locator("#view-conversations table tbody tr").first.wait_for()
        admin.screenshot(path=IMAGES / "web-console.png")
        admin.locator("a[data-tab=unanswered]").click()
        admin.locator("#view-unanswered table tbody tr").first.wait_for()
        admin.screenshot(path=IMAGES / "web-unanswered.png")
        browser.close()


def main() -> None:
    from chatcore.runtime import Runtime

    model_dir = (
        sys.argv[1]
        if len(sys.argv) > 1
        else str(Runtime.load(raw={}).data_dir / "models" / "default")
    )
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        base = f"http://127.0.0.1:{port}"
        (Path(tmp) / "shop.html").write_text(SHOP_PAGE.format(base=base), encoding="utf-8")
        shop = shop_server(Path(tmp))
        server = serve(Path(tmp), model_dir, port)
        try:
            shoot(base)
        finally:
            shop.shutdown()
            server.terminate()
            server.wait(timeout=30)
    print(f"wrote {', '.join(p.name for p in sorted(IMAGES.glob('web-*.png')))}")


if __name__ == "__main__":
    main()
