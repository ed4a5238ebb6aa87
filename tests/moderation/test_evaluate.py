"""Scoring a moderation on a labelled split: what counts as caught, as a false positive, and
as PII found."""

from __future__ import annotations

import json

import pytest

from chatcore.builtin.moderation.evaluate import by_language, load_split, score

LINES = [
    ("en", "you idiot", "offensive", "offensive", "none"),
    ("en", "i will hurt you", "offensive", "violent-threat", "no-keyword"),
    ("en", "call +1 415 555 0132", "pii", "phone", "none"),
    ("en", "isbn 978-3-16-148410-0", "clean", "id-like-number", "none"),
    ("zh", "你好", "clean", "plain", "none"),
    ("zh", "傻逼", "offensive", "offensive", "none"),
]
FOUND = {
    "you idiot": ["offensive"],
    "call +1 415 555 0132": ["pii-phone"],
    "isbn 978-3-16-148410-0": ["pii-phone"],  # a false positive, and an imprecise PII find
    "傻逼": ["pii-email"],  # PII found on an offensive line still counts as caught
}


@pytest.fixture
def split(tmp_path):
    for language in ("en", "zh"):
        rows = [
            {"text": t, "label": label, "category": c, "evasion": e}
            for lang, t, label, c, e in LINES
            if lang == language
        ]
        text = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
        (tmp_path / f"{language}.jsonl").write_text(text + "\n", encoding="utf-8")
    return tmp_path


def test_a_split_is_scored_overall_and_per_language(split):
    scores = by_language(load_split(split), lambda text: FOUND.get(text, []))
    total = scores["all"]
    assert total.recall == 3 / 4 and total.recall_offensive == 2 / 3
    assert total.false_positives == 1 / 2
    assert total.pii_precision == 1 / 3 and total.pii_recall == 1.0
    assert scores["zh"].false_positives == 0.0 and scores["zh"].pii_recall is None
    assert scores["en"].lines == 4


def test_nothing_found_scores_zero_recall_and_no_false_positives(split):
    nothing = score(load_split(split), lambda text: [])
    assert nothing.recall == 0.0 and nothing.false_positives == 0.0
    assert nothing.pii_precision is None


def test_a_bad_line_names_its_file_and_line(tmp_path):
    (tmp_path / "en.jsonl").write_text('{"text": "a", "label": "clean"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"en.jsonl:1: not a labelled line"):
        load_split(tmp_path)
    (tmp_path / "en.jsonl").write_text(
        '{"text": "a", "label": "rude", "category": "x", "evasion": "none"}\n', encoding="utf-8"
    )
    with pytest.raises(ValueError, match="label 'rude'"):
        load_split(tmp_path)
