"""One bounded way to read YAML files: the config, training data and evaluation sets.

A YAML alias (``*name``) repeats an anchored node without copying it, so a few hundred bytes
of nested aliases stand for billions of nodes once anything walks or constructs the document
(the "billion laughs"). No config or corpus needs them, so aliases are refused, with the
file and line of the first one. Files over a size limit are refused before they are parsed,
nesting is capped, and a document is composed once: the node tree (for line numbers) and the
plain data both come from that one pass. A lone surrogate escape (``"\\ud800"``) is refused
by either parser (libyaml does itself), as JSONL data refuses one.

Errors are raised as the caller's own error type (``ConfigError``, ``DataError``), with the
message in the project's ``path:line: problem`` form, so the CLI prints one clear line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import yaml

CONFIG_MAX_BYTES = 1 << 20
"""A config is a few hundred lines; a megabyte is far more than any needs, while keeping the
time and memory of parsing one (a YAML node costs many times its bytes) small."""

DATA_MAX_BYTES = 32 << 20
"""Training and evaluation YAML: hundreds of times the largest chatterbot corpus file. The
whole node tree is held at once, at many times the size of the text, so bigger YAML files
could exhaust memory; CSV and JSONL cost far less per byte and are the formats for bigger
sets."""

MAX_DEPTH = 100
"""Deepest nesting of collections accepted. Configs and corpora nest a few levels; the cap
keeps the recursive code that reads the data (and a pure-Python YAML parser) far from
Python's recursion limit."""

MAX_NUMBER_CHARS = 1000
"""Longest int or float scalar constructed. Converting a long base-60 number such as
``1:2:3:...`` takes time quadratic in its length, and no setting needs such a number."""

READ_CHUNK = 1 << 20

NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")

LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""What only an escape can put in a scalar: a UTF-16 surrogate without its pair, which cannot
be encoded (printing or saving it fails). libyaml refuses the escape; the pure-Python parser
decodes it, so the node walk refuses it there."""

ErrorType = Callable[[str], Exception]

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):
    """The safe loader (libyaml's parser when installed, which keeps line marks) whose value
    conversions fail as YAML errors at the value's line instead of as bare Python errors."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if _is_number(node) and len(node.value) > MAX_NUMBER_CHARS:
            problem = f"a number longer than {MAX_NUMBER_CHARS} characters"
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark)
        try:
            return super().construct_object(node, deep)
        except (ValueError, ArithmeticError, LookupError, TypeError, AttributeError) as exc:
            kind = node.tag.rsplit(":", 1)[-1]
            detail = f" ({exc})" if isinstance(exc, (ValueError, ArithmeticError)) else ""
            problem = f"cannot read {_short(node)} as {kind}{detail}"
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from None


@dataclass
class Document:
    """A composed YAML document: its checked node tree (None when the file is empty), and
    its plain data on demand."""

    node: yaml.Node | None
    source: str
    error: ErrorType
    _loader: Any

    def data(self) -> Any:
        """The plain Python data of the document, built from the same node tree."""
        if self.node is None:
            return None
        try:
            return self._loader.construct_document(self.node)
        except yaml.YAMLError as exc:
            raise self.error(_yaml_problem(self.source, exc)) from None
        finally:
            self._loader.dispose()


def read_text(path: Path, max_bytes: int, error: ErrorType, *, what: str, hint: str = "") -> str:
    """The UTF-8 text of ``path`` (a byte order mark dropped), refused when longer than
    ``max_bytes``; ``what`` names the kind of file in that message. A file known to be too
    large is not read at all, and from a pipe or device at most one byte past the limit is.
    OSError and UnicodeDecodeError are left to the caller, which knows how to word them."""
    with Path(path).open("rb") as stream:
        size = os.fstat(stream.fileno()).st_size  # 0 for pipes and devices
        raw = _read_at_most(stream, max_bytes + 1, size) if size <= max_bytes else b""
    if size > max_bytes or len(raw) > max_bytes:
        actual = f" ({size:,} bytes)" if size > max_bytes else ""
        limit = _size(max_bytes)
        raise error(f"{path}: too large{actual}: {what} may be at most {limit}{hint}")
    return raw.decode("utf-8-sig")


def _read_at_most(stream: BinaryIO, limit: int, expected: int) -> bytes:
    """Up to ``limit`` bytes: first the ``expected`` size, in one allocation for a regular
    file (a bare ``read(limit)`` would allocate the whole limit up front), then in chunks
    for a pipe or device, or a file that grew."""
    parts = [stream.read(min(expected + 1, limit))]
    total = len(parts[0])
    while parts[-1] and total < limit:
        parts.append(stream.read(min(READ_CHUNK, limit - total)))
        total += len(parts[-1])
    return parts[0] if len(parts[0]) == total else b"".join(parts)


