"""Debian's Chromium for browser tests (``make browser`` installs it): where it is and the flags
it needs here. Playwright drives it with ``launch(executable_path=CHROMIUM, args=ARGS)``;
nothing downloads a browser of its own."""

from __future__ import annotations

from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = (
    "--headless=new",
    "--no-sandbox",  # tests run as root in containers, where the sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # no calls home: a closed network refuses them, many at a time
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def launch(playwright: Any) -> Any:
    """A headless Chromium browser from a ``sync_playwright()`` or ``async_playwright()``."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=list(ARGS))
