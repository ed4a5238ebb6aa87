"""Loaders for the three formats, their errors (file, line, reason) and the data hygiene."""

from __future__ import annotations

import pytest

from chatcore.builtin.qa.data import hygiene, sources
from chatcore.builtin.qa.data.bank import AnswerBank
from chatcore.builtin.qa.data.sources import Pair, load_file
from chatcore.builtin.qa.errors import DataError


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_each_line_is_answered_by_the_next(tmp_path):
    path = write(tmp_path, "c.yml", "conversations:\n- - Hi\n  - Hello\n  - How are you?\n")
    pairs = load_file(path)
    assert [(p.question, p.answer, p.line) for p in pairs] == [
        ("Hi", "Hello", 2),
        ("Hello", "How are you?", 3),
    ]


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("conversations: [\n", 2, "invalid YAML"),
        ("- just a list\n", 1, "expected a mapping"),
        ("conversations: 3\n", 1, "must be a list"),
        ("conversations:\n- - only one line\n", 2, "at least two lines"),
        ("conversations:\n- - Hi\n  - ''\n", 3, "non-empty text"),
        ("conversations:\n- - Hi\n  - [a, b]\n", 3, "non-empty text"),
        ("conversations:\n- - &hi Hi\n  - Hello\n- - *hi\n  - Hey\n", 4, "aliases (*hi)"),
        ("conversations:\n- - Hi\n  - \x07\n", 3, "control characters"),
    ],
)
def test_yaml_errors_name_file_line_and_reason(tmp_path, text, line, reason):
    path = write(tmp_path, "bad.yml", text)
    with pytest.raises(DataError) as info:
        load_file(path)
    assert f"{path}:{line}:" in str(info.value)
    assert reason in str(info.value)


def test_csv_and_tsv(tmp_path):
    csv_path = write(tmp_path, "p.csv", 'question,answer\n"Hi, there",Hello\n\nBye,See you\n')
    tsv_path = write(tmp_path, "p.tsv", "answer\tquestion\nHello\tHi\n")
    assert [(p.question, p.answer, p.line) for p in load_file(csv_path)] == [
        ("Hi, there", "Hello", 2),
        ("Bye", "See you", 4),
    ]
    assert [(p.question, p.answer) for p in load_file(tsv_path)] == [("Hi", "Hello")]


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("q,a\nHi,Hello\n", 1, "header must name"),
        ("question,answer\nHi\n", 2, "expected 2 columns"),
        ("question,answer\nHi,Hello\n ,Empty\n", 3, "question must be non-empty"),
        ("question,answer\nHi,Hello\n" + "x" * 200_000 + ",y\n", 3, "invalid CSV: field larger"),
    ],
)
def test_csv_errors(tmp_path, text, line, reason):
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(DataError, match=reason) as info:
        load_file(path)
    assert f"{path}:{line}:" in str(info.value)


def test_jsonl(tmp_path):
    path = write(
        tmp_path,
        "p.jsonl",
        '{"question": "Hi", "answer": "Hello"}\n\n'
        '{"question": "你好", "answer": "嗨", "extra": 1}\n',
    )
    assert [(p.question, p.answer, p.line) for p in load_file(path)] == [
        ("Hi", "Hello", 1),
        ("你好", "嗨", 3),
    ]


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ('{"question": "Hi", "answer": "Hello"}\n{"question": "Hi"\n', 2, "invalid JSON"),
        ('{"question": "Hi"}\n', 1, "expected an object with 'question' and 'answer'"),
        ('["Hi", "Hello"]\n', 1, "expected an object"),
        ('{"question": "Hi", "answer": 3}\n', 1, "answer must be non-empty text"),
        ('{"question": "Hi", "answer": "Hello"}\n' + "[" * 100_000, 2, "nested too deeply"),
        ('{"question": 1' + "0" * 5000 + "}\n", 1, "invalid JSON: Exceeds the limit"),
    ],
)
def test_jsonl_errors(tmp_path, text, line, reason):
    path = write(tmp_path, "bad.jsonl", text)
    with pytest.raises(DataError, match=reason) as info:
        load_file(path)
    assert f"{path}:{line}:" in str(info.value)


