"""Picking a "did you mean ...?" choice by its number, in a terminal where there are no buttons.

A reply with ``choices`` (after a fallback) is shown with them numbered; a number typed right
after picks one, and the choice's text is sent as if the user had typed it. Anything else, or
a number with no choices shown, is sent as typed: "2" can be a real message too.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatcore.types import Reply

MAX_DIGITS = 4  # longer "numbers" are text (and ``int`` refuses very long digit strings)


@dataclass
class Choices:
    """The numbered choices of the reply shown last, if it had any."""

    pending: tuple[str, ...] = ()

    def offer(self, reply: Reply | None) -> None:
        """Remember the choices of the reply just shown; any other reply (or none, when it
        was dropped) spends them, so a later number is sent as typed."""
        self.pending = reply.choices if reply is not None else ()

    def pick(self, text: str) -> str | None:
        """The choice ``text`` numbers (1..N; full-width digits from a CJK input method count),
        or None when ``text`` is to be sent as typed."""
        number = text.strip()
        if not self.pending or not number.isdecimal() or len(number) > MAX_DIGITS:
            return None
        index = int(number)
        return self.pending[index - 1] if 1 <= index <= len(self.pending) else None
