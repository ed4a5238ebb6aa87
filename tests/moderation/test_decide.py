"""From spans to one Verdict: the strongest action, masks, redacted snippets."""

from __future__ import annotations

from chatcore import Action
from chatcore.builtin.moderation.decide import Span, mask, merge, snippet, verdict


def test_strongest_action_decides_and_all_categories_are_listed():
    text = "aaa bbb ccc"
    spans = [Span(0, 3, "x"), Span(4, 7, "y"), Span(8, 11, "z")]
    v = verdict("f", text, spans, {"x": "flag", "y": "mask"}, "block")
    assert v.action is Action.BLOCK and v.category == "z"
    assert v.categories == ("x", "y", "z")
    assert v.masked == "aaa *** ***"  # flagged spans stay readable


def test_no_spans_is_allow():
    v = verdict("f", "hello", [], {}, "block")
    assert v.action is Action.ALLOW and v.filter == "f"


def test_merge_overlapping_spans_per_category():
    spans = [Span(0, 4, "a"), Span(2, 6, "a"), Span(3, 5, "b")]
    assert merge(spans) == [Span(0, 6, "a"), Span(3, 5, "b")]


def test_mask_keeps_whitespace_and_zwj_sequences_whole():
    family = "👨\u200d👩\u200d👧"
    assert mask(f"a {family} b", [Span(0, len(family) + 2, "c")]) == "* * b"


def test_mask_writes_the_mask_string_as_given_for_each_visible_character():
    spans = [Span(0, 2, "c"), Span(6, 8, "c")]
    assert mask("ab cd ef", spans, "##") == "#### cd ####"
    assert mask("ab cd ef", spans, "\\") == "\\\\ cd \\\\"
    assert mask("ab cd ef", spans, "") == " cd "
    assert mask("ab cé ef", spans, "##") == "#### cé ####"  # the same outside ASCII


def test_snippet_never_shows_a_one_character_term_and_caps_the_count():
    assert snippet("肏", [Span(0, 1, "offensive")]) == "[offensive] *"
    spans = [Span(i, i + 2, "c") for i in range(0, 10, 2)]
    assert snippet("abcdefghij", spans).endswith("(+2)")
