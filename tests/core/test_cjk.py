"""chatcore.language.is_cjk: the one definition of a Han character, at each range's edges."""

from __future__ import annotations

import pytest

from chatcore.builtin.moderation.normalize import normalize
from chatcore.builtin.qa.model.decoder import detokenize
from chatcore.language import detect_language, is_cjk

HAN = {
    "extension A": ("\u3400", "\u4dbf"),
    "unified ideographs": ("\u4e00", "\u9fff"),
    "compatibility ideographs": ("\uf900", "\ufaff"),
    "extensions B to F, I, compatibility supplement": ("\U00020000", "\U0002fa1f"),
    "extensions G and H": ("\U00030000", "\U000323af"),
}
NOT_HAN = {
    "before extension A (CJK strokes, kanbun)": "\u33ff",
    "Yijing hexagram symbols, first": "\u4dc0",
    "Yijing hexagram symbols, last": "\u4dff",
    "after the unified block (Yi syllables)": "\ua000",
    "before the compatibility block (private use area)": "\uf8ff",
    "after the compatibility block (Latin ligatures)": "\ufb00",
    "before extension B": "\U0001ffff",
    "after the compatibility supplement": "\U0002fa20",
    "before extension G": "\U0002ffff",
    "after extension H": "\U000323b0",
    "hiragana": "あ",
    "katakana": "ア",
    "hangul": "한",
    "ideographic full stop": "。",
    "full-width comma": "，",
    "full-width letter": "Ａ",
    "Latin": "a",
    "digit": "7",
    "space": " ",
    "emoji": "\U0001f600",
    "tag character": "\U000e0041",
}


@pytest.mark.parametrize("name", sorted(HAN))
def test_each_han_range_counts_from_its_first_to_its_last_character(name):
    first, last = HAN[name]
    assert is_cjk(first) and is_cjk(last)
    assert is_cjk(chr((ord(first) + ord(last)) // 2))


@pytest.mark.parametrize("name", sorted(NOT_HAN))
def test_characters_around_the_ranges_and_other_east_asian_scripts_do_not(name):
    assert not is_cjk(NOT_HAN[name])


def test_common_characters():
    assert all(is_cjk(c) for c in "你好世界謝謝龘𠀀")
    assert detect_language("你好") == "zh" and detect_language("こんにちは") == "en"


def test_the_callers_share_it():
    """The moderation matchers and the generator's detokenizer read characters the same way:
    a Han character of the supplementary planes is a word of its own like one of the BMP."""
    assert normalize("傻 逼").key == "傻逼"
    assert normalize("\U00020000 \U00020001").key == "\U00020000\U00020001"
    assert detokenize(["hi", "\U00020000", "中"]) == "hi\U00020000中"
    assert detokenize(["hi", "\u4dc0"]) == "hi \u4dc0"  # a hexagram symbol is spaced like a word
