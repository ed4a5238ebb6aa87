"""What the lexicon reads around a term (issue #22): a word list cannot tell a rooster from an
insult, but the words next to it can.

- **Senses** (allow lists, ``term ~ word word ...``): a hit of the term with one of its sense
  words among the few words around it (or, for Han terms, the few characters) is cleared:
  "our cock crows at 4am", "the bitch had six puppies". Never for ``hate``: a slur is not
  disarmed by a word put next to it.
- **Spelled-out letters** ("c l a s s") are joined, but a listed word inside them counts only
  where the letters left over on each side read as everyday words ("y o u a s s": "you" +
  "ass"; "c l a s s": "cl" is no word, so no "ass").
- **Chat shorthand** in listed phrases: "you" written "u" or "ya", "your" "ur", "you are"
  "ur", so "i will kill u" and "ur mum" are the phrases they stand for.
- **Denied intent** (NegEx, Chapman et al. 2001, kept to a short window): a ``self-harm`` term
  right after a negation is cleared: "I'm not suicidal, just tired", "don't kill yourself",
  我不是想自杀. The meaning classifier still reads the message alone. "why don't you ..." is
  no negation, and neither is a bare 不 (你怎么还不去死).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice, product
from typing import Protocol

from chatcore.builtin.moderation.normalize import Normalized, normalize
from chatcore.builtin.moderation.variants import COMMON
from chatcore.language import is_cjk


class Hit(Protocol):
    """What the lexicon's hits carry (chatcore.builtin.moderation.lexicon.Hit)."""

    start: int
    end: int
    category: str
    term: str
    root: str


NEVER_CLEARED = frozenset({"hate"})
NEGATABLE = frozenset({"self-harm"})  # terms whose intent a negation before them denies
_NEGATIONS = "not no never nor dont doesnt didnt isnt wasnt arent wont wouldnt"
NEGATIONS = frozenset(_NEGATIONS.split())
NEGATION_REACH = 2  # words at most between a negation and the term it denies
NEGATIONS_HAN = ("不是", "并不", "没有", "不会", "不想", "从不", "从没", "绝不", "并没")
NEGATION_CHARS = 4  # Han characters before a Han term a negation may stand in
NOT_A_NEGATION_AFTER = frozenset({"why"})  # "why don't you ...": an urging
SENSE_WORDS = 4  # words read on each side of a Latin hit
SENSE_CHARS = 8  # characters read on each side of a Han hit
LEFTOVER_MAX = 40  # longer spelled-out runs are whole sentences: any letter may start a word

# everyday words a spelled-out insult is written with ("y o u r e a n i d i o t")
_SPELLED = """u i r ur im ima your yours youre ure such so fat dumb ugly stupid little big total
    real just what this that shut lost die will kill hate go eat suck dirty"""
SPELLED_WORDS = COMMON | frozenset(_SPELLED.split())


class Senses:
    """Listed terms' innocent senses, by the term's normalized key."""

    def __init__(self) -> None:
        self._words: dict[str, tuple[str, ...]] = {}

    def __bool__(self) -> bool:
        return bool(self._words)

    def add(self, term: str, words: Iterable[str]) -> None:
        key = normalize(term).key
        keys = tuple(k for k in (normalize(w).key for w in words) if k)
        self._words[key] = tuple(dict.fromkeys(self._words.get(key, ()) + keys))

    def innocent(self, key: str, hit: Hit) -> bool:
        """Whether one of the hit's sense words stands near it in ``key``."""
        words = self._words.get(hit.root or hit.term)
        if not words or hit.category in NEVER_CLEARED:
            return False
        if is_cjk(hit.term[0]):
            around = key[max(0, hit.start - SENSE_CHARS) : hit.end + SENSE_CHARS]
            return any(word in around for word in words)
        reach = SENSE_WORDS * 24
        before = key[max(0, hit.start - reach) : hit.start].split()[-SENSE_WORDS:]
        after = key[hit.end : hit.end + reach].split()[:SENSE_WORDS]
        return any(near.startswith(word) for near in before + after for word in words)


def negated(key: str, hit: Hit) -> bool:
    """Whether a negation stands just before a ``NEGATABLE`` hit in ``key``."""
    if hit.category not in NEGATABLE:
        return False
    if is_cjk(hit.term[0]):
        before = key[max(0, hit.start - NEGATION_CHARS) : hit.start]
        return any(word in before for word in NEGATIONS_HAN)
    words = key[max(0, hit.start - 64) : hit.start].split()[-(NEGATION_REACH + 2) :]
    return any(
        word in NEGATIONS and (i == 0 or words[i - 1] not in NOT_A_NEGATION_AFTER)
        for i, word in enumerate(words)
        if i >= len(words) - NEGATION_REACH - 1
    )


def spelled_words_before(norm: Normalized, start: int) -> bool:
    """Whether the spelled-out letters before ``start`` (in the same run) read as words."""
    first = start
    while first > 0 and first - 1 in norm.soft and start - first <= LEFTOVER_MAX:
        first -= 1
    return _reads_as_words(_letters(norm, first, start))


def spelled_words_after(norm: Normalized, end: int) -> bool:
    """Whether the spelled-out letters after ``end`` (in the same run) read as words."""
    last = end
    while last < len(norm.key) and last in norm.soft and last - end <= LEFTOVER_MAX:
        last += 1
    return _reads_as_words(_letters(norm, end, last))


def _letters(norm: Normalized, start: int, end: int) -> str:
    return "".join(c * r for c, r in zip(norm.key[start:end], norm.runs[start:end], strict=True))


@lru_cache(maxsize=4096)
def _reads_as_words(letters: str) -> bool:
    """Empty, longer than ``LEFTOVER_MAX`` (a spelled-out sentence), or everyday words end to
    end."""
    if len(letters) > LEFTOVER_MAX:
        return True
    ends = {0}
    for i in range(len(letters)):
        if i in ends:
            ends.update(j for j in range(i + 1, len(letters) + 1) if letters[i:j] in SPELLED_WORDS)
    return len(letters) in ends


SHORTHAND = {
    "you": ("u", "ya"),
    "your": ("ur", "yr"),
    "yourself": ("urself", "yrself"),
    "you're": ("ur", "u r", "youre"),
    "youre": ("ur", "u r"),
    "are": ("r",),
}
_YOU_ARE = re.compile(r"\byou are\b")
SHORTHAND_MAX = 12  # spellings per listed phrase


def shorthands(phrase: str) -> Iterator[str]:
    """The phrase as chats write it: each word with shorthand in its everyday spellings (at
    most ``SHORTHAND_MAX``); nothing for a single word or a phrase without such words."""
    words = _YOU_ARE.sub("you're", phrase.lower()).split()
    if len(words) < 2 or not any(word in SHORTHAND for word in words):
        return iter(())
    choices = [(word, *SHORTHAND.get(word, ())) for word in words]
    spellings = (" ".join(parts) for parts in product(*choices))
    original = " ".join(words)
    return islice((s for s in spellings if s != original and s != phrase), SHORTHAND_MAX)
