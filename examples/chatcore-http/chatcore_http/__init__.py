"""chatcore-http: an HTTP/JSON frontend, and an example of a third-party chatcore plugin.

POST {path} with {"chat_id": ..., "user_id": ..., "text": ...} -> the reply as JSON
({"text", "confidence", "fallback", "source", "verdicts", "latency_ms", "kind"}).
GET /healthz -> {"ok": true}.
"""

from __future__ import annotations

import chatcore


@chatcore.hookimpl
def chatcore_register_frontends(register):
    # imported here, not at module level, so `chatcore --help` never pays for it
    from chatcore_http.frontend import HttpFrontend, HttpSettings

    register(
        "http",
        lambda settings, runtime: HttpFrontend(settings),
        settings=HttpSettings,
        description="HTTP/JSON frontend: POST a message, get the reply",
    )
