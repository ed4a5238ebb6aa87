"""Tokenization: case, punctuation, full-width forms and spaces never change the tokens."""

from __future__ import annotations

import time

from chatcore.builtin.qa.data.text import (
    clean,
    hash_feature,
    normalize,
    subword_features,
    tokenize,
)
from chatcore.builtin.qa.model.features import Featurizer


def test_english_words_ignore_case_punctuation_and_spaces():
    expected = ["what", "is", "your", "name"]
    assert tokenize("What is your name?") == expected
    assert tokenize("  WHAT   is your NAME!!! ") == expected
    assert tokenize("what is your name") == expected


def test_full_width_forms_and_curly_quotes_are_folded():
    assert tokenize("Ｗｈａｔ　ｉｓ　ＡＩ？") == tokenize("What is AI?")
    assert tokenize("What’s the world’s biggest island") == tokenize(
        "what's the world's biggest island"
    )
    assert clean("Ethiopia\xa0") == "Ethiopia"


def test_contractions_expand():
    assert tokenize("what's up, I don't know") == ["what", "is", "up", "i", "do", "not", "know"]


def test_chinese_is_split_into_characters_and_traditional_is_simplified():
    assert tokenize("你好吗？") == ["你", "好", "吗"]
    assert tokenize("這是什麼") == tokenize("这是什么")
    assert tokenize("你好，吗") == tokenize("你好 吗")


def test_mixed_english_and_chinese():
    assert tokenize("我喜欢Python和AI") == ["我", "喜", "欢", "python", "和", "ai"]


def test_emoji_is_its_own_token():
    assert tokenize("hello😀world") == ["hello", "😀", "world"]


def test_empty_and_punctuation_only():
    assert tokenize("") == []
    assert tokenize("?!... ，。") == []
    words, grams = Featurizer(words=["hi"]).encode("")
    assert not words.any() and not grams.any()


def test_ten_thousand_characters_are_bounded_and_fast():
    text = "spam eggs " * 1000 + "你好" * 500
    started = time.perf_counter()
    tokens = tokenize(text)
    words, grams = Featurizer(words=["spam"], max_words=24, max_grams=160).encode(text)
    assert time.perf_counter() - started < 2.0  # generous: a guard against blow-ups only
    assert 0 < len(tokens) <= 2000
    assert words.shape == (24,) and grams.shape == (160,)


def test_subword_features_give_typos_shared_features():
    right = set(subword_features(["galaxy"]))
    typo = set(subword_features(["galxy"]))
    assert len(right & typo) >= 2
    assert "你好" in subword_features(["你", "好"])


def test_hashing_is_stable_and_never_padding():
    assert hash_feature("abc", 1000) == hash_feature("abc", 1000)
    assert all(1 <= hash_feature(str(i), 7) < 7 for i in range(200))


def test_normalize_is_idempotent():
    for text in ["What’s UP?", "這是什麼", "Ｈｅｌｌｏ  world"]:
        assert normalize(normalize(text)) == normalize(text)