def test_unknown_format_missing_file_and_bad_encoding(tmp_path):
    with pytest.raises(DataError, match=r"unknown data format '\.txt'"):
        load_file(write(tmp_path, "p.txt", "x"))
    with pytest.raises(DataError, match="data file not found"):
        load_file(tmp_path / "missing.csv")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("question,answer\ncaf\xe9,x\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        load_file(latin1)


def test_hygiene_cleans_dedupes_and_drops_split_records(tmp_path):
    path = write(
        tmp_path,
        "c.yml",
        "conversations:\n"
        "- - What’s up?\xa0\n  - Not much.\n"
        "- - what's   UP?\n  - Not much.\n"  # same question after cleaning, same answer
        "- Split record\n"  # a bare string: chatterbot reads it character by character
        "- - ?!\n  - Punctuation only\n",
    )
    report = hygiene.check(load_file(path))
    assert [(p.question, p.answer) for p in report.kept] == [("What's up?", "Not much.")]
    assert report.duplicates == 1
    assert report.split_records == [f"{path}:6"]
    assert len(report.no_words) == 1
    assert report.cleaned >= 1
    assert "1 duplicates" in report.dropped_summary()


def test_answers_are_kept_as_the_owner_wrote_them(tmp_path):
    path = tmp_path / "faq.csv"
    path.write_text(
        "question,answer\n"
        "周日营业吗？, 营业，时间是上午十点到下午四点。\n"
        "Do you fix ﬂat tyres?,“Yes” — about 20 minutes.\n",
        encoding="utf-8",
    )
    report = hygiene.check(load_file(path))
    assert [p.answer for p in report.kept] == [
        "营业，时间是上午十点到下午四点。",
        "“Yes” — about 20 minutes.",
    ]
    assert [p.question for p in report.kept] == ["周日营业吗?", "Do you fix flat tyres?"]


def test_conflicting_prompts_across_files_are_reported_and_merged(tmp_path):
    a = write(tmp_path, "a.yml", "conversations:\n- - Hello\n  - Hi\n")
    b = write(tmp_path, "b.yml", "conversations:\n- - hello!\n  - Greetings\n")
    report = hygiene.check(sources.load_files([a, b]))
    assert list(report.conflicts) == ["hello"]
    bank = AnswerBank.from_pairs([*report.kept, Pair("Bye", "Bye")])
    hello = next(c for c in bank.classes if "Hello" in c.questions)
    assert sorted(hello.answers) == ["Greetings", "Hi"]


def test_bundled_corpus_needs_and_gets_hygiene():
    report = hygiene.check(sources.load_files(sources.default_data_files()))
    assert len(report.split_records) == 1 and report.split_records[0].endswith("trivia.yml:35")
    assert report.duplicates > 1000  # tech_support.yml repeats 10 pairs 105 times
    assert len(report.conflicts) >= 3
    assert not any("’" in p.question or "\xa0" in p.answer for p in report.kept)


def test_empty_or_one_answer_data_is_refused():
    with pytest.raises(DataError, match="no usable"):
        AnswerBank.from_pairs([])
    with pytest.raises(DataError, match="only one answer"):
        AnswerBank.from_pairs([Pair("a", "x"), Pair("b", "x")])


def test_control_characters_are_reported_by_file_and_line(tmp_path):
    """Issue #17 row 4: an escape sequence in an answer would be obeyed by the terminal that
    shows it; data check names every such pair (kept: every output shows them escaped)."""
    import re

    from click.testing import CliRunner

    from chatcore.cli import build_cli

    path = write(
        tmp_path,
        "faq.jsonl",
        '{"question": "Hi", "answer": "Hello"}\n'
        '{"question": "title?", "answer": "x\\u001b]0;pwned\\u0007 \\u001b[2J \\u009b31m"}\n'
        '{"question": "flip\\u202e it", "answer": "ok"}\n',
    )
    report = hygiene.check(load_file(path))
    assert [p.line for p in report.control_chars] == [2, 3]
    assert len(report.kept) == 3
    assert "2 pairs hold control characters" in report.dropped_summary()
    result = CliRunner().invoke(build_cli(), ["data", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert "suspicious: control characters (kept, shown escaped; every pair listed): 2" in (
        result.output
    )
    assert f"  {path}:2: answer \\x1b, \\x07, \\x9b\n" in result.output
    assert f"  {path}:3: question \\u202e\n" in result.output
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", result.output)
