"""The one output rule: text from outside (answers from training data, what chat users wrote,
strings plugins supply) is shown on a terminal only through :func:`printable`, and written as
JSON only through :func:`json_text`.

Why: a terminal obeys control characters in whatever it prints. An answer or a stored
Telegram message holding ``ESC ] 0 ; … BEL`` would retitle the operator's window, ``ESC [ 2 J``
would clear it, and an 8-bit CSI (U+009B) or a fake prompt could make the output lie about
what was said. So every character a terminal (or a reader of the text) could take as an
instruction rather than a glyph is replaced by a visible escape.

The characters escaped (``UNSAFE``):

- every C0 control (U+0000–U+001F) except newline and tab, which text legitimately holds; CR
  too, since it moves the cursor back over what the line already said;
- DEL (U+007F) and every C1 control (U+0080–U+009F): xterm-like terminals take U+009B as CSI
  and U+009D as OSC, the 8-bit forms of ``ESC [`` and ``ESC ]``;
- the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they
  reorder how the rest of a line is displayed ("Trojan Source"), so a line can read unlike
  what it holds. The marks LRM, RLM and ALM stay: right-to-left text uses them and they cannot
  reorder letters;
- the line and paragraph separators U+2028 and U+2029: a terminal shows no line break where
  Python (``splitlines``) and JavaScript see one;
- lone surrogates (U+D800–U+DFFF): they cannot be encoded, and printing one would crash the
  command instead of showing the rest.

How they are shown: as Python's ``repr`` shows them, so they read like every other escape an
operator meets: ``\\r``, ``\\x1b``, ``\\x9b``, ``\\u202e``. The escapes are plain ASCII, so
``printable`` is idempotent, and text without unsafe characters passes unchanged. It is
reversible for text without backslashes (the only backslashes are then the escapes); a text
that holds a literal ``\\x1b`` looks like one holding ESC, which is why the exact text stays
in the stores and in the JSON outputs. Display only: nothing stored is changed.

JSON keeps the data exact: ``json.dumps`` already escapes C0 controls, and :func:`json_text`
writes the other unsafe characters as ``\\uXXXX`` escapes, which decode to the same string.
"""

from __future__ import annotations

import json
import re
from typing import Any

UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_SHORT = {"\r": "\\r"}


def _shown(match: re.Match[str]) -> str:
    """The escape ``repr`` would show for one unsafe character."""
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: every unsafe character as a visible escape."""
    return UNSAFE.sub(_shown, text)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_text(value: Any, *, indent: int | None = None) -> str:
    """``value`` as JSON (non-ASCII text kept readable) with no unsafe character left raw.

    ``json.dumps(..., ensure_ascii=False)`` leaves DEL, C1 controls, bidi overrides, U+2028
    and lone surrogates raw. Outside strings JSON holds only ASCII, so each such character is
    inside a string literal, where its ``\\uXXXX`` escape means the same character.
    """
    return UNSAFE.sub(_json_escape, json.dumps(value, ensure_ascii=False, indent=indent))
