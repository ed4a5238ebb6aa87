"""Chinese homophone evasion ("草泥马" for "操你妈"): Han text is compared with blocked Han
terms by their toneless pinyin. Only terms of three syllables or more take part, because
shorter pinyin collides with ordinary words (相似/想死, 紫砂/自杀)."""

from __future__ import annotations

from collections.abc import Iterable

from chatcore_moderation.charmap import is_cjk

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
            spelled = " " + " ".join(syllable(c) for c in key) + " "
            self._automaton.add_word(spelled, (len(key), category, key))
            self.size += 1
        if self.size:
            self._automaton.make_automaton()

    def hits(self, key: str) -> list[tuple[int, int, str, str]]:
        """(start, end, category, term) in ``key`` for each homophone of a blocked term."""
        if not self.size:
            return []
        spelled, index = _spell(key)
        if spelled is None:
            return []
        found = []
        for last, (length, category, term) in self._automaton.iter(spelled):
            end = index[last]  # the char whose syllable the closing space follows
            found.append((end - length, end, category, term))
        return found


def _spell(key: str) -> tuple[str | None, list[int]]:
    """' cao ni ma ' for the Han characters of ``key`` ('|' stands for anything else), with
    the key index that each position of the spelling ends before."""
    parts: list[str] = [" "]
    index: list[int] = [0]
    seen_cjk = False
    for i, char in enumerate(key):
        if is_cjk(char):
            seen_cjk = True
            text = syllable(char) + " "
        else:
            text = "| "
        parts.append(text)
        index.extend([i + 1] * len(text))
    if not seen_cjk:
        return None, index
    return "".join(parts), index
