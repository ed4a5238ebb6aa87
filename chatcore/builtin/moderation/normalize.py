"""Text normalization shared by the filters, with a map back to the original text.

Two stages. ``fold`` maps each code point on its own (NFKC, casefold, combining marks and
zero-width/control characters dropped, homoglyphs, traditional -> simplified Chinese) and
remembers which original code point each folded character came from. ``normalize`` then works
per whitespace-separated token (leetspeak, separators between letters, wildcards) and collapses
repeated letters, keeping each character's run length so a matcher can tell "as" from "ass".
Every character of the result knows the span of the original text it covers, so masks land
on the right characters whatever was removed or merged.
"""

from __future__ import annotations

import re
from operator import itemgetter
from typing import NamedTuple

from chatcore.builtin.moderation.charmap import fold_char, fold_in_place
from chatcore.language import is_cjk

_ASCII_CLEAN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TOKEN = re.compile(r"\S+")
_RUNS = re.compile(r"([^ ])\1+")
_FIRST = itemgetter(1)  # a run's first character (a template "\1" is expanded in Python)
_EDGE_BEFORE, _EDGE_AFTER = r"[\"'\[{]*", r"[,.?;:\"')\]}]*"  # never letters in leetspeak
_PLAIN_WORD = re.compile(rf"{_EDGE_BEFORE}([a-z]+|[0-9]+){_EDGE_AFTER}")
_PLAIN_TEXT = re.compile(rf"\s*(?:{_PLAIN_WORD.pattern}(?:\s+|$))*")
_ONE_LETTER = rf"(?<!\S){_EDGE_BEFORE}[a-z]{_EDGE_AFTER}"
_SPELLED = re.compile(rf"{_ONE_LETTER}\s+{_ONE_LETTER}(?!\S)")
LEET = {
    "@": "a", "4": "a", "8": "b", "(": "c", "3": "e", "€": "e", "6": "g", "9": "g",
    "1": "i", "!": "i", "|": "i", "0": "o", "5": "s", "$": "s", "7": "t", "+": "t",
}  # fmt: skip
_DIGIT_OR_LEET = re.compile("[\\d" + re.escape("".join(LEET)) + "]")
_LETTER_RUN = re.compile(r"[^\W\d_]+")
WILDCARDS = frozenset("*#")
SPACE_LIKE = frozenset("-/\\")  # between two words these split them ("kick-ass")


