"""Chinese homophone and mixed-script evasion ("草泥马" or "草nima" for "操你妈"): text is
compared with blocked Han terms by toneless pinyin. Han characters become their syllable,
Latin letters stay themselves, so a match may mix both; it must start and end on syllable or
word boundaries and hold at least one Han character (all-Latin spellings are list entries).
Only terms of three syllables or more take part, because shorter pinyin collides with
ordinary words (相似/想死, 紫砂/自杀)."""

from __future__ import annotations

from collections.abc import Iterable

from chatcore.builtin.moderation.charmap import CharTable
from chatcore.language import is_cjk

MIN_SYLLABLES = 3
_SYLLABLE: dict[str, str] = {}


def syllable(char: str) -> str:
    """The toneless pinyin of one Han character (cached)."""
    found = _SYLLABLE.get(char)
    if found is None:
        from pypinyin import lazy_pinyin

        found = lazy_pinyin(char)[0]
        _SYLLABLE[char] = found
    return found


class Homophones:
    """An automaton over pinyin spellings of blocked Han terms."""

    def __init__(self, terms: Iterable[tuple[str, str]]) -> None:
        import ahocorasick

        self._automaton = ahocorasick.Automaton()
        self.size = 0
        for key, category in terms:
            if len(key) < MIN_SYLLABLES or not all(is_cjk(c) for c in key):
                continue
            spelled = "".join(syllable(c) for c in key)
            self._automaton.add_word(spelled, (len(spelled), category, key))
            self.size += 1
        if self.size:
            self._automaton.make_automaton()

    def hits(self, key: str) -> list[tuple[int, int, str, str]]:
        """(start, end, category, term) in ``key`` for each homophone of a blocked term."""
        if not self.size or key.isascii() or not any(is_cjk(c) for c in key):
            return []
        matches = list(self._automaton.iter(key.translate(_SPELLING)))
        if not matches:
            return []  # most text: spelled at C speed, with no per-character map made
        spelled, owner, starts = _spell(key)
        found = []
        for last, (length, category, term) in matches:
            first = last + 1 - length
            begin, end = owner[first], owner[last] + 1
            if first not in starts or (last + 1 < len(spelled) and last + 1 not in starts):
                continue
            if any(is_cjk(c) for c in key[begin:end]) and _word_edges(key, begin, end):
                found.append((begin, end, category, term))
        return found


def _spelled(char: str) -> str:
    """What ``_spell`` writes for one character: its syllable, a Latin letter, or '|'."""
    return syllable(char) if is_cjk(char) else char if char.isascii() and char.isalpha() else "|"


_SPELLING = CharTable(_spelled)


def _spell(key: str) -> tuple[str, list[int], set[int]]:
    """The pinyin spelling of ``key`` ('|' for anything but Han and Latin letters), the key
    index behind each spelled char, and where syllables or letters start."""
    parts: list[str] = []
    owner: list[int] = []
    starts: set[int] = set()
    size = 0
    for i, char in enumerate(key):
        text = _SPELLING[ord(char)]
        starts.add(size)
        parts.append(text)
        owner.extend([i] * len(text))
        size += len(text)
    starts.add(size)
    return "".join(parts), owner, starts


def _word_edges(key: str, begin: int, end: int) -> bool:
    """Latin letters at a match's edge must not run on into a longer Latin word."""
    before = (
        begin > 0 and key[begin].isascii() and key[begin - 1].isascii() and key[begin - 1].isalpha()
    )
    after = end < len(key) and key[end - 1].isascii() and key[end].isascii() and key[end].isalpha()
    return not (before or after)
