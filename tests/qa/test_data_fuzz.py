"""Any training file (YAML, CSV, TSV, JSONL) either loads or is refused with a DataError, in
bounded time and memory: random bytes and text, format-shaped token soup, nested YAML with
anchors and aliases, deep nesting. Training and evaluation YAML alike refuse the "billion
laughs" and files over the size limit, quickly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from chatcore import safeyaml
from chatcore.builtin.qa.data.sources import Pair, load_file
from chatcore.builtin.qa.errors import DataError
from chatcore.builtin.qa.eval.devset import load_cases, load_followups
from tests.bounds import bounded, fuzz_settings

SUFFIXES = (".yml", ".csv", ".tsv", ".jsonl")
FUZZ = fuzz_settings(200)


def knows(question: str) -> set[str]:
    """Stands in for a model that knows every question, so evaluation files get checked."""
    return {"an answer"}


def outcome(path: Path) -> list[Pair] | DataError:
    """The pairs of ``path``, or the DataError that refused it. Any other exception fails
    the test."""
    try:
        return load_file(path)
    except DataError as exc:
        return exc


def check(folder: Path, suffix: str, content: bytes) -> list[Pair] | DataError:
    path = folder / f"data{suffix}"
    path.write_bytes(content)
    with bounded():
        result = outcome(path)
    if isinstance(result, DataError):
        assert str(result).startswith(str(path))
    else:
        assert all(isinstance(p.question, str) and isinstance(p.answer, str) for p in result)
        for pair in result:  # no lone surrogate: every text loaded can be printed and saved
            (pair.question + pair.answer).encode("utf-8")
    return result


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder whose files every example rewrites."""
    return tmp_path_factory.mktemp("fuzz")


SHAPES = {
    ".yml": [
        *"[]{}:,-?|>'\"#&*!\t\n ",
        "conversations:", "conversations:\n", "conversations: ", "x: ",
        "- - ", "  - ", "- ", "\n  ", "&a ", "*a", "&b ", "*b", "<<: ", "!!binary ", "!!set ",
        "!!int ", "!!timestamp ", "---\n", "Hi", "Hello", "你好", "\x00", "\x1b", "\ufeff",
    ],
    ".csv": [*',"\n\r\t ', "question", "answer", "Hi", "Hello", '""', "\x00", "你好", "\ufeff"],
    ".tsv": [*'\t"\n\r, ', "question", "answer", "Hi", "Hello", '""', "\x00", "你好"],
    ".jsonl": [
        *'{}[]:,"\n\\ ', '"question"', '"answer"', '"Hi"', "null", "1e999", "-0", "NaN",
        "Infinity", "\\u0000", "\\ud800", "1" * 30, "true", '"x": ', "\x00", "你好",
    ],
}  # fmt: skip


def soup(suffix: str) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(SHAPES[suffix]), max_size=80).map("".join)


LINES = st.one_of(
    st.sampled_from(["Hi", "Hello", "'q'", "*a", "*b", "&a x", "&b y", "[a, b]", "{a: b}", ""]),
    st.text(st.characters(blacklist_categories=["Cs"]), max_size=10).map(json.dumps),
)


