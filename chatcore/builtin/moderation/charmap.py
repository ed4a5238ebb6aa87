"""Per-code-point folding: what one character of user text means to the matchers."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from chatcore.language import is_cjk

HOMOGLYPHS = str.maketrans(
    {
        # Cyrillic
        "а": "a", "б": "b", "в": "b", "г": "r", "е": "e", "ё": "e", "з": "3", "и": "u",
        "к": "k", "м": "m", "н": "h", "о": "o", "п": "n", "р": "p", "с": "c", "т": "t",
        "у": "y", "х": "x", "ь": "b", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
        "ӏ": "l", "һ": "h", "ԛ": "q", "ԝ": "w", "ү": "y", "ɡ": "g",
        # Greek
        "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "η": "n", "ι": "i", "κ": "k",
        "μ": "u", "ν": "v", "ο": "o", "ρ": "p", "σ": "o", "ς": "s", "τ": "t", "υ": "u",
        "χ": "x", "ω": "w",
        # Latin look-alikes NFKC keeps
        "ı": "i", "ɑ": "a", "ɩ": "i", "ʋ": "u", "ø": "o", "đ": "d", "ł": "l", "ß": "ss",
        "ƒ": "f", "ʃ": "s", "ǀ": "l", "ɪ": "i", "ʜ": "h", "ᴀ": "a", "ʙ": "b", "ᴄ": "c",
        "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n",
        "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w",
        "ʏ": "y", "ᴢ": "z", "ɐ": "a", "ǝ": "e", "ɟ": "f", "ɥ": "h", "ɯ": "m", "ɹ": "r",
        "ʇ": "t", "ʌ": "v", "ʍ": "w", "ʎ": "y", "∂": "d", "ð": "d", "þ": "p", "¢": "c",
    }
)  # fmt: skip
_CACHE: dict[str, str] = {}
_DROP = frozenset(("Mn", "Me", "Cf", "Cc", "Cs", "Co", "Cn"))


def fold_char(char: str) -> str:
    """The folded form of one code point ('' when it carries no letter)."""
    mapped = _CACHE.get(char)
    if mapped is None:
        mapped = _fold(char)
        if len(_CACHE) < 200_000:
            _CACHE[char] = mapped
    return mapped


_SAME_PLACES: dict[int, str] = {}  # code point -> its fold, when that is one character
_NOT_ONE: set[str] = set()  # code points that fold to none or several characters


def fold_in_place(text: str) -> str | None:
    """``text`` folded when every code point folds to exactly one character, so that position
    i of the result comes from position i of ``text`` (one C-level translate for the whole
    text); None when one folds to none or several."""
    chars = set(text)
    if not chars.isdisjoint(_NOT_ONE):
        return None
    for char in chars:
        if ord(char) in _SAME_PLACES:
            continue
        mapped = fold_char(char)
        if len(mapped) != 1:
            if len(_NOT_ONE) < 200_000:
                _NOT_ONE.add(char)
            return None
        if len(_SAME_PLACES) >= 200_000:
            return None  # too many distinct characters seen to remember one more
        _SAME_PLACES[ord(char)] = mapped
    return text.translate(_SAME_PLACES)


# letters in boxes and flags that NFKC leaves alone: 🅐 🅰 🇦 -> a
_LETTER_BLOCKS = ((0x1F150, 0x1F169), (0x1F170, 0x1F189), (0x1F1E6, 0x1F1FF))


def _fold(char: str) -> str:
    if char in "\t\n\r\x0b\x0c":
        return " "
    code = ord(char)
    for first, last in _LETTER_BLOCKS:
        if first <= code <= last:
            return chr(ord("a") + code - first)
    if unicodedata.category(char) in _DROP:
        return ""
    text = unicodedata.normalize("NFKC", char).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    text = unicodedata.normalize("NFC", text).translate(HOMOGLYPHS)
    if any(is_cjk(c) for c in text):
        text = _simplified(text)
    return "".join(" " if c.isspace() else c for c in text)


def _simplified(text: str) -> str:
    import zhconv

    converted = zhconv.convert(text, "zh-cn")
    return converted if len(converted) == len(text) else text


class CharTable(dict):
    """A ``str.translate`` table made as characters are first seen: ``make(char)`` is what
    each becomes. At most ``limit`` are kept, so text of every code point cannot grow it
    without end (two threads may pass the limit by a few: the values are the same)."""

    def __init__(self, make: Callable[[str], str], limit: int = 50_000) -> None:
        super().__init__()
        self._make, self._limit = make, limit

    def __missing__(self, code: int) -> str:
        made = self._make(chr(code))
        if len(self) < self._limit:
            self[code] = made
        return made
