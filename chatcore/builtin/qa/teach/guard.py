"""Moderation at teach time: an answer the output filters would block is refused before it is
taught (from the command line or the web console), not served and blocked later."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from chatcore.types import Action, Message

log = logging.getLogger(__name__)


async def refusal(filters: Iterable[tuple[str, Any]], answer: str, channel: str) -> str | None:
    """Why the (name, filter) pairs refuse ``answer``, or None. A filter that fails cannot
    vouch for the answer: it refuses too."""
    message = Message(channel, "teach", "teach", answer)
    for name, component in filters:
        try:
            verdict = await component.check(answer, message)
        except Exception:
            log.exception("the %s filter failed on an answer to teach", name)
            return f"refused: the {name} filter failed on this answer"
        if verdict.action is Action.BLOCK:
            category = verdict.category or "no category"
            return f"refused: the {name} filter would block this answer ({category})"
    return None


async def engine_refusal(engine: Any, answer: str, channel: str) -> str | None:
    """``refusal`` by the engine's own output filters: what would block the answer if it
    were served (the console, /teach)."""
    filters = [(n.name, n.component) for n in getattr(engine, "output_filters", [])]
    return await refusal(filters, answer, channel)