def _nest(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    seq = st.lists(children, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]")
    anchored = st.tuples(st.sampled_from("ab"), seq).map(lambda t: f"&{t[0]} {t[1]}")
    return st.one_of(seq, anchored)


conversations = st.tuples(
    st.sampled_from(["conversations", "paraphrases", "x"]),
    st.recursive(LINES, _nest, max_leaves=30),
).map(lambda t: f"{t[0]}: {t[1]}\n")


@FUZZ
@given(suffix=st.sampled_from(SUFFIXES), content=st.binary(max_size=2000))
def test_random_bytes(folder, suffix, content):
    check(folder, suffix, content)


@FUZZ
@given(suffix=st.sampled_from(SUFFIXES), text=st.text(max_size=2000))
def test_random_unicode_with_control_characters(folder, suffix, text):
    check(folder, suffix, text.encode("utf-8"))


@FUZZ
@given(data=st.data(), suffix=st.sampled_from(SUFFIXES))
def test_format_shaped_token_soup(folder, data, suffix):
    check(folder, suffix, data.draw(soup(suffix)).encode("utf-8"))


@FUZZ
@given(text=conversations)
def test_nested_yaml_with_anchors_and_aliases(folder, text):
    check(folder, ".yml", text.encode("utf-8"))


@FUZZ
@given(
    rows=st.lists(
        st.one_of(
            st.dictionaries(st.sampled_from(["question", "answer", "x"]), st.text(max_size=8)),
            st.recursive(st.none() | st.integers() | st.text(max_size=5), st.lists, max_leaves=9),
        ),
        max_size=8,
    )
)
def test_jsonl_of_arbitrary_values(folder, rows):
    check(folder, ".jsonl", "\n".join(json.dumps(row) for row in rows).encode("utf-8"))


@pytest.mark.parametrize(
    ("suffix", "text"),
    [
        (".yml", "[" * 100_000),
        (".yml", "conversations: " + "[" * 999 + "]" * 999),
        (".yml", "conversations:\n" + "".join(" " * i + "- \n" for i in range(1200))),
        (".yml", "conversations:\n- - &a Hi\n  - *a\n"),
        (".yml", "conversations: *nowhere"),
        (".yml", "? [conversations]\n: [[a, b]]\n"),
        (".yml", "conversations: [a, [b, [c]], {d: e}]\n"),
        (".csv", "question,answer\n" + '"' * 200_001),
        (".csv", "question,answer\n" + "x" * 200_000 + ",y\n"),
        (".csv", 'question,answer\n"Hi\nthere",Hello\n'),
        (".csv", "question,answer\n\x00,\x00\n"),
        (".tsv", "question\tanswer\n" + '"' * 1000 + "\tx\n"),
        (".jsonl", "[" * 100_000),
        (".jsonl", '{"question": ' + "[" * 100_000),
        (".jsonl", '{"question": 1' + "0" * 5000 + ', "answer": "x"}'),
        (".jsonl", '{"question": "\\ud800", "answer": "x"}'),
    ],
    ids=lambda value: repr(value[:24]),
)
def test_hostile_files_are_refused_or_loaded_quickly(folder, suffix, text):
    check(folder, suffix, text.encode("utf-8"))


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """Training data whose conversations are ``width``**``levels`` lines, from aliases."""
    lines = ['l0: &l0 ["lol"' + ', "lol"' * (width - 1) + "]"]
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + f"\nconversations: [*l{levels}]\n"


def repeated_lines(length: int = 1000, copies: int = 3000) -> str:
    """One long line, repeated by alias as bare-string conversations (each yields a pair per
    character): a few kilobytes for millions of pairs."""
    return "conversations:\n- &s " + "x" * length + "\n" + "- *s\n" * copies


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (billion_laughs(), ":2:10: YAML aliases (*l0)"),
        (repeated_lines(), ":3:3: YAML aliases (*s)"),
    ],
    ids=["nested", "repeated"],
)
def test_billion_laughs_data_is_refused_quickly_naming_the_file(folder, text, where):
    path = folder / "laughs.yml"
    path.write_text(text, encoding="utf-8")
    readers = (load_file, lambda p: load_cases([p], knows), lambda p: load_followups([p], knows))
    for read in readers:
        with bounded(seconds=1, megabytes=8), pytest.raises(DataError) as info:
            read(path)
        assert str(info.value) == f"{path}{where} are not allowed; write the value out"


def test_yaml_data_over_the_size_limit_is_refused_without_reading_it(folder):
    path = folder / "huge.yml"
    with path.open("wb") as stream:
        stream.truncate(safeyaml.DATA_MAX_BYTES + 1)  # sparse: no disk space used
    message = f"{path}: too large ({safeyaml.DATA_MAX_BYTES + 1:,} bytes): a YAML data file"
    for read in (load_file, lambda p: load_cases([p], knows)):
        with bounded(seconds=1, megabytes=1), pytest.raises(DataError) as info:
            read(path)
        assert str(info.value).startswith(message)
        assert "use CSV or JSONL" in str(info.value)


def test_the_bundled_corpus_has_no_aliases_and_loads():
    """Every chatterbot corpus file, in every language, reads under the new rules (one has
    a one-line conversation, refused as before)."""
    root = Path(yaml.__file__).parents[1] / "chatterbot_corpus" / "data"
    files = sorted(root.glob("*/*.yml"))
    assert len(files) > 100
    refused = []
    for path in files:
        try:
            load_file(path)
        except DataError as exc:
            refused.append(str(exc))
    assert all("a conversation needs at least two lines" in problem for problem in refused)
    assert len(refused) <= 1
