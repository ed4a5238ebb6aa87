"""Personal data: e-mail addresses, phone numbers, payment cards (Luhn), IBANs (mod 97) and
Chinese resident ID numbers (ISO 7064 check digit). Checksums keep order numbers and dates
from being masked."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable

from chatcore.builtin.moderation.decide import Span

# Each pattern starts only where a token starts (a lookbehind) and repeats only pieces that
# cannot be cut two ways, so the regex engine tries a start once and a failing start costs a
# bounded number of steps: scanning any text is linear (tests/moderation/test_fuzz.py).
_EDGE_L = r"(?<![0-9A-Za-z])"
_EDGE_R = r"(?![0-9A-Za-z])"
_LOCAL = r"[A-Za-z0-9._%+-]"
EMAIL = re.compile(rf"(?<!{_LOCAL}){_LOCAL}++@[A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)*\.[A-Za-z]{{2,}}")
CARD = re.compile(_EDGE_L + r"\d(?:[ -]?\d){12,18}" + _EDGE_R)
IBAN = re.compile(_EDGE_L + r"[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}" + _EDGE_R)
CN_ID = re.compile(_EDGE_L + r"[1-9]\d{16}[\dXx]" + _EDGE_R)
# One group of a phone number's digits, cut the way the old backtracking pattern
# (\d{2,4}(?:[ .-]?\d{2,4}){1,4}) cut a run of digits on its first success: what is left of
# the run when two to four digits, else four, or three where four would leave one. Atomic, so
# a run is cut one way only; the old pattern tried every cut of a long run before giving up,
# hundreds of paths at each start.
_GROUP = r"(?>\d{2,4}+(?!\d)|\d{4}(?!\d(?!\d))|\d{3})"
# Two to five groups: a first run of two or three digits is one group and needs another run;
# a longer one is two groups by itself.
_SHORT_FIRST = rf"\d{{2,3}}+(?!\d)[ .-]{_GROUP}(?:[ .-]?{_GROUP}){{0,3}}"
_LONG_FIRST = rf"(?=\d{{4}}){_GROUP}(?:[ .-]?{_GROUP}){{0,4}}"
# "+" and digits with no separator: the old pattern tried a country code of three, two, then
# one digit. With seven digits or more a shorter code only makes the first run longer, which
# never turns a failure into a match, so three are taken once.
_COUNTRY = r"\+(?:(?=\d{7})\d{3}|(?!\d{7})\d{1,3})[ .-]?"
# Two cheap lookaheads skip hopeless starts before the groups are tried: after the left edge,
# a start that cannot begin a number; before the digits, a first run that is too long or runs
# into a letter, after which no number can end.
_FIRST_RUN = r"(?=\d{2,20}+(?:[ .-]\d|(?![0-9A-Za-z])))"
PHONE = re.compile(
    rf"(?<![0-9A-Za-z+])(?=\+\d|\(\d|\d\d)(?:{_COUNTRY})?(?:\(\d{{1,4}}+\)[ .-]?)?"
    rf"{_FIRST_RUN}(?:{_SHORT_FIRST}|{_LONG_FIRST})" + _EDGE_R
)
_MAYBE = re.compile(r"[@\d]")
_DATE = re.compile(r"(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def iban_ok(text: str) -> bool:
    code = text.replace(" ", "").upper()
    if not 15 <= len(code) <= 34:
        return False
    moved = code[4:] + code[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def cn_id_ok(text: str) -> bool:
    total = sum(int(c) * w for c, w in zip(text[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == text[17].upper()


def _card(m: re.Match) -> bool:
    digits = re.sub(r"\D", "", m.group())
    return 13 <= len(digits) <= 19 and luhn_ok(digits)


def _phone(m: re.Match) -> bool:
    """Phone-shaped: 7-15 digits, written with a + or separators, or a long digit run."""
    text = m.group()
    digits = sum(c.isdigit() for c in text)
    if not 7 <= digits <= 15 or _DATE.fullmatch(text):
        return False
    return text.startswith(("+", "(")) or digits >= 10 or bool(re.search(r"\d[ .-]\d", text))


DETECTORS: dict[str, tuple[re.Pattern, Callable[[re.Match], bool]]] = {
    "email": (EMAIL, lambda m: True),
    "cn_id": (CN_ID, lambda m: cn_id_ok(m.group())),
    "card": (CARD, _card),
    "iban": (IBAN, lambda m: iban_ok(m.group())),
    "phone": (PHONE, _phone),
}


def find_pii(text: str, kinds: Iterable[str] = tuple(DETECTORS)) -> list[Span]:
    """Non-overlapping personal-data spans; earlier kinds win (an ID is not also a phone)."""
    if not _MAYBE.search(text):
        return []
    taken: list[Span] = []
    for kind in DETECTORS:
        if kind in kinds:
            taken = sorted(taken + _find_kind(text, kind, taken), key=lambda s: s.start)
    return taken


def _find_kind(text: str, kind: str, taken: list[Span]) -> list[Span]:
    """The valid matches of one kind that overlap none of the earlier kinds' ``taken`` spans."""
    pattern, valid = DETECTORS[kind]
    starts = [s.start for s in taken]
    found = []
    for m in pattern.finditer(text):
        if _free(taken, starts, m.start(), m.end()) and valid(m):
            found.append(Span(m.start(), m.end(), f"pii-{kind}"))
    return found


def _free(taken: list[Span], starts: list[int], start: int, end: int) -> bool:
    """Whether ``start:end`` overlaps no span of ``taken``. The spans are sorted and disjoint,
    so their ends ascend too and only the last one starting before ``end`` can overlap: a
    bisection, where comparing with every span made text full of numbers quadratic."""
    i = bisect_left(starts, end)
    return i == 0 or taken[i - 1].end <= start
