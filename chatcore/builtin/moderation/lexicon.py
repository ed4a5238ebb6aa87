"""Multi-pattern term matching on normalized text with an Aho-Corasick automaton.

Latin terms match whole words (``cunt`` never hits "Scunthorpe"); a list entry may say
otherwise with ``*``: ``fuck*`` (word prefix), ``*hole`` (word suffix), ``*fuck*`` (anywhere).
Han terms match anywhere, but an allow-list entry that overlaps a hit and reaches beyond it
wins ("路口交通" holds 口交; the allowed words 路口 and 交通 clear it), so an allowed longer
word always overrides a shorter blocked term inside it.

Context the list gives a term (chatcore.builtin.moderation.context): its innocent senses (a
hit with one of its sense words nearby is cleared), letters spelled out one by one joined only
into listed words, and chat shorthand in phrases ("kill u", "ur family").
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace

from chatcore.builtin.moderation import context, variants
from chatcore.builtin.moderation.homophones import Homophones
from chatcore.builtin.moderation.normalize import Normalized, normalize
from chatcore.builtin.moderation.terms import Entry
from chatcore.language import is_cjk

WORD, PREFIX, SUFFIX, ANYWHERE = "word", "prefix", "suffix", "anywhere"
# homophones of threats and self-harm phrases are too often ordinary (我要杀 / 我要啥)
HOMOPHONE_CATEGORIES = frozenset(("offensive", "sexual", "hate"))


@dataclass(frozen=True, slots=True)
class Pattern:
    category: str
    mode: str
    runs: tuple[int, ...] | None  # None: every letter may stand alone
    allow: bool
    term: str
    cjk: bool = False
    root: str = ""  # the listed term's key this spelling comes from ("" : ``term`` itself)


@dataclass(frozen=True, slots=True)
class Hit:
    """A matched term: ``start:end`` in the normalized key."""

    start: int
    end: int
    category: str
    term: str
    root: str = ""
    sensed: bool = False  # a never-cleared term with a word of an innocent sense near it


class Lexicon:
    """Blocked and allowed terms compiled into one automaton."""

    def __init__(
        self, entries: Iterable[Entry], *, wildcards: bool = True, homophones: bool = True
    ) -> None:
        import ahocorasick

        self._automaton = ahocorasick.Automaton()
        self.size = 0
        self.longest = 0  # characters in the longest key: how far a match reaches
        self.categories: set[str] = set()
        han: list[tuple[str, str]] = []  # terms read by their sound too
        written: list[str] = []  # Han terms as listed: what a masked character may be
        self._senses = context.Senses()
        for entry in entries:
            if entry.senses:
                self._senses.add(entry.term, entry.senses)
                continue
            if not entry.allow:
                self.categories.add(entry.category)
            for key, pattern in _patterns(entry, wildcards):
                self._add(key, pattern)
                if _sounded(pattern):
                    han.append((key, pattern.category))
                if pattern.cjk and not pattern.allow and not pattern.root:
                    written.append(key)
        if self.size:
            self._automaton.make_automaton()
        self._homophones = Homophones(han) if homophones else None
        self._masks = variants.HanMasks(written) if wildcards else None

    def _add(self, key: str, pattern: Pattern) -> None:
        if not key.strip(" *"):
            return
        existing = self._automaton.get(key, None)
        if existing is None:
            self._automaton.add_word(key, [pattern])
        elif pattern not in existing:
            existing.append(pattern)
        self.size += 1
        self.longest = max(self.longest, len(key))

    def scan(self, text: str) -> tuple[Normalized, list[Hit]]:
        """Normalize ``text`` and return the hits that survive boundaries and allow-lists;
        where there are none, a Han character masked by a symbol is read as each character
        that would make a listed term there (``_unmasked``)."""
        norm = normalize(text)
        found = self.hits(norm)
        if found or self._masks is None or not variants.HAN_MASKS.intersection(text):
            return norm, found
        return self._unmasked(text) or (norm, found)

    def _unmasked(self, text: str) -> tuple[Normalized, list[Hit]] | None:
        """The filling of a mask (傻* as 傻逼, *你妈 as 操你妈) whose hits cover the mask and
        characters the writer wrote that show the word (``variants.shows_the_word``), the
        longest hit of all; none where fillings as long disagree on the category (自* alone
        may be 自杀 or 自慰; 想自*了 is 想自杀). Each filling is read in a window around its
        mask; the text filled has the same length, so its spans are the text's."""
        assert self._masks is not None
        reach = self.longest
        best: dict[int, list[tuple[int, str, str]]] = {}
        for i, fill in self._masks.fillings(text):
            start = max(0, i - reach)
            window = text[start:i] + fill + text[i + 1 : i + 1 + reach]
            for hit, (a, b) in self._covering(normalize(window), i - start):
                written = window[a : i - start] + window[i - start + 1 : b]
                if variants.shows_the_word(written):
                    best.setdefault(hit.end - hit.start, []).append((i, fill, hit.category))
        if not best:
            return None
        found = best[max(best)]
        if len({category for _, _, category in found}) > 1:
            return None
        i, fill, _ = found[0]
        norm = normalize(text[:i] + fill + text[i + 1 :])
        return norm, [h for h, _ in self._covering(norm, i)]

    def _covering(self, norm: Normalized, i: int) -> list[tuple[Hit, tuple[int, int]]]:
        """The hits of ``norm`` that cover position ``i`` of its text and more, with their
        spans."""
        spans = [(hit, norm.span(hit.start, hit.end)) for hit in self.hits(norm)]
        return [(hit, span) for hit, span in spans if _covers(span, i)]

    def hits(self, norm: Normalized) -> list[Hit]:
        if not self.size or not norm.key:
            return []
        found: list[Hit] = []
        allowed: list[tuple[int, int]] = []
        for key, begin, end in _fillings(norm.key, self.longest):
            for last, patterns in self._automaton.iter(key, begin, end):
                for p in patterns:
                    start = last + 1 - len(p.term)
                    if not _fits(norm, key, start, last + 1, p):
                        continue
                    if p.allow:
                        allowed.append((start, last + 1))
                    else:
                        found.append(Hit(start, last + 1, p.category, p.term, p.root or p.term))
        if self._homophones is not None:
            found += self._homophone_hits(norm)
        if allowed and found:
            found = _not_overridden(found, sorted(set(allowed)))
        if found and self._senses:
            found = self._sensed(norm.key, found)
        return [hit for hit in found if not context.negated(norm, hit)]

    def _sensed(self, key: str, found: list[Hit]) -> list[Hit]:
        """``found`` but the hits an innocent sense clears; a hit of a category no sense
        clears (``context.NEVER_CLEARED``) with a sense word near it is kept, marked
        ``sensed``."""
        near = [hit for hit in found if self._senses.near(key, hit)]
        innocent = [hit for hit in near if hit.category not in context.NEVER_CLEARED]
        kept = context.one_sense_per_message(found, innocent)
        return [replace(hit, sensed=True) if hit in near else hit for hit in kept]

    def _homophone_hits(self, norm: Normalized) -> list[Hit]:
        hits = []
        for start, end, category, term in self._homophones.hits(norm.key):
            if all(r == 1 for r in norm.runs[start:end]):
                hits.append(Hit(start, end, category, term, term))
        return hits


