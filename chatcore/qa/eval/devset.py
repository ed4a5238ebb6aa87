"""Evaluation sets: paraphrases of known questions and out-of-domain questions.

A dev file is YAML with ``paraphrases:`` (a list of ``[paraphrase, known question]``) and
``out_of_domain:`` (a list of questions the bot should not answer). Plain training-data files
(YAML conversations, CSV/TSV, JSONL) also work: each question must get its answer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from chatcore.qa.errors import DataError


@dataclass(frozen=True)
class Case:
    """One evaluation question: the expected answers (empty: it should fall back)."""

    question: str
    expected: frozenset[str]
    where: str
    kind: str  # paraphrase | pair | ood
    split: str = ""  # the folder of its file: data/dev -> dev, data/test -> test


def load_cases(paths: list[Path], answers_of) -> list[Case]:
    """Cases from every file; ``answers_of(question)`` gives the known answers of a known
    question (None when the model does not know it, which is an error naming the line)."""
    cases: list[Case] = []
    for path in paths:
        split = Path(path).resolve().parent.name
        cases.extend(replace(c, split=split) for c in _load(Path(path), answers_of))
    if not cases:
        raise DataError("the evaluation data has no questions")
    return cases


def _load(path: Path, answers_of) -> list[Case]:
    import yaml

    if path.suffix.lower() in (".yml", ".yaml"):
        try:
            root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        except FileNotFoundError:
            raise DataError(f"{path}: evaluation file not found") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark else str(path)
            raise DataError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
        keys = {k.value: v for k, v in root.value} if isinstance(root, yaml.MappingNode) else {}
        if "paraphrases" in keys or "out_of_domain" in keys:
            return _dev_cases(path, keys, answers_of)
    from chatcore.qa.data.sources import load_file

    return [
        Case(p.question, frozenset([p.answer]), f"{p.source}:{p.line}", "pair")
        for p in load_file(path)
    ]


def _dev_cases(path: Path, keys: dict, answers_of) -> list[Case]:
    import yaml

    cases = []
    for node in getattr(keys.get("paraphrases"), "value", []):
        where = f"{path}:{node.start_mark.line + 1}"
        if not isinstance(node, yaml.SequenceNode) or len(node.value) != 2:
            raise DataError(f"{where}: a paraphrase is a list [paraphrase, known question]")
        paraphrase, known = (item.value for item in node.value)
        answers = answers_of(known)
        if not answers:
            raise DataError(f"{where}: {known!r} is not a question the model knows")
        cases.append(Case(paraphrase, frozenset(answers), where, "paraphrase"))
    for node in getattr(keys.get("out_of_domain"), "value", []):
        where = f"{path}:{node.start_mark.line + 1}"
        if not isinstance(node, yaml.ScalarNode):
            raise DataError(f"{where}: an out-of-domain entry is a question (text)")
        cases.append(Case(node.value, frozenset(), where, "ood"))
    return cases
