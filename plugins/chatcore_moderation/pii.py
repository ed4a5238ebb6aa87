"""Personal data: e-mail addresses, phone numbers, payment cards (Luhn), IBANs (mod 97) and
Chinese resident ID numbers (ISO 7064 check digit). Checksums keep order numbers and dates
from being masked."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from chatcore_moderation.decide import Span

_EDGE_L = r"(?<![0-9A-Za-z])"
_EDGE_R = r"(?![0-9A-Za-z])"
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
CARD = re.compile(_EDGE_L + r"\d(?:[ -]?\d){12,18}" + _EDGE_R)
IBAN = re.compile(_EDGE_L + r"[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}" + _EDGE_R)
CN_ID = re.compile(_EDGE_L + r"[1-9]\d{16}[\dXx]" + _EDGE_R)
PHONE = re.compile(
    r"(?<![0-9A-Za-z+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?"
    r"\d{2,4}(?:[ .-]?\d{2,4}){1,4}" + _EDGE_R
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
    spans: list[Span] = []
    for kind in DETECTORS:
        if kind not in kinds:
            continue
        pattern, valid = DETECTORS[kind]
        for m in pattern.finditer(text):
            if valid(m) and not any(s.start < m.end() and m.start() < s.end for s in spans):
                spans.append(Span(m.start(), m.end(), f"pii-{kind}"))
    return sorted(spans, key=lambda s: s.start)
