"""Any evaluation file (dev set, follow-up set, or training data used as one) either loads or
is refused with a DataError naming the file, in bounded time and memory: arbitrary text,
YAML-shaped token soup, and nested YAML built from the dev and follow-up keys with lists,
mappings and complex keys in every place. The loaders hand the model's lookup only text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from chatcore.builtin.qa.errors import DataError
from chatcore.builtin.qa.eval.devset import Case, FollowUp, load_cases, load_followups
from tests.bounds import bounded, fuzz_settings

FUZZ = fuzz_settings(200)
NO_QUESTIONS = "the evaluation data has no questions"  # about all files, so names none


def knows(question: str) -> set[str]:
    """Stands in for a model that knows every question but those starting with "x", so both
    outcomes of the lookup are exercised; fails on anything but text."""
    assert isinstance(question, str), f"the lookup was given {question!r}"
    return set() if question.startswith("x") else {"an answer"}


def check(folder: Path, text: str) -> list[Case | FollowUp] | DataError:
    """Both loaders on ``text``: what they load, or the DataError that refused the file.
    Any other exception fails the test."""
    path = folder / "dev.yml"
    path.write_text(text, encoding="utf-8")
    loaded: list[Case | FollowUp] = []
    with bounded():
        try:
            loaded += load_followups([path], knows)
            loaded += load_cases([path], knows, required=not loaded)
        except DataError as exc:
            assert str(exc).startswith(f"{path}") or str(exc) == NO_QUESTIONS, str(exc)
            return exc
    for item in loaded:
        texts = [item.question] if isinstance(item, Case) else [item.first, item.message]
        assert all(isinstance(t, str) and t.strip() for t in texts), item
        assert all(isinstance(answer, str) for answer in item.expected), item
    return loaded


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder whose file every example rewrites."""
    return tmp_path_factory.mktemp("devfuzz")


KEYS = ["paraphrases", "out_of_domain", "followups", "unknown", "switch", "conversations", "x"]
FIELDS = ["first", "followup", "expected", "first_expected", "x"]

SOUP = [
    *"[]{}:,-?|>'\"#&*!\t\n ",
    *(f"{key}:" for key in KEYS), *(f"{key}: " for key in FIELDS),
    "- - ", "  - ", "- ", "\n  ", "? ", "&a ", "*a", "~", "null", "''", "1", "yes",
    "!!str ", "!!binary ", "!!set ", "!!omap ", "---\n", "Hi", "xHi", "你好", "\x00", "\ufeff",
    '"\\ud800"', '"\\u2028"', "\u2028", "\x85",
]  # fmt: skip

SCALARS = st.one_of(
    st.sampled_from(["Hi", "xHi", "'q'", '""', "~", "null", "1", "yes", "", "*a", "&a x"]),
    st.sampled_from(FIELDS),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=10).map(json.dumps),
)


def _nest(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A flow list or mapping of ``children``; mapping keys are names or any child (a list
    or mapping key is valid YAML)."""
    items = st.lists(children, max_size=4)
    seq = items.map(lambda xs: "[" + ", ".join(xs) + "]")
    key = st.one_of(st.sampled_from(FIELDS), children)
    pairs = st.lists(st.tuples(key, children), max_size=4)
    mapping = pairs.map(lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}")
    return st.one_of(seq, mapping)


NODES = st.recursive(SCALARS, _nest, max_leaves=30)

documents = st.one_of(
    st.lists(st.tuples(st.sampled_from(KEYS), NODES), max_size=4).map(
        lambda kv: "".join(f"{k}: {v}\n" for k, v in kv)
    ),
    NODES,  # a top-level list, mapping or scalar
    st.lists(NODES, max_size=4).map(lambda xs: "".join(f"- {x}\n" for x in xs)),
)


@FUZZ
@given(text=st.text(max_size=2000))
def test_any_text(folder, text):
    check(folder, text)


@FUZZ
@given(text=st.lists(st.sampled_from(SOUP), max_size=80).map("".join))
def test_yaml_shaped_token_soup(folder, text):
    check(folder, text)


@FUZZ
@given(text=documents)
def test_nested_documents_of_dev_and_follow_up_keys(folder, text):
    check(folder, text)


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        (
            "followups: [{[a]: b}]\n",
            1,
            "an exchange's keys are names (first, followup, expected), not a sequence",
        ),
        (
            "followups:\n  - first: hi\n    followup: and?\n    expected: [Hi]\n",
            4,
            "expected must be text, not a sequence",
        ),
        ("followups:\n  - {first: hi, expected: Hi}\n", 2, "the exchange has no followup"),
        ("unknown: [[hi, and?]]\n", 1, "an exchange is a mapping (first, followup, expected)"),
        ("followups: x\n", 1, "'followups' must be a list of two-turn exchanges"),
        ("switch: {a: b}\n", 1, "'switch' must be a list of two-turn exchanges"),
        ("out_of_domain: x\n", 1, "'out_of_domain' must be a list of questions"),
        ("out_of_domain:\n  - hi\n  - [a]\n", 3, "an out-of-domain entry is a question (text)"),
        ("out_of_domain: ['']\n", 1, "an out-of-domain entry is a question (text)"),
        (
            "paraphrases: {a: b}\n",
            1,
            "'paraphrases' must be a list of [paraphrase, known question] pairs",
        ),
        (
            "paraphrases:\n  - [[a], b]\n",
            2,
            "a paraphrase is a list [paraphrase, known question] of two texts",
        ),
        (
            "paraphrases: [[a, [b]]]\n",
            1,
            "a paraphrase is a list [paraphrase, known question] of two texts",
        ),
        ("paraphrases: [[a, xHi]]\n", 1, "'xHi' is not a question the model knows"),
        ("[[[a], b]]\n", 1, "expected a mapping with a 'conversations' list"),
        ('out_of_domain: ["\\ud800"]\n', 1, "invalid YAML: found invalid Unicode"),
        ("out_of_domain: [&q hi, *q]\n", "1:24", "YAML aliases (*q) are not allowed"),
    ],
    ids=lambda value: repr(value[:24]) if isinstance(value, str) else str(value),
)
def test_malformed_files_are_refused_naming_file_and_line(folder, text, where, problem):
    result = check(folder, text)
    assert isinstance(result, DataError), result
    column = r"(:\d+)?" if isinstance(where, int) else ""  # YAML errors: libyaml's or not
    expected = rf"{re.escape(str(folder / 'dev.yml'))}:{where}{column}: {re.escape(problem)}"
    assert re.match(expected, str(result)), str(result)


def test_empty_lists_are_no_entries(folder):
    text = "paraphrases:\nout_of_domain: []\nx: [hi]\n"
    assert str(check(folder, text)) == NO_QUESTIONS
    assert check(folder, text + "out_of_domain: [hello]\n") == [
        Case("hello", frozenset(), f"{folder / 'dev.yml'}:4", "ood", folder.name)
    ]


def test_the_cli_prints_one_line_and_exits_with_the_data_error_code(
    tiny_model_dir, tmp_path, monkeypatch
):
    from chatcore.cli import build_cli

    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "dev.yml"
    bad.write_text("paraphrases:\n  - [[a], b]\n", encoding="utf-8")
    args = ["eval", "--model", str(tiny_model_dir), "--data", str(bad)]
    result = CliRunner().invoke(build_cli(), args)
    assert result.exit_code == DataError.exit_code == 5, result.output
    problem = "a paraphrase is a list [paraphrase, known question] of two texts"
    assert result.stderr == f"chatcore: error: {bad}:2: {problem}\n"
