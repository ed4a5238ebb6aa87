"""Question/answer pairs from chatterbot-style YAML, CSV/TSV and JSONL files.

Malformed input is refused with the file, the line and the reason. Records end at a line
break (``\n``, ``\r\n`` or ``\r``) only: U+2028, U+0085, form feeds and the like are
characters of a text, as in the csv and json modules, so line numbers match an editor's.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from chatcore import safeyaml
from chatcore.builtin.qa.errors import DataError

DEFAULT_LANGUAGES = ("english", "chinese")

LINE_BREAK = re.compile(r"\r\n?|\n")
"""What ends a JSONL record: not ``str.splitlines``, which also breaks at U+2028/U+2029,
U+0085, U+001C-U+001E, \\v and \\f, characters a JSON string may hold as they are."""

LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""A UTF-16 surrogate left alone in a text (a JSON escape such as ``"\\ud800"`` without its
pair decodes to one): it cannot be encoded, so printing or saving it would fail later."""


@dataclass(frozen=True, slots=True)
class Pair:
    """One question and its answer, with where it came from (for reports and errors)."""

    question: str
    answer: str
    source: str = ""
    line: int = 0


def default_data_files() -> list[Path]:
    """The English and Chinese files of the installed chatterbot-corpus package."""
    import importlib.util

    spec = importlib.util.find_spec("chatterbot_corpus")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(
            "the default data needs the chatterbot-corpus package: "
            "pip install chatterbot-corpus, or pass --data FILE"
        )
    root = Path(next(iter(spec.submodule_search_locations))) / "data"
    files = [f for lang in DEFAULT_LANGUAGES for f in sorted((root / lang).glob("*.yml"))]
    if not files:
        raise DataError(f"{root}: no English or Chinese corpus files found")
    return files


def load_files(paths: list[Path]) -> list[Pair]:
    """Every pair of every file, in order."""
    pairs: list[Pair] = []
    for path in paths:
        pairs.extend(load_file(Path(path)))
    return pairs


def load_file(path: Path) -> list[Pair]:
    """Pairs from one file; the suffix picks the format."""
    suffix = path.suffix.lower()
    loaders = {".yml": _load_yaml, ".yaml": _load_yaml, ".csv": _load_csv, ".tsv": _load_csv}
    loader = loaders.get(suffix, _load_jsonl if suffix in (".jsonl", ".ndjson") else None)
    if loader is None:
        raise DataError(f"{path}: unknown data format {suffix!r} (use .yml, .csv, .tsv, .jsonl)")
    is_yaml = loader is _load_yaml
    read = read_yaml_text if is_yaml else partial(Path.read_text, encoding="utf-8-sig")
    return loader(path, read_text_of(path, read, "data file"))


def read_text_of(path: Path, read: Callable[[Path], str], what: str) -> str:
    """``read(path)``, its failures as one DataError naming the file: not found, not UTF-8
    (with the byte), or what the system said."""
    try:
        return read(path)
    except FileNotFoundError:
        raise DataError(f"{path}: {what} not found") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None


def read_yaml_text(path: Path) -> str:
    """A YAML data file's text, refused over ``safeyaml.DATA_MAX_BYTES``: its parsed form
    costs many times its bytes, unlike CSV and JSONL, which are read whole as they are."""
    hint = "; split it into several files, or use CSV or JSONL"
    return safeyaml.read_text(
        path, safeyaml.DATA_MAX_BYTES, DataError, what="a YAML data file", hint=hint
    )


def _load_yaml(path: Path, text: str) -> list[Pair]:
    """chatterbot format: ``conversations:`` is a list of lists; each line is answered by the
    next one."""
    import yaml

    root = safeyaml.compose(text, path, DataError).node
    if not isinstance(root, yaml.MappingNode):
        raise DataError(f"{path}:1: expected a mapping with a 'conversations' list")
    convs = next((v for k, v in root.value if k.value == "conversations"), None)
    if not isinstance(convs, yaml.SequenceNode):
        line = safeyaml.line(convs) if convs is not None else 1
        raise DataError(f"{path}:{line}: 'conversations' must be a list of lists of lines")
    pairs = []
    for conv in convs.value:
        lines = _conversation_lines(path, conv)
        for (q, line), (a, _) in itertools.pairwise(lines):
            pairs.append(Pair(q, a, str(path), line))
    return pairs