def compose(text: str, source: str | Path, error: ErrorType) -> Document:
    """Parse ``text`` (from ``source``, for messages) into a checked node tree: no aliases,
    nesting at most ``MAX_DEPTH``."""
    try:
        loader = _Loader(text)  # the pure-Python reader checks every character here
        node = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        raise error(_reader_problem(source, text, exc)) from None
    except yaml.YAMLError as exc:
        raise error(_yaml_problem(source, exc)) from None
    except RecursionError:  # only the pure-Python parser recurses per level
        raise error(f"{source}: invalid YAML: nested more than {MAX_DEPTH} levels") from None
    if node is not None:
        _check_tree(node, text, str(source), error)
    return Document(node, str(source), error, loader)


def load(path: Path, error: ErrorType, *, max_bytes: int = DATA_MAX_BYTES, what: str) -> Any:
    """The plain data of the YAML file ``path``, read and composed the bounded way."""
    return compose(read_text(path, max_bytes, error, what=what), path, error).data()


def line(node: yaml.Node) -> int:
    """The line ``node`` starts on, counted from 1 as editors do (YAML marks count from 0)."""
    return node.start_mark.line + 1


def where(source: str | Path, mark: yaml.Mark | None, *, column: bool = True) -> str:
    """``source:line:column`` of a YAML mark (a parser error's, a node's or an event's start),
    counted from 1; ``source:line`` without the column; ``source`` alone when there is no
    mark. The one place chatcore formats YAML positions for messages."""
    if mark is None:
        return str(source)
    return f"{source}:{mark.line + 1}:{mark.column + 1}" if column else f"{source}:{mark.line + 1}"


def _check_tree(root: yaml.Node, text: str, source: str, error: ErrorType) -> None:
    """Refuse shared nodes (what an alias composes to), deep nesting and lone surrogates, in
    one iterative walk that visits each node once, however the aliases nest."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            raise error(_alias_problem(text, source))
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if node.style == '"' and (found := LONE_SURROGATE.search(node.value)):
                raise error(
                    f"{where(source, node.start_mark)}: invalid YAML: found invalid Unicode "
                    f"character escape code (a lone surrogate, \\u{ord(found.group()):04x})"
                )
            continue
        if depth >= MAX_DEPTH:
            at = where(source, node.start_mark, column=False)
            raise error(f"{at}: invalid YAML: nested more than {MAX_DEPTH} levels")
        children = node.value if isinstance(node, yaml.SequenceNode) else _flat(node.value)
        stack.extend((child, depth + 1) for child in children)


def _is_number(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag in NUMBER_TAGS


def _flat(pairs: list[tuple[yaml.Node, yaml.Node]]) -> list[yaml.Node]:
    return [node for pair in pairs for node in pair]


def _alias_problem(text: str, source: str) -> str:
    """The message for a document with an alias, at the first alias in the text. Only this
    error path parses the text again, as a stream of events in which aliases stay small."""
    for event in yaml.parse(text, Loader=_Base):
        if isinstance(event, yaml.AliasEvent):
            at = where(source, event.start_mark)
            return f"{at}: YAML aliases (*{event.anchor}) are not allowed; write the value out"
    return f"{source}: YAML aliases are not allowed; write the value out"


def _yaml_problem(source: str | Path, exc: yaml.YAMLError) -> str:
    """'path:line:column: invalid YAML: problem', from a parser or constructor error."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    at = where(source, mark)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    if context and problem.startswith("but "):  # "expected a single document ..., but found"
        problem = f"{context}, {problem}"
    return f"{at}: invalid YAML: {problem}"


def _reader_problem(source: str | Path, text: str, exc: yaml.reader.ReaderError) -> str:
    """'path:line: invalid YAML: ...' for a character YAML does not allow. libyaml gives its
    offset in UTF-8 bytes, the pure-Python reader in characters."""
    if _Base is yaml.SafeLoader:
        line = text[: exc.position].count("\n") + 1
    else:
        line = text.encode("utf-8", "surrogatepass")[: exc.position].count(b"\n") + 1
    char = f"character #x{exc.character:04x}: " if isinstance(exc.character, int) else ""
    return f"{source}:{line}: invalid YAML: {char}{exc.reason}"


def _short(node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        return f"a {node.id}"
    return repr(node.value if len(node.value) <= 40 else node.value[:37] + "...")


def _size(size: int) -> str:
    for unit, scale in (("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"
