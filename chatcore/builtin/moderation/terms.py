"""Term lists: the shipped ones and users' own, in plain text or YAML.

Plain text: one term per line; ``[category]`` starts a section; ``term | category`` names the
category inline; ``#`` starts a comment; in an allow list every line is allowed text, and
``term ~ word word ...`` gives a listed term its innocent senses: a hit of the term with one of
those words near it is cleared ("cock ~ rooster hen farm": "the cock crowed on the farm").
YAML: ``{category: [term, ...]}`` or ``[{term: ..., category: ...}, ...]``; an allow list's
item may be ``{term: ..., senses: [word, ...]}``.
Errors name the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from chatcore import safeyaml
from chatcore.errors import ConfigError
from chatcore.language import is_cjk


@dataclass(frozen=True, slots=True)
class Entry:
    term: str
    category: str
    allow: bool = False
    senses: tuple[str, ...] = ()  # allow lists only: words that give ``term`` an innocent sense


def builtin_entries(languages: list[str]) -> list[Entry]:
    """The lists shipped inside the package, for the given languages."""
    entries: list[Entry] = []
    data = resources.files("chatcore.builtin.moderation") / "data"
    for lang in languages:
        if not (data / f"terms_{lang}.txt").is_file():
            known = sorted(p.name[6:-4] for p in data.iterdir() if p.name.startswith("terms_"))
            raise ConfigError(f"languages: no built-in list for {lang!r} (available: {known})")
        for kind, allow in (("terms", False), ("allow", True)):
            resource = data / f"{kind}_{lang}.txt"
            if resource.is_file():
                text = resource.read_text(encoding="utf-8")
                entries.extend(parse_text(text, f"<builtin {resource.name}>", allow=allow))
    return entries


def load_list(path: Path, *, allow: bool = False, default: str = "offensive") -> list[Entry]:
    """A user's list file (``.yaml``/``.yml`` as YAML, anything else as plain text)."""
    try:
        text = safeyaml.read_text(
            Path(path).expanduser(), safeyaml.DATA_MAX_BYTES, ConfigError, what="a moderation list"
        )
    except OSError as exc:
        raise ConfigError(f"moderation list {path}: cannot read it: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"moderation list {path}: not UTF-8 text ({exc.reason})") from exc
    if Path(path).suffix.lower() in (".yaml", ".yml"):
        return parse_yaml(text, str(path), allow=allow, default=default)
    return parse_text(text, str(path), allow=allow, default=default)


def parse_text(text: str, source: str, *, allow: bool = False, default: str = "offensive"):
    entries = []
    category = default
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            category = _category(line[1:-1].strip(), f"{source}:{number}", allow)
            continue
        where = f"{source}:{number}"
        if allow and (" ~ " in line or line.endswith(" ~")):
            term, _, words = line.partition(" ~")
            entries.append(_sense(term, words.split(), where))
            continue
        term, _, inline = line.partition(" | ")
        cat = _category(inline.strip(), where, allow) if inline else category
        entries.append(Entry(term.strip(), cat, allow))
    return entries


def _sense(term: str, words: list, where: str) -> Entry:
    term = term.strip()
    words = [str(w).strip() for w in words if str(w).strip()]
    if not term or not words or "*" in term:
        raise ConfigError(
            f"moderation list {where}: a sense needs a plain term and its words "
            "('cock ~ rooster hen farm')"
        )
    return Entry(term, "", True, tuple(words))


def parse_yaml(text: str, source: str, *, allow: bool = False, default: str = "offensive"):
    """Entries of a YAML list, read the bounded way the config is (no aliases, size and
    nesting capped)."""
    data = safeyaml.compose(text, source, ConfigError).data()
    if isinstance(data, dict):
        return [
            Entry(str(t), _category(str(c), source, allow), allow)
            for c, terms in data.items()
            for t in _as_list(terms, f"{source}: {c}")
        ]
    if isinstance(data, list):
        return [_yaml_item(item, f"{source}: item {i + 1}", allow, default) for i, item in
                enumerate(data)]  # fmt: skip
    if data is None:
        return []
    raise ConfigError(f"moderation list {source}: expected a mapping or a list, got {data!r}")


def _yaml_item(item, where: str, allow: bool, default: str) -> Entry:
    if isinstance(item, str):
        return Entry(item, default, allow)
    if allow and isinstance(item, dict) and "senses" in item:
        return _sense(str(item.get("term", "")), _as_list(item["senses"], where), where)
    if isinstance(item, dict) and "term" in item:
        return Entry(str(item["term"]), _category(str(item.get("category", default)), where,
                     allow), allow)  # fmt: skip
    raise ConfigError(f"moderation list {where}: expected a term or {{term, category}}")


def _as_list(value, where: str) -> list:
    if isinstance(value, list):
        return value
    raise ConfigError(f"moderation list {where}: expected a list of terms")


def _category(name: str, where: str, allow: bool) -> str:
    """Categories are free-form for users, but must be a plain word."""
    if allow or name.replace("-", "").replace("_", "").isalnum():
        return name
    raise ConfigError(f"moderation list {where}: invalid category {name!r}")


def pinyin_entries(entries: list[Entry]) -> list[Entry]:
    """Pinyin spellings of blocked Han terms ("cao ni ma", "caonima"); only spellings of five
    letters or more, so short syllables never match ordinary words."""
    from pypinyin import lazy_pinyin

    extra = []
    for entry in entries:
        if entry.allow or not entry.term or not all(is_cjk(c) for c in entry.term):
            continue
        syllables = lazy_pinyin(entry.term)
        joined = "".join(syllables)
        if len(joined) >= 5 and joined.isascii():  # a character without pinyin stays itself
            extra.append(Entry(joined, entry.category))
            extra.append(Entry(" ".join(syllables), entry.category))
    return extra
