"""CSV, TSV and JSONL records end at a line break only (\\n, \\r\\n or \\r): U+2028, U+2029,
U+0085, \\v, \\f and U+001C-U+001E are characters of a question or answer, and line numbers in
errors match an editor's. A lone surrogate (from a JSON escape without its pair) is refused
naming file and line, as the YAML loader refuses one, whichever YAML parser is installed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chatcore import safeyaml
from chatcore.builtin.qa.data.sources import Pair, load_file
from chatcore.builtin.qa.errors import DataError

# what str.splitlines breaks at besides \n and \r
NOT_LINE_BREAKS = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.parametrize("char", NOT_LINE_BREAKS, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_a_csv_field_keeps_characters_splitlines_would_break_at(tmp_path, suffix, char):
    sep = "\t" if suffix == ".tsv" else ","
    text = f"question{sep}answer\nfirst{char}part{sep}yes\nnext{sep}no\nbroken\n"
    path = write(tmp_path, f"data{suffix}", text)
    with pytest.raises(DataError) as info:
        load_file(path)
    assert str(info.value) == f"{path}:4: expected 2 columns, found 1"
    pairs = load_file(write(tmp_path, f"ok{suffix}", text.removesuffix("broken\n")))
    assert [(p.question, p.answer, p.line) for p in pairs] == [
        (f"first{char}part", "yes", 2),
        ("next", "no", 3),
    ]


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_csv_line_endings_and_quoted_line_breaks(tmp_path, ending):
    rows = ["question,answer", '"two', 'lines",yes', "after\u2028,no", "bad"]
    path = write(tmp_path, "data.csv", ending.join(rows) + ending)
    with pytest.raises(DataError) as info:
        load_file(path)
    assert str(info.value) == f"{path}:5: expected 2 columns, found 1"
    path = write(tmp_path, "ok.csv", ending.join(rows[:-1]) + ending)
    assert [(p.question, p.line) for p in load_file(path)] == [
        ("two\nlines", 3),
        ("after\u2028", 4),
    ]


@pytest.mark.parametrize("char", NOT_LINE_BREAKS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_jsonl_record_keeps_characters_splitlines_would_break_at(tmp_path, char):
    # JSON allows U+2028, U+2029 and U+0085 unescaped in a string; the control characters
    # must be escaped there, and are then a JSON error naming their own line
    raw = char in "\u2028\u2029\x85"
    inner = char if raw else f"\\u{ord(char):04x}"
    text = f'{{"question": "a{inner}b", "answer": "x"}}\n{{"question": "c"}}\n'
    path = write(tmp_path, "data.jsonl", text)
    with pytest.raises(DataError) as info:
        load_file(path)
    assert str(info.value) == f"{path}:2: expected an object with 'question' and 'answer'"
    if not raw:
        bare = write(tmp_path, "bare.jsonl", f'{{"question": "a{char}b", "answer": "x"}}\n')
        with pytest.raises(DataError, match=rf"^{bare}:1: invalid JSON: Invalid control"):
            load_file(bare)
    path = write(tmp_path, "ok.jsonl", text.split("\n")[0] + "\n")
    assert load_file(path) == [Pair(f"a{char}b", "x", str(path), 1)]


def test_a_jsonl_separator_other_than_a_line_break_is_not_one(tmp_path):
    path = write(tmp_path, "data.jsonl", '{"question": "q", "answer": "a"}\u2028{}\n')
    with pytest.raises(DataError, match=rf"^{path}:1: invalid JSON: Extra data"):
        load_file(path)


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_jsonl_line_endings_and_blank_lines(tmp_path, ending):
    lines = ['{"question": "q1", "answer": "a1"}', "", '{"question": "q2", "answer": "a2"}']
    path = write(tmp_path, "data.jsonl", ending.join([*lines, "[]"]) + ending)
    with pytest.raises(DataError) as info:
        load_file(path)
    assert str(info.value) == f"{path}:4: expected an object with 'question' and 'answer'"
    path = write(tmp_path, "ok.jsonl", ending.join(lines) + ending)
    assert [(p.question, p.line) for p in load_file(path)] == [("q1", 1), ("q2", 3)]


@pytest.mark.parametrize(
    ("record", "field", "code"),
    [
        ('{"question": "hi \\ud800", "answer": "x"}', "question", "\\ud800"),
        ('{"question": "hi", "answer": "\\udfff there"}', "answer", "\\udfff"),
        ('{"question": "\\ude00\\ud83d", "answer": "x"}', "question", "\\ude00"),  # reversed
        ('{"question": "\\ud83d", "answer": "\\ude00"}', "question", "\\ud83d"),  # split
    ],
)
def test_jsonl_refuses_a_lone_surrogate_naming_file_and_line(tmp_path, record, field, code):
    path = write(tmp_path, "data.jsonl", '{"question": "ok", "answer": "ok"}\n' + record + "\n")
    with pytest.raises(DataError) as info:
        load_file(path)
    assert str(info.value) == (
        f"{path}:2: {field} holds a lone surrogate ({code}), which is not a character: "
        "escape the whole UTF-16 pair, or write the character itself"
    )
    str(info.value).encode("utf-8")  # the message itself can be printed


def test_jsonl_accepts_an_escaped_surrogate_pair(tmp_path):
    path = write(tmp_path, "data.jsonl", '{"question": "smile \\ud83d\\ude00", "answer": "x"}\n')
    assert load_file(path) == [Pair("smile \U0001f600", "x", str(path), 1)]


YAML_SURROGATE = 'conversations:\n- - hi\n  - "there \\ud800"\n'


def test_yaml_refuses_a_lone_surrogate_naming_file_and_line(tmp_path):
    path = write(tmp_path, "data.yml", YAML_SURROGATE)
    with pytest.raises(DataError) as info:
        load_file(path)
    assert str(info.value).startswith(f"{path}:3:")
    assert "invalid YAML: found invalid Unicode character escape code" in str(info.value)


def test_the_pure_python_yaml_parser_refuses_a_lone_surrogate_too(tmp_path, monkeypatch):
    """Without libyaml, PyYAML decodes the escape; the node walk refuses it instead."""
    monkeypatch.setattr(safeyaml, "_Loader", yaml.SafeLoader)
    monkeypatch.setattr(safeyaml, "_Base", yaml.SafeLoader)
    path = write(tmp_path, "data.yml", YAML_SURROGATE)
    with pytest.raises(DataError) as info:
        load_file(path)
    assert str(info.value) == (
        f"{path}:3:5: invalid YAML: found invalid Unicode character escape code "
        "(a lone surrogate, \\ud800)"
    )
    fine = write(tmp_path, "fine.yml", 'conversations:\n- - hi\n  - "there \\U0001F600"\n')
    assert [p.answer for p in load_file(fine)] == ["there \U0001f600"]