def _covers(span: tuple[int, int], i: int) -> bool:
    """Whether a hit's original ``span`` holds position ``i`` and more."""
    start, end = span
    return start <= i < end and end - start >= 2


def _sounded(pattern: Pattern) -> bool:
    """Whether the homophone reader takes the pattern: a listed Han term as written (not a
    spelling of another: 鸡巴's split 又鸟巴 sounds like 有鸟吧), of a category whose
    homophones are seldom ordinary words."""
    return (
        pattern.cjk
        and not pattern.allow
        and not pattern.root
        and pattern.category in HOMOPHONE_CATEGORIES
    )


def _fillings(key: str, reach: int) -> list[tuple[str, int, int]]:
    """The key, and with each '*' read as a letter ("k*ll you", "s*oot you"): any letter for
    one wildcard, vowels for two, none beyond (a text full of stars is not spelling); each
    with the span ``key[begin:end]`` to scan. A filled key differs from the key only at its
    stars, so it is scanned only as far as a match of ``reach`` characters over a star goes:
    scanning all of it for each letter made one star cost 27 scans of the whole text."""
    count = key.count("*")
    whole = [(key, 0, len(key))]
    if not count or count > 2:
        return whole
    letters = "abcdefghijklmnopqrstuvwxyz" if count == 1 else "aeiou"
    keys = [key]
    for _ in range(count):
        keys = [k.replace("*", v, 1) for k in keys for v in letters]
    return whole + [(k, begin, end) for k in keys for begin, end in _near_stars(key, reach)]


def _near_stars(key: str, reach: int) -> list[tuple[int, int]]:
    """The spans holding every match of up to ``reach`` characters over one of the (one or
    two) stars of ``key``, as one span when they overlap."""
    first, last = key.find("*"), key.rfind("*")
    spans = [(max(0, star - reach + 1), min(len(key), star + reach)) for star in (first, last)]
    if spans[1][0] <= spans[0][1]:
        return [(spans[0][0], spans[1][1])]
    return spans