class Normalized:
    """``key`` is the collapsed text matchers run on; ``runs[i]`` how many equal characters
    ``key[i]`` stands for; ``starts[i]:ends[i]`` the original span behind ``key[i]``;
    ``soft`` the letters of a spelled-out run ("a f u c k"); ``repeats`` whether any
    character stands for more than one (else every run is 1); ``spelled`` whether ``soft``
    holds any.

    Only ``key`` is made at once: the rest is needed only where a matcher finds something
    (most messages: nowhere), so it is worked out on first use from what ``normalize`` kept:
    ``runs`` alone (a check of repeated letters needs no spans), spans and ``soft`` together.
    """

    __slots__ = (
        "_ends",
        "_plan",
        "_runs",
        "_soft",
        "_starts",
        "key",
        "original",
        "repeats",
        "spelled",
    )

    def __init__(self, original: str, key: str, plan: _Plan) -> None:
        self.original = original
        self.key = key
        self.repeats = len(key) != len(plan.raw_key)
        self.spelled = bool(plan.soft)
        self._plan = plan
        self._runs: tuple[int, ...] | None = None
        self._starts: tuple[int, ...] | None = None
        self._ends: tuple[int, ...] = ()
        self._soft: frozenset[int] = frozenset()

    @property
    def runs(self) -> tuple[int, ...]:
        if self._runs is None:
            size = len(self.key)
            self._runs = _runs(self._plan.raw_key, size) if self.repeats else (1,) * size
        return self._runs

    @property
    def starts(self) -> tuple[int, ...]:
        self._work_out()
        return self._starts

    @property
    def ends(self) -> tuple[int, ...]:
        self._work_out()
        return self._ends

    @property
    def soft(self) -> frozenset[int]:
        self._work_out()
        return self._soft

    def _work_out(self) -> None:
        """Spans and spelled-out letters (two threads may both work them out: the same)."""
        if self._starts is None:
            starts, self._ends, self._soft = self._plan.spans_and_soft(self.original)
            self._starts = starts  # last: once it is set, so are the others

    def readable(self) -> str:
        """The normalized text with at most doubled letters, for models trained on words."""
        return "".join(c * min(r, 2) for c, r in zip(self.key, self.runs, strict=True))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span behind ``key[start:end]``."""
        return self.starts[start], self.ends[end - 1]


class _Plan(NamedTuple):  # a tuple: made for every message, so made fast
    """What ``normalize`` kept to work out runs, spans and soft letters later: the key
    before collapsing, each of its characters' index in the folded text (``where``, or the
    plain ``words`` of ``folded`` to find them in), the map from folded to original text
    (None: the identity) and the spelled-out letters."""

    raw_key: str
    where: list[int] | None
    folded: str
    words: list[str] | None
    origin: list[int] | None
    soft: set[int]

    def spans_and_soft(self, text: str):
        """Starts, ends and soft letters of the collapsed key."""
        where = self.where if self.where is not None else _where_words(self.folded, self.words)
        starts, ends = _original_spans(where, self.origin, len(text))
        if not _RUNS.search(self.raw_key):
            return tuple(starts), tuple(ends), frozenset(self.soft)
        return _collapse(self.raw_key, starts, ends, self.soft)


def fold(text: str) -> tuple[str, list[int] | None]:
    """Per-code-point folding; the list maps each folded char to its original index
    (None: the identity, when every code point folds to one character, as in most chat)."""
    if text.isascii() and not _ASCII_CLEAN.search(text):
        return text.lower(), None
    in_place = fold_in_place(text)
    if in_place is not None:
        return in_place, None
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        mapped = fold_char(char)
        if mapped:
            out.append(mapped)
            origin.extend([index] * len(mapped))
    return "".join(out), origin


def normalize(text: str) -> Normalized:
    """Fold, then rebuild the text token by token, then collapse repeated letters."""
    folded, origin = fold(text)
    words = _plain_words(folded) if origin is None else None
    if words is not None:
        raw_key, where, soft = " ".join(words), None, set()
    else:
        chars, where, soft = _tokens(folded)
        raw_key = "".join(chars)
    key = _RUNS.sub(_FIRST, raw_key) if _RUNS.search(raw_key) else raw_key
    return Normalized(text, key, _Plan(raw_key, where, folded, words, origin, soft))


def _original_spans(
    where: list[int], origin: list[int] | None, size: int
) -> tuple[list[int], list[int]]:
    """Original start/end per key char; an end reaches up to the next kept character so
    dropped marks and zero-width characters after a letter are masked with it."""
    if origin is None:
        return where, [w + 1 for w in where]
    starts = [origin[w] for w in where]
    nxt = _next_origin(origin, size)
    return starts, [nxt[w] for w in where]


def _next_origin(origin: list[int], size: int) -> list[int]:
    """For each folded char, the original index where the next kept original char begins."""
    result = [size] * len(origin)
    following = size
    for i in range(len(origin) - 1, -1, -1):
        if i + 1 < len(origin) and origin[i + 1] != origin[i]:
            following = origin[i + 1]
        result[i] = following
    return result


def _runs(raw_key: str, size: int) -> tuple[int, ...]:
    """How many equal characters each of the ``size`` characters of the collapsed key stands
    for; only the repeated runs are visited."""
    runs = [1] * size
    removed = 0  # characters collapsed away before the run
    for m in _RUNS.finditer(raw_key):
        first, end = m.span()
        runs[first - removed] = end - first
        removed += end - first - 1
    return tuple(runs)


def _collapse(key: str, starts: list[int], ends: list[int], soft: set[int]):
    """Starts, ends and soft letters of ``key`` with each run of one repeated character
    (never spaces) as one. Only the repeated runs are visited (a regex finds them); the
    characters between them are taken in ranges."""
    kept, last_of = [], []
    done = 0  # key[:done] is accounted for
    for m in _RUNS.finditer(key):
        first, end = m.start(), m.end()
        kept.extend(range(done, first + 1))
        last_of.extend(range(done, first))
        last_of.append(end - 1)
        done = end
    kept.extend(range(done, len(key)))
    last_of.extend(range(done, len(key)))
    new_soft: set[int] = set()
    if soft:
        run_of = [r for r, last in enumerate(last_of) for _ in range(last - kept[r] + 1)]
        new_soft = {run_of[i] for i in soft}
    return (
        tuple(map(starts.__getitem__, kept)),
        tuple(map(ends.__getitem__, last_of)),
        frozenset(new_soft),
    )


def _plain_words(folded: str) -> list[str] | None:
    """The words ``_tokens`` would make of an ASCII text of plain words (letters only, or
    digits only) with quotes, brackets and sentence punctuation only at their edges, and no
    two one-letter words in a row; None for any other text. Such a text needs no
    per-character work (most chat is one)."""
    if not _PLAIN_TEXT.fullmatch(folded) or _SPELLED.search(folded):
        return None  # spelled-out letters ("f u c k") are joined by _tokens
    return _PLAIN_WORD.findall(folded)


def _where_words(folded: str, words: list[str]) -> list[int]:
    """Each character's index in ``folded`` of the key ``" ".join(words)``."""
    where: list[int] = []
    at = 0
    for word in words:
        at = folded.find(word, at)  # edges hold no letter or digit: the first is the word
        if where:
            where.append(where[-1])  # the space between two words
        where.extend(range(at, at + len(word)))
        at += len(word)
    return where