def _conversation_lines(path: Path, conv) -> list[tuple[str, int]]:
    import yaml

    line = safeyaml.line(conv)
    if isinstance(conv, yaml.ScalarNode):
        # chatterbot iterates a bare string character by character; the hygiene drops it
        return [(char, line) for char in conv.value]
    if not isinstance(conv, yaml.SequenceNode):
        raise DataError(f"{path}:{line}: a conversation must be a list of lines")
    if len(conv.value) < 2:
        raise DataError(f"{path}:{line}: a conversation needs at least two lines")
    out = []
    for item in conv.value:
        if not isinstance(item, yaml.ScalarNode) or item.value.strip() == "":
            where = safeyaml.where(path, item.start_mark, column=False)
            raise DataError(f"{where}: each line of a conversation must be non-empty text")
        out.append((item.value, safeyaml.line(item)))
    return out


def _load_csv(path: Path, text: str) -> list[Pair]:
    """A header row naming ``question`` and ``answer`` columns (comma or tab separated)."""
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    # newline="": the csv module sees each line's own ending, as its documentation asks, so
    # quoted line breaks are kept and only \n, \r\n and \r end a row
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = _csv_rows(path, reader)
    header = [h.strip().lower() for h in next(rows, [])]
    if "question" not in header or "answer" not in header:
        raise DataError(f"{path}:1: the header must name 'question' and 'answer' columns")
    qi, ai = header.index("question"), header.index("answer")
    pairs = []
    for row in rows:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(qi, ai):
            raise DataError(f"{path}:{line}: expected {len(header)} columns, found {len(row)}")
        pairs.append(_pair(path, line, row[qi], row[ai]))
    return pairs


def _csv_rows(path: Path, reader: Any) -> Iterator[list[str]]:
    """The rows of a csv reader; a malformed one (a field over the csv module's size limit,
    say) is a DataError at its line rather than a csv.Error."""
    try:
        yield from reader
    except csv.Error as exc:
        raise DataError(f"{path}:{reader.line_num}: invalid CSV: {exc}") from None


def _load_jsonl(path: Path, text: str) -> list[Pair]:
    """One JSON object per line with string ``question`` and ``answer`` fields."""
    pairs = []
    for line, raw in enumerate(LINE_BREAK.split(text), start=1):
        if not raw.strip():
            continue
        obj = _json_value(path, line, raw)
        if not isinstance(obj, dict) or not {"question", "answer"} <= obj.keys():
            raise DataError(f"{path}:{line}: expected an object with 'question' and 'answer'")
        pairs.append(_pair(path, line, obj["question"], obj["answer"]))
    return pairs


def _json_value(path: Path, line: int, raw: str) -> Any:
    """One line's JSON; every way it can fail is a DataError naming the line, including
    nesting too deep for the parser and a number too long to convert."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}:{line}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise DataError(f"{path}:{line}: invalid JSON: nested too deeply") from None
    except ValueError as exc:
        problem = str(exc).split(";")[0]
        raise DataError(f"{path}:{line}: invalid JSON: {problem}") from None


def _pair(path: Path, line: int, question: object, answer: object) -> Pair:
    for name, value in (("question", question), ("answer", answer)):
        if not isinstance(value, str) or not value.strip():
            raise DataError(f"{path}:{line}: {name} must be non-empty text")
        if found := LONE_SURROGATE.search(value):
            code = f"\\u{ord(found.group()):04x}"
            raise DataError(
                f"{path}:{line}: {name} holds a lone surrogate ({code}), which is not a "
                "character: escape the whole UTF-16 pair, or write the character itself"
            )
    return Pair(str(question), str(answer), str(path), line)