def _fits(norm: Normalized, key: str, start: int, end: int, p: Pattern) -> bool:
    """Word boundaries for Latin patterns, and repeated letters as in the term ("as" is not
    "ass"). Inside letters spelled out one by one a word may start or end at any letter only
    where the letters left over read as words ("y o u a s s", not "c l a s s")."""
    joined_before = start > 0 and _wordish(key[start - 1])
    if (
        p.mode in (WORD, PREFIX)
        and joined_before
        and not (
            norm.spelled
            and {start - 1, start} <= norm.soft
            and context.spelled_words_before(norm, start)
        )
    ):
        return False
    joined_after = end < len(key) and _wordish(key[end])
    if (
        p.mode in (WORD, SUFFIX)
        and joined_after
        and not (
            norm.spelled and {end - 1, end} <= norm.soft and context.spelled_words_after(norm, end)
        )
    ):
        return False
    return _runs_ok(norm, start, p)


def _runs_ok(norm: Normalized, start: int, p: Pattern) -> bool:
    """Letters repeated as in the term; a stretch of 3+ ("fuuuck", "傻傻傻逼") also counts,
    but a doubled letter is another word ("assess" is not "asses", 他妈妈 is not 他妈)."""
    if p.runs is None and not norm.repeats:
        return True  # no letter repeated in the text nor in the term
    key, runs = norm.key, norm.runs
    need = p.runs or (1,) * len(p.term)
    open_start = p.mode in (SUFFIX, ANYWHERE)  # the word may go on around the term:
    open_end = p.mode in (PREFIX, ANYWHERE)  # "shitty" holds "shit" with a doubled t
    last = len(need) - 1
    for i, n in enumerate(need):
        got = runs[start + i]
        if got == n or key[start + i] == "*" or got >= max(3, n):
            continue
        if got > n and ((i == 0 and open_start) or (i == last and open_end)):
            continue
        return False
    return True


def _wordish(char: str) -> bool:
    return (char.isalnum() or char == "*") and not is_cjk(char)


def _not_overridden(found: list[Hit], allowed: list[tuple[int, int]]) -> list[Hit]:
    """The hits no allowed span clears. ``allowed`` is sorted, so each hit is compared only
    with the spans that can overlap it (those starting less than the longest allowed span
    before it): comparing every hit with every allowed span was quadratic on text full of
    both ("路口交通" repeated)."""
    starts = [start for start, _ in allowed]
    longest = max(end - start for start, end in allowed)
    kept = []
    for hit in found:
        near = allowed[bisect_right(starts, hit.start - longest) : bisect_left(starts, hit.end)]
        if not _overridden(hit, near):
            kept.append(hit)
    return kept


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
    base = Pattern(entry.category, mode, runs, entry.allow, key, cjk)
    yield key, base
    if " " in key and not cjk and not entry.allow:  # "h e i l  h i t l e r", #killyourself
        joined = normalize(raw.strip("*").replace(" ", ""))
        jruns = joined.runs if any(r > 1 for r in joined.runs) else None
        yield joined.key, Pattern(entry.category, WORD, jruns, False, joined.key, root=key)
    if not cjk and not entry.allow:  # "i will kill u", "ur mum"
        for short in context.shorthands(raw.strip("*")):
            snorm = normalize(short)
            sruns = snorm.runs if any(r > 1 for r in snorm.runs) else None
            yield snorm.key, Pattern(entry.category, mode, sruns, False, snorm.key, root=key)
    if cjk and not entry.allow:  # 女表子, 去歹匕
        for variant in variants.split_han(key):
            yield variant, Pattern(entry.category, mode, None, False, variant, True, root=key)
    if not cjk and not entry.allow and len(key) >= 4 and " " not in key:
        spelled = "".join(c * r for c, r in zip(key, norm.runs, strict=True))
        split_mode = PREFIX if mode in (PREFIX, ANYWHERE) else WORD  # short: need a word start
        spellings = [(v, split_mode) for v in variants.wildcards(spelled)] if wildcards else []
        spellings += [(v, split_mode) for v in variants.splits(spelled)]
        for variant, vmode in spellings:
            vnorm = normalize(variant)
            vruns = vnorm.runs if any(r > 1 for r in vnorm.runs) else None
            yield vnorm.key, Pattern(entry.category, vmode, vruns, False, vnorm.key, root=key)


def _mode(entry: Entry, prefix: bool, suffix: bool, cjk: bool) -> str:
    if cjk or (entry.allow and not (prefix or suffix)):
        return ANYWHERE
    if prefix and suffix:
        return ANYWHERE
    return PREFIX if prefix else SUFFIX if suffix else WORD
