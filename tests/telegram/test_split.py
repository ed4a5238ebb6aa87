"""Splitting long replies: Telegram's limit in UTF-16 units, cut at natural boundaries."""

from __future__ import annotations

from chatcore.builtin.telegram.split import split_message, utf16_len


def test_short_text_is_one_message():
    assert split_message("hello") == ["hello"]
    assert split_message("  ") == []


def test_prefers_paragraphs_then_lines_then_sentences():
    para = "a" * 60 + "\n\n" + "b" * 30
    assert split_message(para, limit=80) == ["a" * 60, "b" * 30]
    lines = "one line here.\n" * 10
    chunks = split_message(lines, limit=50)
    assert all(c.endswith("one line here.") for c in chunks)
    sentences = "First sentence is here. Second one follows! Third? " * 4
    chunks = split_message(sentences, limit=60)
    assert all(c[-1] in ".!?" for c in chunks)
    assert " ".join(chunks) == sentences.strip()


def test_chinese_sentences_split_after_the_full_stop():
    text = "这是第一句话。这是第二句话！这是第三句话？" * 10
    chunks = split_message(text, limit=30)
    assert all(c[-1] in "。！？" for c in chunks)
    assert "".join(chunks) == text


def test_emoji_count_twice_and_are_never_cut():
    text = "😀" * 3000  # 6000 UTF-16 units, no boundary at all
    chunks = split_message(text)
    assert [utf16_len(c) for c in chunks] == [4096, 6000 - 4096]
    assert "".join(chunks) == text


def test_hard_cut_only_without_any_boundary():
    text = "x" * 10000
    assert [len(c) for c in split_message(text)] == [4096, 4096, 1808]


def test_never_makes_tiny_chunks_for_a_boundary():
    text = "Hi. " + "y" * 200
    assert split_message(text, limit=100)[0] == ("Hi. " + "y" * 200)[:100]
