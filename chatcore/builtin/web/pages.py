"""Static files and the headers every page gets.

The pages load only their own scripts and styles (no inline code), so the Content Security
Policy can forbid everything else: an injected ``<script>`` would not run even if text ever
reached the page as HTML.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from importlib import resources
from typing import Any

from aiohttp import web

STATIC_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'self'; object-src 'none'"
)


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    content_type: str
    etag: str


def load_static() -> dict[str, StaticFile]:
    """The plugin's static files, read once: they ship inside the package."""
    files = {}
    for entry in resources.files("chatcore.builtin.web").joinpath("static").iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if suffix in STATIC_TYPES and entry.is_file():
            body = entry.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            files[entry.name] = StaticFile(body, STATIC_TYPES[suffix], etag)
    return files


def static_response(request: web.Request, file: StaticFile) -> web.StreamResponse:
    """A static file with revalidation (ETag) and compression when the browser takes it."""
    if request.headers.get("If-None-Match") == file.etag:
        return web.Response(status=304, headers={"ETag": file.etag})
    response = web.Response(body=file.body, headers={"ETag": file.etag})
    response.content_type, _, _ = file.content_type.partition(";")
    response.charset = "utf-8"
    response.headers["Cache-Control"] = "public, max-age=300"
    response.enable_compression()
    return response


def render(template: StaticFile, **fields: str) -> str:
    """An HTML template with ``{{name}}`` placeholders filled with escaped text."""
    text = template.body.decode("utf-8")
    for name, value in fields.items():
        text = text.replace("{{" + name + "}}", html.escape(value))
    return text


def page_response(text: str, *, frame_ancestors: str, status: int = 200) -> web.Response:
    response = web.Response(text=text, content_type="text/html", status=status)
    response.headers["Content-Security-Policy"] = f"{PAGE_CSP}; frame-ancestors {frame_ancestors}"
    response.headers["Cache-Control"] = "no-store"
    return response


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    """Headers for every response: no sniffing, no referrer sent to other sites (same-origin,
    not no-referrer: under no-referrer a browser sends ``Origin: null`` with the login form,
    and the console checks Origin on every post)."""
    response = await handler(request)
    if response.prepared:  # a WebSocket: its headers went out with the upgrade
        return response
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's body as a JSON object; 400 (with a JSON error) for anything else."""
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text='{"error": "the body must be a JSON object"}', content_type="application/json"
        )
    return body
