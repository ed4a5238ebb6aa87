"""Synthetic out-of-domain questions use real words the data never uses (wordfreq's lists),
keep the question's frame, and come out the same for the same seed."""

from __future__ import annotations

import random

from chatcore.builtin.qa.data import augment
from chatcore.builtin.qa.data.lexicon import unknown_words
from chatcore.builtin.qa.data.text import tokenize
from chatcore.language import is_cjk

SYLLABLES = ["ba", "ko", "ri", "mu", "te", "zo"]
CONTENT = [a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES]  # 216 words
FRAMES = ["what is the {} of {}", "who likes {} and {}", "can you tell me about {} {}"]
QUESTIONS = [
    tokenize(FRAMES[i % 3].format(CONTENT[2 * i], CONTENT[2 * i + 1])) for i in range(100)
] + [tokenize(q) for q in ["你叫什么名字", "你喜欢音乐吗", "今天天气怎么样"]]


def test_unknown_words_are_real_and_never_known():
    known = {"name", "capital", "france", "bicycle"}
    words = unknown_words(known)
    assert len(words.latin) > 10000 and len(words.cjk) > 1000
    assert not known & set(words.latin)
    assert all(w.isalpha() and len(w) >= 3 for w in words.latin)
    assert {"music", "weather", "garden"} <= set(words.latin)
    assert all(len(c) == 1 and is_cjk(c) for c in words.cjk)
    chinese_known = {"你", "好", "的"}
    assert not chinese_known & set(unknown_words(chinese_known).cjk)


def test_negatives_keep_the_frame_and_swap_content_for_real_words():
    known = {t for q in QUESTIONS for t in q}
    words = unknown_words(known)
    negatives = augment.negatives(QUESTIONS, random.Random(4), 400, words)
    real = set(words.latin)
    frame = augment.function_words(QUESTIONS)
    content = set(CONTENT) - frame  # the content words negatives replace
    with_real = [n for n in negatives if set(n) <= frame | real | content and set(n) & real]
    assert len(with_real) > 100  # two in three of the 300 frame-based negatives, minus Chinese
    kept = sum(t in content for n in with_real for t in n)
    slots = sum(t in content or t in real for n in with_real for t in n)
    assert kept < 0.3 * slots  # a content word survives with probability 0.2
    chinese = [n for n in negatives if any(is_cjk(t[0]) for t in n)]
    assert chinese and all(len(n) == len(q) for n in chinese for q in [_source(n)])
    assert all(n not in QUESTIONS for n in negatives)
    assert negatives == augment.negatives(QUESTIONS, random.Random(4), 400, words)


def test_without_word_lists_negatives_use_made_up_words():
    known = {t for q in QUESTIONS for t in q}
    negatives = augment.negatives(QUESTIONS, random.Random(4), 200)
    real = set(unknown_words(known).latin)
    made_up = [t for n in negatives for t in n if t not in known]
    assert len(made_up) > 200
    assert sum(t in real for t in made_up) < 0.05 * len(made_up)  # chance hits only
    assert all(n not in QUESTIONS for n in negatives)


def _source(negative: list[str]) -> list[str]:
    """The Chinese question a negative was made from: same length, one character for one."""
    return next(q for q in QUESTIONS if len(q) == len(negative) and is_cjk(q[0][0]))
