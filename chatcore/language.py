"""Cheap language detection between the languages chatcore ships replies for."""

from __future__ import annotations


def is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= code <= 0x4DBF  # extension A
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0x20000 <= code <= 0x2FA1F  # extensions B.. and compatibility supplement
    )


def detect_language(text: str, default: str = "en") -> str:
    """'zh' when Chinese characters make up a fair share of the letters, else 'en'
    (or ``default`` when the text has no letters at all)."""
    cjk = latin = 0
    for char in text:
        if is_cjk(char):
            cjk += 1
        elif char.isalpha():
            latin += 1
    if cjk == 0 and latin == 0:
        return default
    # one Chinese character carries about as much as a short word
    return "zh" if cjk * 3 >= latin else "en"


def localized(texts: dict[str, str], language: str | None, default: str = "en") -> str:
    """Pick the text for a language, falling back to the default language, then any."""
    if language and language in texts:
        return texts[language]
    if default in texts:
        return texts[default]
    return next(iter(texts.values()), "")
