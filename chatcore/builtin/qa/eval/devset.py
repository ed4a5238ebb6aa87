"""Evaluation sets: paraphrases of known questions, out-of-domain questions, follow-ups.

A dev file is YAML with ``paraphrases:`` (a list of ``[paraphrase, known question]``) and
``out_of_domain:`` (a list of questions the bot should not answer). Plain training-data files
(YAML conversations, CSV/TSV, JSONL) also work: each question must get its answer. A
follow-up file has ``followups:``, ``unknown:`` and ``switch:`` lists of two-turn exchanges
(``first``, ``followup`` and, but for ``unknown``, the ``expected`` known question; see
data/test/README.md); ``load_cases`` leaves those files to ``load_followups``.

YAML is read as training data is (``chatcore.safeyaml``: size-limited, no aliases), and any
malformed file is refused with a ``DataError`` naming the file and, where there is one, the
line: the CLI prints that one line and exits with ``DataError.exit_code``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from chatcore import safeyaml
from chatcore.builtin.qa.errors import DataError


@dataclass(frozen=True)
class Case:
    """One evaluation question: the expected answers (empty: it should fall back)."""

    question: str
    expected: frozenset[str]
    where: str
    kind: str  # paraphrase | pair | ood
    split: str = ""  # the folder of its file: data/dev -> dev, data/test -> test


@dataclass(frozen=True)
class FollowUp:
    """A message sent after ``first``: the expected answers in context (empty: fall back)."""

    first: str
    message: str
    expected: frozenset[str]
    where: str
    kind: str  # followup | unknown | switch
    split: str = ""


FOLLOWUP_KINDS = ("followups", "unknown", "switch")

NULL_TAG = "tag:yaml.org,2002:null"


def load_cases(paths: list[Path], answers_of, required: bool = True) -> list[Case]:
    """Cases from every file but follow-up files; ``answers_of(question)`` gives the known
    answers of a known question (None when the model does not know it, which is an error
    naming the line)."""
    cases: list[Case] = []
    for path in paths:
        split = Path(path).resolve().parent.name
        cases.extend(replace(c, split=split) for c in _load(Path(path), answers_of))
    if not cases and required:
        raise DataError("the evaluation data has no questions")
    return cases


def load_followups(paths: list[Path], answers_of) -> list[FollowUp]:
    """The two-turn exchanges of every follow-up file among ``paths``."""
    out: list[FollowUp] = []
    for path in paths:
        keys = _yaml_keys(Path(path))
        if keys is not None and any(kind in keys for kind in FOLLOWUP_KINDS):
            split = Path(path).resolve().parent.name
            out.extend(_followups(Path(path), keys, answers_of, split))
    return out


def _followups(path: Path, keys: dict, answers_of, split: str) -> list[FollowUp]:
    return [
        _exchange(path, node, kind, answers_of, split)
        for kind in FOLLOWUP_KINDS
        for node in _entries(path, keys, kind, "two-turn exchanges")
    ]


def _exchange(path: Path, node, kind: str, answers_of, split: str) -> FollowUp:
    """One exchange of a follow-up file; errors name its line."""
    import yaml

    where = _where(path, node)
    if not isinstance(node, yaml.MappingNode):
        raise DataError(f"{where}: an exchange is a mapping (first, followup, expected)")
    fields = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise DataError(
                f"{_where(path, key)}: an exchange's keys are names (first, followup, "
                f"expected), not a {key.id}"
            )
        fields[key.value] = value
    needed = ["first", "followup"] + ([] if kind == "unknown" else ["expected"])
    for key in needed:
        value = fields.get(key)
        if value is not None and not isinstance(value, yaml.ScalarNode):
            raise DataError(f"{_where(path, value)}: {key} must be text, not a {value.id}")
    missing = [key for key in needed if not _is_text(fields.get(key))]
    if missing:
        raise DataError(f"{where}: the exchange has no {', '.join(missing)}")
    entry = {key: fields[key].value for key in needed}
    expected: frozenset[str] = frozenset()
    if kind != "unknown":
        expected = frozenset(answers_of(entry["expected"]) or ())
        if not expected:
            raise DataError(f"{where}: {entry['expected']!r} is not a question the model knows")
    name = kind.removesuffix("s")
    return FollowUp(entry["first"], entry["followup"], expected, where, name, split)


def _yaml_keys(path: Path) -> dict | None:
    """The top-level mapping of a YAML file (its nodes, for line numbers), None for other
    files. Read as training data is (chatcore.safeyaml): size-limited, no aliases."""
    import yaml

    from chatcore.builtin.qa.data.sources import read_text_of, read_yaml_text

    if path.suffix.lower() not in (".yml", ".yaml"):
        return None
    text = read_text_of(path, read_yaml_text, "evaluation file")
    root = safeyaml.compose(text, path, DataError).node
    if not isinstance(root, yaml.MappingNode):
        return {}
    return {k.value: v for k, v in root.value if isinstance(k, yaml.ScalarNode)}


def _load(path: Path, answers_of) -> list[Case]:
    keys = _yaml_keys(path)
    if keys is not None:
        if any(kind in keys for kind in FOLLOWUP_KINDS):
            return []
        if "paraphrases" in keys or "out_of_domain" in keys:
            return _dev_cases(path, keys, answers_of)
    from chatcore.builtin.qa.data.sources import load_file

    return [
        Case(p.question, frozenset([p.answer]), f"{p.source}:{p.line}", "pair")
        for p in load_file(path)
    ]


def _dev_cases(path: Path, keys: dict, answers_of) -> list[Case]:
    import yaml

    cases = []
    for node in _entries(path, keys, "paraphrases", "[paraphrase, known question] pairs"):
        where = _where(path, node)
        if (
            not isinstance(node, yaml.SequenceNode)
            or len(node.value) != 2
            or not all(_is_text(item) for item in node.value)
        ):
            raise DataError(
                f"{where}: a paraphrase is a list [paraphrase, known question] of two texts"
            )
        paraphrase, known = (item.value for item in node.value)
        answers = answers_of(known)
        if not answers:
            raise DataError(f"{where}: {known!r} is not a question the model knows")
        cases.append(Case(paraphrase, frozenset(answers), where, "paraphrase"))
    for node in _entries(path, keys, "out_of_domain", "questions"):
        where = _where(path, node)
        if not _is_text(node):
            raise DataError(f"{where}: an out-of-domain entry is a question (text)")
        cases.append(Case(node.value, frozenset(), where, "ood"))
    return cases


def _entries(path: Path, keys: dict, kind: str, what: str) -> list:
    """The item nodes of the top-level list ``kind``: none when the key is absent or left
    empty (``kind:`` alone), a DataError at its line when it is anything but a list."""
    import yaml

    node = keys.get(kind)
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG):
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise DataError(f"{_where(path, node)}: '{kind}' must be a list of {what}")
    return node.value


def _is_text(node) -> bool:
    """A scalar with some text (its characters as written: ``yes`` and ``1`` are text)."""
    import yaml

    return isinstance(node, yaml.ScalarNode) and node.value.strip() != ""


def _where(path: Path, node) -> str:
    return safeyaml.where(path, node.start_mark, column=False)
