"""Cheap language detection between the languages chatcore ships replies for."""

from __future__ import annotations


def is_cjk(char: str) -> bool:
    """A Han character (Chinese hanzi, Japanese kanji, Korean hanja), which every caller
    (language detection, the QA tokenizers and generator, the moderation matchers) treats as
    a word of its own, written without spaces around it. The ranges: CJK Unified Ideographs
    U+4E00..U+9FFF; extension A U+3400..U+4DBF; CJK Compatibility Ideographs U+F900..U+FAFF;
    U+20000..U+2FA1F (extensions B to F and I, and the Compatibility Ideographs Supplement);
    U+30000..U+323AF (extensions G and H).

    Not Han, so left out: kana, hangul, CJK punctuation and full-width forms, and the Yijing
    hexagram symbols U+4DC0..U+4DFF between extension A and the main block. The unassigned
    code points inside the supplementary ranges are accepted, so ideographs that a newer
    Unicode adds there count before Python's tables know them. String comparisons, no ord():
    this runs on every character of every message."""
    return char >= "\u3400" and (
        "\u4e00" <= char <= "\u9fff"
        or char <= "\u4dbf"
        or "\uf900" <= char <= "\ufaff"
        or "\U00020000" <= char <= "\U0002fa1f"
        or "\U00030000" <= char <= "\U000323af"
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