def _tokens(folded: str) -> tuple[list[str], list[int], set[int]]:
    """Rebuild the folded text as tokens joined by single spaces, with each char's index in
    ``folded``. Runs of single letters ("f u c k") and CJK split by spaces are joined."""
    chars: list[str] = []
    where: list[int] = []
    soft: set[int] = set()
    single_run = False
    han_possible = not folded.isascii()  # an ASCII text skips the CJK checks per token
    for match in _TOKEN.finditer(folded):
        token, start = match.group(), match.start()
        if token.isalpha():  # what _token would make of it, without its per-character loop
            tchars, twhere = list(token), list(range(start, start + len(token)))
        else:
            tchars, twhere = _token(token, start)
        if not tchars:
            continue
        han = han_possible and is_cjk(tchars[0])
        single = len(tchars) == 1 and tchars[0].isalpha() and not han
        # "c n m，谁": a letter with a Han character after it in its token (across punctuation
        # or none: "m谁") is the run's last: "cnm谁", not "cn m谁"
        last = single or (tchars[0].isalpha() and not han and han_possible and is_cjk(tchars[1]))
        glue = chars and ((last and single_run) or (han and is_cjk(chars[-1])))
        if chars and not glue:
            chars.append(" ")
            where.append(where[-1])
        elif last and single_run:
            soft.update((len(chars) - 1, len(chars)))
        chars.extend(tchars)
        where.extend(twhere)
        single_run = single
    return chars, where, soft


def _token(token: str, start: int) -> tuple[list[str], list[int]]:
    """One non-plain token: leetspeak when it has letters, then pieces between separators."""
    if not _DIGIT_OR_LEET.search(token):
        found = _letters_between_separators(token, start)
        if found is not None:
            return found
    return _token_by_characters(token, start)


def _token_by_characters(token: str, start: int) -> tuple[list[str], list[int]]:
    """``_token``, character by character (any token)."""
    has_letter = any(c.isalpha() for c in token) or _all_leet(token)
    pieces: list[tuple[list[str], list[int]]] = [([], [])]
    seps: list[str] = []  # the first separator character after each piece
    for i, char in enumerate(token):
        if char.isalpha() or (char.isdigit() and not has_letter):
            letter = char
        elif has_letter and char in LEET and _leet_here(token, i) and not _by_han(token, i):
            letter = LEET[char]
        else:
            if pieces[-1][0]:  # only the first counts: growing the string copied it each time
                pieces.append(([], []))
                seps.append(char)
            continue
        pieces[-1][0].append(letter)
        pieces[-1][1].append(start + i)
    if not pieces[-1][0]:
        pieces.pop()
    return _join_pieces(pieces, seps)


def _letters_between_separators(token: str, start: int) -> tuple[list[str], list[int]] | None:
    """What the loop of ``_token`` makes of a token without digits or leetspeak symbols (a
    Chinese sentence with its punctuation, "hello!?"): its runs of letters, found by a regex;
    None when a run holds a character that is a word character but no letter ("½")."""
    pieces: list[tuple[list[str], list[int]]] = []
    seps: list[str] = []
    for m in _LETTER_RUN.finditer(token):
        run = m.group()
        if not run.isalpha():
            return None
        if pieces:
            seps.append(token[pieces[-1][1][-1] - start + 1])
        pieces.append((list(run), list(range(start + m.start(), start + m.end()))))
    return _join_pieces(pieces, seps)


def _all_leet(token: str) -> bool:
    """A token spelled only in symbols ("@$$") is leetspeak when it has a non-digit symbol."""
    return len(token) >= 3 and all(c in LEET for c in token) and any(c in "@$" for c in token)


def _by_han(token: str, i: int) -> bool:
    """Digits and symbols next to Han characters are separators ("傻1逼"), never letters."""
    return (i > 0 and is_cjk(token[i - 1])) or (i + 1 < len(token) and is_cjk(token[i + 1]))


def _leet_here(token: str, i: int) -> bool:
    """'!', '|' and '(' count as letters only before a letter ("sh!t"), not as punctuation."""
    if token[i] not in "!|(":
        return True
    after = token[i + 1 : i + 2]
    if token[i] == "(" and not (i and token[i - 1].isalpha()):
        return False  # "fu(k", but "(untagged)" opens a bracket
    return bool(after) and (after.isalpha() or after in LEET)


def _join_pieces(pieces, seps) -> tuple[list[str], list[int]]:
    """f.u.c.k -> fuck; sh*t / f**k keep one '*' wildcard; kick-ass -> two words. Each of
    ``seps`` is the first separator character between two pieces."""
    if not pieces:
        return [], []
    chars, where = list(pieces[0][0]), list(pieces[0][1])
    all_single = len(pieces) >= 3 and all(len(p[0]) == 1 for p in pieces)
    for sep, (pchars, pwhere) in zip(seps, pieces[1:], strict=False):
        if is_cjk(chars[-1]) or is_cjk(pchars[0]):
            pass
        elif not all_single and sep[0] in WILDCARDS:
            chars.append("*")
            where.append(where[-1])
        elif not all_single and sep[0] in SPACE_LIKE and min(len(chars), len(pchars)) > 2:
            chars.append(" ")
            where.append(where[-1])
        chars.extend(pchars)
        where.extend(pwhere)
    return chars, where
