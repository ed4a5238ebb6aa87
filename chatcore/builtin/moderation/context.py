"""What the lexicon reads around a term (issue #22): a word list cannot tell a rooster from an
insult, but the words next to it can.

- **Senses** (allow lists, ``term ~ word word ...``): a hit of the term with one of its sense
  words among the few words around it (or, for Han terms, the few characters) is cleared:
  "our cock crows at 4am", "the bitch had six puppies". Never for ``hate``: a slur is not
  disarmed by a word put next to it; such a hit is only marked ``sensed`` ("pork faggots",
  "the dyke flooded"), for the meaning classifier to weigh as any other listed word. A term
  so cleared keeps that sense in the whole message.
- **Spelled-out letters** ("c l a s s") are joined, but a listed word inside them counts only
  where the letters left over on each side read as everyday words ("y o u a s s": "you" +
  "ass"; "c l a s s": "cl" is no word, so no "ass").
- **Chat shorthand** in listed phrases: "you" written "u" or "ya", "your" "ur", "you are"
  "ur", so "i will kill u" and "ur mum" are the phrases they stand for.
- **Denied intent** (NegEx, Chapman et al. 2001, kept to a short window in one clause): a
  ``self-harm`` term right after a negation is cleared: "I'm not suicidal, just tired",
  "don't kill yourself", 我不是想自杀. The meaning classifier still reads the message alone.
  No denial: "no" ("no, kill yourself"), "don't you" and "don't care", a question ("why
  don't you ...", 你不会去死吗), a "but" after the term, a bare 不 (你怎么还不去死).
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
_NEGATIONS = "not never dont doesnt didnt isnt wasnt arent wont wouldnt"
NEGATIONS = frozenset(_NEGATIONS.split())  # not "no": "no, kill yourself", "no one cares ..."
NEGATION_REACH = 2  # words at most between a negation and the term it denies
# after a negation: an urging ("don't you ...", "won't you ..."), not caring ("don't care")
NOT_DENIED_AFTER = frozenset({"you", "u", "ya", "care", "mind"})
NEGATIONS_HAN = ("不是", "并不", "没有", "不会", "不想", "从不", "从没", "绝不", "并没")
NEGATION_CHARS = 4  # Han characters before a Han term a negation may stand in
CLAUSE_END = re.compile(r"[,.;:!?，。；：！？\n]")
CLAUSE_REACH = 200  # characters read for a clause or a sentence around a term
SENTENCE_END = re.compile(r"[.;!?。；！？\n]")
# what undoes a denial: a question ("why don't you ...", 你不会去死吗, 你不会自杀吧), or a "but"
# after it in the sentence ("I don't want to kill myself but I keep thinking about it")
QUESTION_BEFORE = re.compile(r"(?<![A-Za-z])(?:why|how come)(?![A-Za-z])|为什么|怎么", re.I)
QUESTION_AFTER = re.compile(r"[?？吗吧么]")  # in the term's own clause, its mark included
BUT_AFTER = re.compile(r"(?<![A-Za-z])(?:but|yet|though)(?![A-Za-z])|但|可是|不过", re.I)
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

    def near(self, key: str, hit: Hit) -> bool:
        """Whether one of the hit's sense words stands near it in ``key``: a word it starts
        ("crow" in "crowing"), but for a slur's sense (``NEVER_CLEARED``) only the word itself
        or its inflection ("flood", "flooded"; not "dam" in "damn", "sea" in "seat")."""
        words = self._words.get(hit.root or hit.term)
        if not words:
            return False
        if is_cjk(hit.term[0]):
            around = key[max(0, hit.start - SENSE_CHARS) : hit.end + SENSE_CHARS]
            return any(word in around for word in words)
        reach = SENSE_WORDS * 24
        before = key[max(0, hit.start - reach) : hit.start].split()[-SENSE_WORDS:]
        after = key[hit.end : hit.end + reach].split()[:SENSE_WORDS]
        fits = _inflected if hit.category in NEVER_CLEARED else str.startswith
        return any(fits(near, word) for near in before + after for word in words)


def _inflected(near: str, word: str) -> bool:
    """``near`` is ``word`` or a regular inflection of it ("floods", "flooded", "flooding")."""
    return near.startswith(word) and near[len(word) :] in ("", "s", "es", "d", "ed", "ing")


def one_sense_per_message(kept: list[Hit], innocent: list[Hit]) -> list[Hit]:
    """The ``kept`` hits but the ``innocent`` ones and the other hits of their terms: a word
    keeps in a message the sense its sense words give it once ("our cock crows at 4am, the
    cock is loud"; one sense per discourse, Gale, Church and Yarowsky 1992). Senses never
    clear ``hate``, and an allowed phrase clears only the hit it covers (路口交通 clears the
    口交 inside it, not another), so neither spreads."""
    if not innocent:
        return kept
    terms = {hit.root for hit in innocent}
    return [hit for hit in kept if hit.root not in terms]


def negated(norm: Normalized, hit: Hit) -> bool:
    """Whether a negation denies a ``NEGATABLE`` hit: in its clause (the original text, its
    punctuation kept), at most ``NEGATION_REACH`` words before it (Han: in the
    ``NEGATION_CHARS`` before it), not a question's, not undone by a "but" after it."""
    if hit.category not in NEGATABLE:
        return False
    text, start, end = norm.original, norm.starts[hit.start], norm.ends[hit.end - 1]
    clause = text[_clause_start(text, start) : start]
    if QUESTION_BEFORE.search(clause) or QUESTION_AFTER.search(text, end, _clause_end(text, end)):
        return False
    if BUT_AFTER.search(text, end, _sentence_end(text, end)):
        return False
    if is_cjk(hit.term[0]):
        return any(word in clause[-NEGATION_CHARS:] for word in NEGATIONS_HAN)
    words = re.findall(r"[a-z]+", clause.lower().replace("'", "").replace("’", ""))
    near = words[-(NEGATION_REACH + 1) :]
    following = [*near[1:], ""]  # the word after each ("" : the term itself)
    pairs = zip(near, following, strict=False)  # (no words: none)
    return any(word in NEGATIONS and after not in NOT_DENIED_AFTER for word, after in pairs)


def _clause_start(text: str, end: int) -> int:
    ends = [m.end() for m in CLAUSE_END.finditer(text, max(0, end - CLAUSE_REACH), end)]
    return ends[-1] if ends else max(0, end - CLAUSE_REACH)


def _clause_end(text: str, start: int) -> int:
    """Just past the punctuation mark that ends the clause (the mark is read with it)."""
    found = CLAUSE_END.search(text, start, start + CLAUSE_REACH)
    return found.end() if found else min(len(text), start + CLAUSE_REACH)


def _sentence_end(text: str, start: int) -> int:
    found = SENTENCE_END.search(text, start, start + CLAUSE_REACH)
    return found.start() if found else min(len(text), start + CLAUSE_REACH)


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
