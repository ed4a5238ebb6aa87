"""Chat commands: how ``/name@bot args`` is parsed. What a command is and gets
(``Command``, ``CommandContext``) are contracts (chatcore.contracts)."""

from __future__ import annotations


def parse_command(text: str) -> tuple[str, str] | None:
    """``'/lang@mybot zh'`` -> ``('lang', 'zh')``; None when the text is not a command."""
    if not text.startswith("/") or len(text) < 2 or text[1].isspace():
        return None
    head, _, args = text[1:].partition(" ")
    name = head.split("@", 1)[0].strip().lower()
    if not name or not all(c.isalnum() or c in "_-" for c in name):
        return None
    return name, args.strip()
