"""Multi-pattern term matching on normalized text with an Aho-Corasick automaton.

Latin terms match whole words (``cunt`` never hits "Scunthorpe"); a list entry may say
otherwise with ``*``: ``fuck*`` (word prefix), ``*hole`` (word suffix), ``*fuck*`` (anywhere).
Han terms match anywhere, but an allow-list entry that overlaps a hit and reaches beyond it
wins ("路口交通" holds 口交; the allowed words 路口 and 交通 clear it), so an allowed longer
word always overrides a shorter blocked term inside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chatcore_moderation.charmap import is_cjk
from chatcore_moderation.normalize import Normalized, normalize
from chatcore_moderation.terms import Entry

WORD, PREFIX, SUFFIX, ANYWHERE = "word", "prefix", "suffix", "anywhere"


@dataclass(frozen=True, slots=True)
class Pattern:
    category: str
    mode: str
    runs: tuple[int, ...] | None  # None: every letter may stand alone
    allow: bool
    term: str


@dataclass(frozen=True, slots=True)
class Hit:
    """A matched term: ``start:end`` in the normalized key."""

    start: int
    end: int
    category: str
    term: str


class Lexicon:
    """Blocked and allowed terms compiled into one automaton."""

    def __init__(self, entries: Iterable[Entry], *, wildcards: bool = True) -> None:
        import ahocorasick

        self._automaton = ahocorasick.Automaton()
        self.size = 0
        for entry in entries:
            for key, pattern in _patterns(entry, wildcards):
                self._add(key, pattern)
        if self.size:
            self._automaton.make_automaton()

    def _add(self, key: str, pattern: Pattern) -> None:
        if not key.strip(" *"):
            return
        existing = self._automaton.get(key, None)
        if existing is None:
            self._automaton.add_word(key, [pattern])
        elif pattern not in existing:
            existing.append(pattern)
        self.size += 1

    def scan(self, text: str) -> tuple[Normalized, list[Hit]]:
        """Normalize ``text`` and return the hits that survive boundaries and allow-lists."""
        norm = normalize(text)
        return norm, self.hits(norm)

    def hits(self, norm: Normalized) -> list[Hit]:
        if not self.size or not norm.key:
            return []
        found: list[Hit] = []
        allowed: list[tuple[int, int]] = []
        key = norm.key
        for last, patterns in self._automaton.iter(key):
            for p in patterns:
                start = last + 1 - len(p.term)
                if not _fits(key, norm.runs, start, last + 1, p):
                    continue
                if p.allow:
                    allowed.append((start, last + 1))
                else:
                    found.append(Hit(start, last + 1, p.category, p.term))
        if allowed and found:
            found = [h for h in found if not _overridden(h, allowed)]
        return found


def _fits(key: str, runs: tuple[int, ...], start: int, end: int, p: Pattern) -> bool:
    """Word boundaries for Latin patterns, and enough repeated letters ("as" is not "ass")."""
    if p.mode in (WORD, PREFIX) and start > 0 and _wordish(key[start - 1]):
        return False
    if p.mode in (WORD, SUFFIX) and end < len(key) and _wordish(key[end]):
        return False
    if p.runs is not None:
        for i, need in enumerate(p.runs):
            if need > 1 and runs[start + i] < need:
                return False
    return True


def _wordish(char: str) -> bool:
    return (char.isalnum() or char == "*") and not is_cjk(char)


def _overridden(hit: Hit, allowed: list[tuple[int, int]]) -> bool:
    """An allowed entry overlapping the hit and reaching beyond it clears the hit."""
    for start, end in allowed:
        if start < hit.end and hit.start < end and (start < hit.start or end > hit.end):
            return True
        if start <= hit.start and hit.end <= end and end - start > hit.end - hit.start:
            return True
    return False


def _patterns(entry: Entry, wildcards: bool) -> Iterable[tuple[str, Pattern]]:
    """The automaton keys for one list entry: the term and its '*' spellings."""
    raw = entry.term
    prefix, suffix = raw.endswith("*"), raw.startswith("*")
    norm = normalize(raw.strip("*"))
    key = norm.key
    if not key:
        return
    cjk = any(is_cjk(c) for c in key)
    mode = _mode(entry, prefix, suffix, cjk)
    runs = norm.runs if any(r > 1 for r in norm.runs) else None
    base = Pattern(entry.category, mode, runs, entry.allow, key)
    yield key, base
    if wildcards and not cjk and not entry.allow and len(key) >= 4 and " " not in key:
        for variant, vruns in _wildcard_variants(key, norm.runs):
            vruns = vruns if any(r > 1 for r in vruns) else None
            yield variant, Pattern(entry.category, mode, vruns, False, variant)


def _mode(entry: Entry, prefix: bool, suffix: bool, cjk: bool) -> str:
    if cjk or (entry.allow and not (prefix or suffix)):
        return ANYWHERE
    if prefix and suffix:
        return ANYWHERE
    return PREFIX if prefix else SUFFIX if suffix else WORD


def _wildcard_variants(key: str, runs: tuple[int, ...]) -> Iterable[tuple[str, tuple[int, ...]]]:
    """ "sh*t", "f*ck", "f**k": one or two inner letters written as a wildcard."""
    for width in (1, 2):
        for i in range(1, len(key) - width):
            if " " in key[i : i + width] or " " in key[i - 1 : i + width + 1]:
                continue
            yield key[:i] + "*" + key[i + width :], (*runs[:i], 1, *runs[i + width :])
