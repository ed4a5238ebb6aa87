"""List files: formats, categories, and errors that name the place."""

from __future__ import annotations

import pytest

from chatcore.builtin.moderation.terms import (
    Entry,
    builtin_entries,
    load_list,
    parse_text,
    parse_yaml,
    pinyin_entries,
)
from chatcore.errors import ConfigError


def test_plain_text_sections_inline_categories_and_comments():
    text = "# header\nfoo\n[hate]\nbar  # why\nbaz | sexual\n\n  \n"
    assert parse_text(text, "x.txt") == [
        Entry("foo", "offensive"),
        Entry("bar", "hate"),
        Entry("baz", "sexual"),
    ]


def test_invalid_category_names_file_and_line():
    with pytest.raises(ConfigError, match=r"x\.txt:2"):
        parse_text("foo\n[bad category!]\n", "x.txt")


def test_yaml_mapping_and_list_forms():
    assert parse_yaml("hate: [a, b]\n", "y") == [Entry("a", "hate"), Entry("b", "hate")]
    items = parse_yaml("- plain\n- {term: t, category: sexual}\n", "y")
    assert items == [Entry("plain", "offensive"), Entry("t", "sexual")]
    assert parse_yaml("", "y") == []
    with pytest.raises(ConfigError, match="item 1"):
        parse_yaml("- {category: x}\n", "y")
    with pytest.raises(ConfigError, match="invalid YAML"):
        parse_yaml("a: [\n", "y")


def test_yaml_lists_refuse_aliases_and_say_where():
    laughs = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    with pytest.raises(ConfigError, match=r"lists\.yml:2.*alias"):
        parse_yaml(laughs, "lists.yml")


def test_unhashable_yaml_keys_are_a_clear_error():
    with pytest.raises(ConfigError, match=r"y:1"):
        parse_yaml("{[a]: [b]}\n", "y")


def test_oversized_and_undecodable_lists_are_refused_with_their_path(tmp_path, monkeypatch):
    from chatcore import safeyaml

    monkeypatch.setattr(safeyaml, "DATA_MAX_BYTES", 100)
    big = tmp_path / "big.txt"
    big.write_text("word\n" * 50, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"big\.txt: too large"):
        load_list(big)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin\.txt: not UTF-8"):
        load_list(latin)


def test_allow_lists_mark_every_entry_allowed(tmp_path):
    path = tmp_path / "allow.yml"
    path.write_text("- scunthorpe\n", encoding="utf-8")
    assert load_list(path, allow=True) == [Entry("scunthorpe", "offensive", True)]


def test_builtin_lists_cover_every_category_in_both_languages():
    for lang in ("en", "zh"):
        entries = builtin_entries([lang])
        categories = {e.category for e in entries if not e.allow}
        assert {"offensive", "hate", "sexual", "violent-threat", "self-harm"} <= categories
        assert any(e.allow for e in entries)
    with pytest.raises(ConfigError, match="'xx'"):
        builtin_entries(["xx"])


def test_pinyin_spellings_only_for_long_han_terms():
    extra = pinyin_entries([Entry("操你妈", "offensive"), Entry("婊", "hate")])
    assert Entry("caonima", "offensive") in extra and Entry("cao ni ma", "offensive") in extra
    assert not any(e.category == "hate" for e in extra)  # "biao" is too short
