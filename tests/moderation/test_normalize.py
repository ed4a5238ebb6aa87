"""Every evasion kind is undone, and masks land on the original characters."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatcore.builtin.moderation.decide import Span, mask
from chatcore.builtin.moderation.filters import LexiconFilter
from chatcore.builtin.moderation.normalize import normalize


@pytest.fixture(scope="module")
def lexicon():
    return LexiconFilter()


EVASIONS = {
    "plain": "fuck you",
    "case": "FuCk you",
    "fullwidth": "ｆｕｃｋ you",
    "zero-width": "f\u200bu\u200cc\u200dk you",
    "control": "f\x00u\x07ck you",
    "combining": "fu\u0301c\u0327k you",
    "homoglyph-cyrillic": "fuсk you",  # Cyrillic es
    "homoglyph-greek": "fυck you",  # Greek upsilon
    "leet": "fu(k y0u and sh1t",
    "leet-symbols": "you @$$hole",
    "repeated": "fuuuuuck you",
    "dots": "f.u.c.k you",
    "spaces": "f u c k you",
    "emoji-separators": "f🔥u🔥c🔥k you",
    "wildcard": "f*ck you",
    "double-wildcard": "f**k you",
    "mixed": "Ｆ.Ü.С.К you",
    "symbols-only": "kiss my @$$",
    "enclosed-letters": "🅕🅤🅒🅚 you",
    "regional-indicators": "🇫🇺🇨🇰 you",
    "small-caps": "ꜰᴜᴄᴋ you",
    "math-bold": "𝐟𝐮𝐜𝐤 you",
    "superscript": "ᶠᵘᶜᵏ you",
    "strikethrough-marks": "f̶u̶c̶k̶ you",
}


@pytest.mark.parametrize("kind", sorted(EVASIONS))
def test_each_evasion_is_caught(lexicon, kind):
    verdict = lexicon.decide(EVASIONS[kind])
    assert verdict.action.value == "block", (kind, verdict)
    assert "offensive" in verdict.categories


@pytest.mark.parametrize(
    "text",
    [
        "hello world",
        "the grass hole in the fence",
        "pour some hot water",
        "I grew up in Scunthorpe",
        "the assassin has a classic cocktail",
        "please assess the class",
        "I paid $5 for 3 books!",
        "a b c d e f g",
        "shiitake mushrooms",
        "Привет, как дела?",
    ],
)
def test_clean_text_stays_clean(lexicon, text):
    assert lexicon.decide(text).action.value == "allow", text


@pytest.mark.parametrize(
    ("text", "key"),
    [("c n m，谁", "cnm谁"), ("c o c k t a i l，鸡尾酒", "cocktail鸡尾酒"), ("做 b超", "做 b超")],
)
def test_spelled_letters_end_where_han_punctuation_follows(text, key):
    """The last spelled letter belongs to the run even when a Han character follows it in
    its token, so the word is read whole ("cnm", not "cn m")."""
    assert normalize(text).key == key


def test_traditional_chinese_and_pinyin(lexicon):
    assert lexicon.decide("你這個傻逼").categories == ("offensive",)
    assert lexicon.decide("cao ni ma").action.value == "block"
    assert lexicon.decide("caonima").action.value == "block"
    assert lexicon.decide("傻 . 逼").action.value == "block"
    assert lexicon.decide("傻1逼").masked == "***"
    assert lexicon.decide("我有3个苹果").action.value == "allow"
    assert lexicon.decide("傻傻傻逼").action.value == "block"  # stretched
    assert lexicon.decide("他妈妈的包").action.value == "allow"  # doubled: another word


def test_offsets_point_into_the_original():
    text = "ｆ\u200bú\u0301ck!"
    norm = normalize(text)
    assert norm.key == "fuck"
    start, end = norm.span(0, len(norm.key))
    assert text[start:end] == "ｆ\u200bú\u0301ck"


def test_mask_keeps_surrogates_and_combining_marks_whole(lexicon):
    text = "😀 fu\u0301ck 😀 ok"
    verdict = lexicon.decide(text)
    assert verdict.masked == "😀 **** 😀 ok"
    pair = "\ud83d\ude00"  # a surrogate pair as two code points (e.g. from JSON)
    assert mask(pair + "x", [Span(0, 2, "c")]) == "*x"


def test_mask_spans_only_the_offending_characters(lexicon):
    assert lexicon.decide("well f.u.c.k that").masked == "well ******* that"
    assert lexicon.decide("what a b.i.t.c.h!").masked == "what a *********!"
    assert lexicon.decide("hi fuuuuck you").masked == "hi ******* you"


def test_repeated_letters_do_not_make_words(lexicon):
    assert lexicon.decide("as you like").action.value == "allow"
    assert lexicon.decide("kiss my asssss").action.value == "block"
    assert lexicon.decide("a shitty day").masked == "a *****y day"  # the word goes on


def test_random_text_never_crashes_and_spans_stay_inside(lexicon):
    import random

    rng = random.Random(5)
    alphabet = "aassfuck  .*-_@$1!|\u200b\u0301😀ＦС傻逼妈妈口交\t\n\x00"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        norm = normalize(text)
        assert len(norm.key) == len(norm.runs) == len(norm.starts) == len(norm.ends)
        assert all(0 <= s < e <= len(text) for s, e in zip(norm.starts, norm.ends, strict=True))
        verdict = lexicon.decide(text)
        if verdict.masked is not None:
            assert len(verdict.masked) <= len(text)


def test_words_split_in_two_without_joining_real_phrases(lexicon):
    assert lexicon.decide("fu ck you").masked == "** ** you"
    assert lexicon.decide("what a di ck").action.value == "block"
    for text in ["i will go ok", "kung fu class", "is hit by a car", "an al pacino movie"]:
        assert lexicon.decide(text).action.value == "allow", text


def test_wildcards_in_phrases_and_markdown_stars(lexicon):
    assert lexicon.decide("i will k*ll you").category == "violent-threat"
    assert lexicon.decide("gonna s*oot you").category == "violent-threat"
    for text in ["2 * 3 = 6", "**bold** text", "*hugs*", "I *really* like it"]:
        assert lexicon.decide(text).action.value == "allow", text


def test_brackets_and_hashes_are_not_letters(lexicon):
    for text in ["'*' (untagged) responses", "PKCS#7 encoded", "(c) 2024 acme"]:
        assert lexicon.decide(text).action.value == "allow", text


CHAT_ALPHABET = "abcxyz 019 ,.?;:'\"()[]{}!*#-/@$|+傻逼你们好。，　\u200bＡｂ９é"


def general_path(text: str):
    """normalize without its shortcuts: folding code point by code point, tokens rebuilt one
    by one, and runs of a letter collapsed here by the plain definition (groupby)."""
    from itertools import groupby

    from chatcore.builtin.moderation import charmap
    from chatcore.builtin.moderation import normalize as module

    folded = "".join(charmap.fold_char(c) for c in text)
    origin = [i for i, c in enumerate(text) for _ in charmap.fold_char(c)]
    chars, where, soft = module._tokens(folded)
    starts, ends = module._original_spans(where, origin, len(text))
    key, runs, new_starts, new_ends, new_soft, i = "", [], [], [], set(), 0
    for char, group in groupby(chars):
        count = len(list(group))
        for size in [1] * count if char == " " else [count]:  # spaces never collapse
            key += char
            runs.append(size)
            new_starts.append(starts[i])
            new_ends.append(ends[i + size - 1])
            if soft & set(range(i, i + size)):
                new_soft.add(len(key) - 1)
            i += size
    return key, tuple(runs), tuple(new_starts), tuple(new_ends), frozenset(new_soft)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="abcé傻你 ", min_size=1, max_size=12).filter(str.isalpha))
def test_a_whole_letter_token_is_taken_as_the_per_character_rebuild_takes_it(token):
    from chatcore.builtin.moderation.normalize import _token

    assert _token(token, 5) == (list(token), list(range(5, 5 + len(token))))


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="ab傻你 ,.?!。，？…_-*#/½²〇ⅻ\u0301é", min_size=1, max_size=16))
def test_a_token_without_digits_or_leetspeak_is_taken_as_the_character_loop_takes_it(text):
    from chatcore.builtin.moderation.normalize import _token, _token_by_characters

    token = text.replace(" ", "") or "a"
    assert _token(token, 3) == _token_by_characters(token, 3)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=CHAT_ALPHABET, max_size=40))
def test_the_shortcuts_for_plain_chat_give_what_the_general_path_gives(text):
    """Plain words, one-to-one folding and whole-word tokens skip per-character work; what
    they make must be exactly what the general path makes, spans and runs included."""
    norm = normalize(text)
    assert (norm.key, norm.runs, norm.starts, norm.ends, norm.soft) == general_path(text)


@pytest.mark.parametrize(
    "text",
    ["hello there, how are you?", "i'm fine", "f u c k off", "你们几点下班。", "Ｈｅｌｌｏ", "a b"],
)
def test_the_shortcuts_on_chat_as_typed(text):
    norm = normalize(text)
    assert (norm.key, norm.runs, norm.starts, norm.ends, norm.soft) == general_path(text)
