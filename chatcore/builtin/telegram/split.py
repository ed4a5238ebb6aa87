"""Split long replies into Telegram-sized messages on paragraph, line or sentence boundaries.

Telegram's 4,096-character limit counts UTF-16 code units, so an emoji counts twice.
"""

from __future__ import annotations

MAX_MESSAGE = 4096
# strongest boundary first; each tuple is tried before falling back to the next
BOUNDARIES = (
    ("\n\n",),
    ("\n",),
    (". ", "! ", "? ", "。", "！", "？", "; ", "；", "…"),
    (", ", "，", "、"),
    (" ",),
)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Chunks of at most ``limit`` UTF-16 units, cut at the strongest boundary that keeps a
    chunk at least half full; a hard cut only for text without any boundary."""
    chunks: list[str] = []
    rest = text.strip()
    while utf16_len(rest) > limit:
        cut = _cut(rest, limit)
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head:
            chunks.append(head)
    if rest:
        chunks.append(rest)
    return chunks


def _cut(text: str, limit: int) -> int:
    window = text[: _fitting_prefix(text, limit)]
    for separators in BOUNDARIES:
        best = max(_end_of_last(window, sep) for sep in separators)
        if best >= len(window) // 2:
            return best
    return len(window)


def _end_of_last(window: str, separator: str) -> int:
    index = window.rfind(separator)
    return -1 if index <= 0 else index + len(separator)


def _fitting_prefix(text: str, limit: int) -> int:
    """The number of characters of ``text`` that fit in ``limit`` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)
