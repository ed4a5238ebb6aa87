"""Personal data: e-mail addresses, phone numbers, payment cards (Luhn), IBANs (mod 97) and
Chinese resident ID numbers (ISO 7064 check digit). Checksums, the numbering plans of phone
numbers (chatcore.builtin.moderation.phones) and the words around a number keep order numbers,
ISBNs and dates from being masked. Evasions are undone first: full-width digits and letters
are read as ASCII, zero-width characters are skipped, "name (at) example (dot) com" is an
address; spans always point into the original text."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable

from chatcore.builtin.moderation import phones
from chatcore.builtin.moderation.charmap import CharTable
from chatcore.builtin.moderation.decide import Span

# Each pattern starts only where a token starts (a lookbehind) and repeats only pieces that
# cannot be cut two ways, so the regex engine tries a start once and a failing start costs a
# bounded number of steps: scanning any text is linear (tests/moderation/test_fuzz.py).
_EDGE_L = r"(?<![0-9A-Za-z])"
_EDGE_R = r"(?![0-9A-Za-z])"
_LOCAL = r"[A-Za-z0-9._%+-]"
EMAIL = re.compile(rf"(?<!{_LOCAL}){_LOCAL}++@[A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)*\.[A-Za-z]{{2,}}")
# separators inside a card, IBAN or ID number (their check digits keep look-alikes out)
_SEP_CHAR = r"[ .\-/_*:|、—–·\[\]<>{}]"
_SEP = _SEP_CHAR + "{0,3}"  # "[SK11]-[9927]": a bracket each side of a hyphen
_SEP_CHARS = re.compile(_SEP_CHAR)
CARD = re.compile(_EDGE_L + rf"\d(?:{_SEP}\d){{12,18}}" + _EDGE_R)
# an IBAN, its separators anywhere ("N L 4 0 A B N A ...", "DK7|80|7871|..."): checked by
# its country's length and mod 97, so the loose pattern keeps no look-alike
IBAN = re.compile(
    _EDGE_L + rf"[A-Za-z]{_SEP}[A-Za-z]{_SEP}\d{_SEP}\d(?:{_SEP}[A-Za-z0-9]){{11,30}}" + _EDGE_R
)
CN_ID = re.compile(_EDGE_L + rf"[1-9](?:{_SEP}\d){{16}}{_SEP}[\dXx]" + _EDGE_R)
# "jane (at) example (dot) com", "jane at example dot com": an obfuscated address, taken only
# with a known top-level domain after the last "dot" (bounded repetitions: linear)
# ... also "@" and "." padded with junk to strip ("olu//@//gmail//.com", "xu##@##qq##.com")
_JUNK = r"[/#*~|]{1,3}"
_AT = rf"\s*(?:[(\[{{<【](?:at|@)[)\]}}>】]|\sat\s|\s@|@\s|{_JUNK}@{_JUNK}|艾特|圈圈?a)\s*"
_DOT = rf"\s*(?:[(\[{{<【](?:dot|\.)[)\]}}>】]|\sdot\s|{_JUNK}\.|\.|点)\s*"
_TLD = (
    r"(?:com|net|org|edu|gov|io|co|uk|de|fr|cn|jp|info|biz|me|us|ca|au|in|ru|nl|es|it|ch|hk|tw|sg"
    r"|pt|mx|kr|se|dk|fi|pl|nz|za|ar|cl|tr|gr|cz|eu)"  # not "no", "be", "at": "at it. no way"
)
_HAN_DIGITS = "零〇一二三四五六七八九幺两壹贰叁肆伍陆柒捌玖"
# a mailbox's name, maybe a QQ number in Han digits ("三九二七四八一五零艾特qq点com")
_LOCAL_SAID = rf"[A-Za-z0-9._%+\-{_HAN_DIGITS}]"
EMAIL_WORDS = re.compile(
    rf"(?i)(?<!{_LOCAL_SAID}){_LOCAL_SAID}{{1,64}}{_AT}[A-Za-z0-9-]{{1,63}}"
    rf"(?:{_DOT}[A-Za-z0-9-]{{1,63}}){{0,3}}?{_DOT}{_TLD}(?![A-Za-z0-9])"
)
_EN_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_EN_DIGIT = f"(?:{'|'.join((*_EN_WORDS, 'oh'))})"  # no word begins another: order is free
_ZH_DIGIT = f"[{_HAN_DIGITS}]"
# words and digits mixed: "four 1 five 555 ...", "double oh" (00), "triple five" (555)
_EN_TOKEN = rf"(?:(?:double|triple)\s+{_EN_DIGIT}|{_EN_DIGIT}|\d{{1,4}})"
_REPEATED = {"double": 2, "triple": 3}
_ZH_TOKEN = rf"(?:{_ZH_DIGIT}|\d)"
# a phone number in words: "four one five, five five five ...", "幺三九 二七四八 ...", or
# words and digits mixed (at least one word: digits alone are the PHONE pattern's)
PHONE_WORDS = re.compile(
    rf"(?i)(?<![A-Za-z0-9]){_EN_TOKEN}(?:[\s,.\-]{{1,3}}{_EN_TOKEN}){{6,18}}(?![A-Za-z0-9])"
    rf"|(?<!\d){_ZH_TOKEN}(?:[\s,，\-]{{0,2}}{_ZH_TOKEN}){{6,18}}(?!\d)"
)
# an IBAN read out: its country's two capitals (maybe spaced: "G B"), then digits in words or
# figures and capitals ("G B one six M I D L one eight ...", "BE 幺幺 六二零幺 ...")
_IBAN_TOKEN = rf"(?:(?i:{_EN_TOKEN})|[A-Z]{{1,4}}|{_ZH_DIGIT}{{1,8}}|\d{{1,4}})"
_IBAN_PIECE = re.compile(rf"(?i:(double|triple)\s+)?({_IBAN_TOKEN})")
DIGIT_WORDS = {
    **dict(zip(_EN_WORDS, "0123456789", strict=True)),
    "oh": "0",
    **dict(zip("零〇一二三四五六七八九幺两", "0012345678912", strict=True)),
    **dict(zip("壹贰叁肆伍陆柒捌玖", "123456789", strict=True)),
}
# four or more single characters each followed by one space: "l u c a s . m @ g m x . n e t"
SPACED_OUT = re.compile(r"(?<!\S)(?:\S ){3,}\S(?!\S)")
# what any detector needs somewhere in the text, in lowercased text (_maybe): one alternative per
# digit word (each starts with a literal, so the regex skips ahead by its first characters
# instead of trying every alternative at every position, as one case-insensitive group did)
_MAYBE = re.compile(
    "|".join(
        [r"[@\d＠]", r"[(\[{]at[)\]}]", r"\sat\s", "艾特", "圈a", f"{_ZH_DIGIT}{{3}}"]
        + [rf"{word}\W+{_EN_DIGIT}" for word in (*_EN_WORDS, "oh")]
    )
)
PHONE = phones.PHONE
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


# Each country's BBAN, the IBAN after its country and check digits (the SWIFT IBAN registry):
# how many digits (n), capitals (a) or either (c) in turn. Its length is the country's IBAN
# length; its kinds keep a sentence that passes mod 97 by chance out ("is 0417 and the gym
# locker is 112": Iceland's IBAN is digits only).
_IBAN_BBAN = """AD8n12c AE19n AL8n16c AT16n AZ4a20c BA16n BE12n BG4a6n8c BH4a14c BI23n BR23n1a1c
    BY4c4n16c CH5n12c CR18n CY8n16c CZ20n DE18n DJ23n DK14n DO4c20n EE16n EG25n ES20n FI14n
    FK2a12n FO14n FR10n11c2n GB4a14n GE2a16n GI4a15c GL14n GR7n16c GT24c HN4a20n HR17n HU24n
    IE4a14n IL19n IQ4a15n IS22n IT1a10n12c JO4a4n18c KW4a22c KZ3n13c LB4n20c LC4a24c LI5n12c
    LT16n LU3n13c LV4a13c LY21n MC10n11c2n MD20c ME18n MK3n10c2n MN16n MR23n MT4a5n18c
    MU4a19n3a NI4a20n NL4a10n NO11n OM3n16c PK4a16c PL24n PS4a21c PT21n QA4a21c RO4a16c
    RS18n RU14n15c SA2n18c SC4a20n3a SD14n SE20n SI15n SK20n SM1a10n12c SO19n ST21n SV4a20n
    TL19n TN20n TR6n16c UA6n19c VA18n VG4a16n XK16n YE4a4n18c"""
_BBAN_PART = re.compile(r"(\d+)([nac])")
_BBAN_CLASS = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Z0-9]"}
_BBAN_PARTS = {
    entry[:2]: [(int(count), kind) for count, kind in _BBAN_PART.findall(entry[2:])]
    for entry in _IBAN_BBAN.split()
}
IBAN_BBAN = {
    country: re.compile("".join(f"{_BBAN_CLASS[kind]}{{{count}}}" for count, kind in parts))
    for country, parts in _BBAN_PARTS.items()
}
IBAN_LENGTHS = {country: 4 + sum(n for n, _ in parts) for country, parts in _BBAN_PARTS.items()}
# an IBAN's country, its capitals maybe spaced out ("G B"); read out, then the rest
_IBAN_COUNTRY = "|".join(f"{code[0]} ?{code[1]}" for code in sorted(IBAN_LENGTHS))
IBAN_COUNTRY = re.compile(rf"(?<![A-Za-z0-9])(?:{_IBAN_COUNTRY})(?![A-Za-z0-9])")
IBAN_WORDS = re.compile(
    rf"(?<![A-Za-z0-9])(?:{_IBAN_COUNTRY})(?:[\s,.\-]{{1,3}}{_IBAN_TOKEN}){{3,40}}(?![A-Za-z0-9])"
)
# an IBAN's country and check digits, alone before a number ("FR70 3319 1284 52AB ..."): the
# number is the IBAN's next groups when another group of capitals or digits follows it
_IBAN_HEAD = rf"(?<![A-Za-z0-9])(?:{'|'.join(IBAN_LENGTHS)})\d\d"
IBAN_HEAD = re.compile(_IBAN_HEAD)
IBAN_HEAD_BEFORE = re.compile(_IBAN_HEAD + r"[ .\-]$")
IBAN_GROUP_AFTER = re.compile(r"[ .\-][0-9A-Z]{1,4}(?![a-z])")


def iban_ok(text: str) -> bool:
    """Mod 97, at the length of a country that issues IBANs."""
    code = text.replace(" ", "").upper()
    if IBAN_LENGTHS.get(code[:2]) != len(code) or not IBAN_BBAN[code[:2]].fullmatch(code[4:]):
        return False
    moved = code[4:] + code[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def cn_id_ok(text: str) -> bool:
    """The check digit, and a birth date (digits 7-14) that a calendar has."""
    total = sum(int(c) * w for c, w in zip(text[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == text[17].upper() and _real_date(text[6:14])


def _real_date(yyyymmdd: str) -> bool:
    from datetime import date

    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return False  # February 30th, month 13
    return born.year >= 1900


Valid = Callable[[re.Match, tuple[str, ...]], tuple[int, int] | None]
"""A detector's check of a match (and the regions a phone number may be from): where the
personal data starts and ends (the match may be longer), or None when it is not personal
data."""


def _whole(check: Callable[[str], bool]) -> Valid:
    return lambda m, regions: m.span() if check(m.group()) else None


# The lengths card networks issue by first digits (ISO/IEC 7812), the first prefix that fits:
# a Luhn-valid run of another length is another number (an IMEI: 15 digits from 35 or 86).
# Kept to the networks' broad ranges: a card from a range this table does not split finely
# is still a card.
CARD_LENGTHS = (
    ("1", (15,)),  # UATP
    ("2", range(16, 20)),  # Mastercard 2-series, Mir
    ("34", (15,)),  # American Express
    ("37", (15,)),
    ("35", range(16, 20)),  # JCB
    ("3", range(14, 20)),  # Diners Club, China T-Union
    ("4", (13, 16, 19)),  # Visa
    ("5", range(12, 20)),  # Mastercard, Maestro
    ("6", range(12, 20)),  # Discover, UnionPay, Maestro, RuPay
    ("8", range(16, 20)),  # RuPay, Uzcard
    ("9", range(16, 20)),  # Troy, Humo
)


def issued_card_shape(digits: str) -> bool:
    """Whether card networks issue numbers of this length with these first digits."""
    lengths = next((n for start, n in CARD_LENGTHS if digits.startswith(start)), ())
    return len(digits) in lengths


def _card(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    if phones.DATE_INSIDE.search(text) or (len(digits) == 13 and phones.ean13_ok(digits)):
        return False  # a period of dates (2018.05.12-2038.05.12); a product's barcode
    if phones.IPV4.match(text):
        return False  # an IP address and its port (192.168.5.115:8080)
    if len(digits) == 13 and digits.startswith(("978", "979")):
        return False  # an ISBN, its check digit wrong or not: no card number starts so
    if digits.startswith("0") or len(set(digits)) == 1:
        return False  # no card number starts with 0; 0000 0000 ... is a placeholder
    return 13 <= len(digits) <= 19 and issued_card_shape(digits) and luhn_ok(digits)


def _card_in(m: re.Match) -> tuple[int, int] | None:
    """The card number in the match: the whole run, or its part from a later group on (the
    pattern also takes a number written before one: "old card from 2009: 4024979748569")."""
    text, start, end = m.string, m.start(), m.end()
    starts = [start] + [g.end() for g in CARD_BREAK.finditer(text, start, end)]
    found = next(((s, end) for s in starts if _card(text[s:end])), None)
    if found is not None or _after_an_iban_head(text, start):
        return found  # (the groups of an IBAN that failed its check are no card)
    last = CARD_LAST_GROUP.search(m.group())  # "6011 0680 2525 6588 02/27": then its expiry
    if last is not None and _card(text[start : start + last.start()]):
        return start, start + last.start()
    return None


# between a number and the next one ("2009: 4024..."); a space alone groups one card's digits
CARD_BREAK = re.compile(r"[:|、]\s*")
CARD_LAST_GROUP = re.compile(r" (?:0[1-9]|1[0-2])/?(?:\d\d)?$")  # an expiry after it: 02/27

# file extensions, and systemd's unit types (a template unit's instance: "api@3.service")
_EXTENSIONS = """png jpg jpeg gif svg webp bmp ico tif tiff pdf txt md csv json yaml yml xml html
    htm css js ts py rb go rs java kt swift c h cpp zip gz tar rar mp3 mp4 mov wav ogg exe dll
    service socket timer target mount automount slice scope swap"""
FILE_EXTENSIONS = frozenset(_EXTENSIONS.split())
# a word before a spaced "@" that is no mailbox ("addresses end in @example.com")
_WORDS = "in at on to of by end ends with from and or is are the a an via"
NOT_A_MAILBOX = frozenset(_WORDS.split())


def _file_name(address: str) -> bool:
    """``report@2x.png``, ``api@3.service``: a file or a unit (a top-level domain that is a
    file extension or a unit type)."""
    return address.rsplit(".", 1)[-1].lower() in FILE_EXTENSIONS


# words that stand for an address in a template, not a person's ("name@company.com")
_PLACEHOLDERS = """name yourname your.name your_name firstname.lastname first.last user username
    email youremail your.email your_email someone somebody domain yourdomain company
    yourcompany example test address somewhere website site mysite mydomain mycompany"""
PLACEHOLDER_WORDS = frozenset(_PLACEHOLDERS.split())
# local parts no mailbox has: only a template tells the reader to put their own there; and
# senders no person reads (a no-reply address, a mail server's bounces)
TEMPLATE_LOCAL = frozenset(
    ("yourname", "your.name", "your_name", "youremail", "your.email", "your_email")
)
_NOBODY = "noreply no-reply no_reply donotreply do-not-reply do_not_reply mailer-daemon"
NOBODY_LOCAL = frozenset(_NOBODY.split())
ALL_X = re.compile(r"(?i)x{2,}")
_SAID = frozenset({"at", "dot"})  # the words an obfuscated address spells (any case)


# top-level domains reserved so that no address under them reaches anyone (RFC 2606, 6761)
RESERVED_TLDS = frozenset(("invalid", "test", "example", "localhost"))


def _placeholder(local: str, domain: str) -> bool:
    """A template to fill in: ``xxx@...``, ``yourname@...``, a sender nobody reads
    (``noreply@...``), a reserved domain (``user1@test.invalid``), or a placeholder on both sides
    (``name@company.com``, ``test@test.com``); ``user@mycorp.com`` or ``jane@company.com``
    may be someone's (and invented addresses are often written at example.com)."""
    local, first = local.lower(), domain.split(".", 1)[0].lower()
    if ALL_X.fullmatch(local) or local in TEMPLATE_LOCAL or local in NOBODY_LOCAL:
        return True
    if domain.rsplit(".", 1)[-1].lower() in RESERVED_TLDS:
        return True
    return all(w in PLACEHOLDER_WORDS or ALL_X.fullmatch(w) for w in (local, first))


STARRED_OUT = re.compile(r"\w[*＊•]+$")  # letters, then stars: not "**bold**" markdown


def _masked(m: re.Match) -> bool:
    """An address with its mailbox starred out ("z***9@163.com"): the pattern takes only the
    characters after the stars."""
    return bool(STARRED_OUT.search(m.string, max(0, m.start() - 64), m.start()))


REMOTE_PATH = re.compile(r":[\w.~-]{0,100}/|:[\w.~-]{1,100}\.git\b")  # host:org/repo, host:~/x


def _address(m: re.Match) -> tuple[int, int] | None:
    """A mailbox, unless a file name, a template's placeholder, or an SSH remote
    (``git@github.com:org/repo.git``: a colon and a path right after the host)."""
    address = m.group()
    local, _, domain = address.partition("@")
    if _file_name(address) or _placeholder(local, domain) or _masked(m):
        return None
    if phones.an_example(m.string, m.start(), m.end()):
        return None  # "the sign-up form's placeholder says 'you@example.com'"
    return None if REMOTE_PATH.match(m.string, m.end()) else m.span()


def _email_words(m: re.Match) -> tuple[int, int] | None:
    local = re.match(rf"{_LOCAL_SAID}+", m.group())
    if local is None or local.group().lower() in NOT_A_MAILBOX or _file_name(m.group()):
        return None
    host = [
        w for w in re.findall(r"[A-Za-z0-9-]+", m.group()[local.end() :]) if w.lower() not in _SAID
    ]
    if _placeholder(local.group(), ".".join(host)):
        return None
    return m.span()


def _cn_id(text: str) -> bool:
    return cn_id_ok(_SEP_CHARS.sub("", text))


def _iban(m: re.Match, regions: tuple[str, ...]) -> tuple[int, int] | None:
    """The longest valid IBAN from the match's start or a later country and check digits:
    the pattern also takes a word written after one ("NL35INGB2787795589 thanks") and a
    code before one ("PO 4500091207: PL60 3128 ...")."""
    heads = [m] + [
        IBAN.match(m.string, h.start())
        for h in IBAN_HEAD.finditer(m.string, m.start() + 1, m.end())
    ]
    for head in filter(None, heads):
        text = head.group()
        cuts = [i for i in range(len(text), 14, -1) if i == len(text) or not text[i].isalnum()]
        for cut in cuts:
            if iban_ok(_SEP_CHARS.sub("", text[:cut])):
                return head.start(), head.start() + cut
    return None


def _iban_said(m: re.Match) -> tuple[int, int] | None:
    """An IBAN read out, from the first country in the match it is valid from ("OK, G B one
    six ...": not from "OK")."""
    for country in IBAN_COUNTRY.finditer(m.string, m.start(), m.end()):
        span = _iban_from(m.string, country, m.end())
        if span is not None:
            return span
    return None


def _iban_from(text: str, country: re.Match, end: int) -> tuple[int, int] | None:
    """The IBAN read out from ``country`` on: its characters, words made digits, up to its
    country's length."""
    code = country.group().replace(" ", "")
    needed = IBAN_LENGTHS[code]
    for piece in _IBAN_PIECE.finditer(text, country.end(), end):
        times, word = piece.groups()
        said = "".join(_digits(unit) if _a_digit(unit) else unit for unit in _units(word))
        code += said * _REPEATED.get((times or "").lower(), 1)
        if len(code) >= needed:
            return (country.start(), piece.end()) if len(code) == needed and iban_ok(code) else None
    return None


def _a_digit(unit: str) -> bool:
    return unit.isdecimal() or unit.lower() in DIGIT_WORDS


def _units(word: str) -> list[str]:
    """A token's characters (capitals, figures, Han digits), or the word if it is a digit
    word ("seven")."""
    return [word] if word.lower() in DIGIT_WORDS else list(word)


def _phone(m: re.Match, regions: tuple[str, ...]) -> tuple[int, int] | None:
    """The phone number in the match: the whole run, or an unbroken run of ten digits or
    more after a short number written before it ("Room 1203 13800138000", "ver 2
    13800138000"): a whole national number alone, never a piece of a longer grouped one,
    nor the groups of an IBAN that failed its check."""
    text, start, end = m.string, m.start(), m.end()
    if _inside_an_iban(text, start, end):
        return None
    if phones.labelled(text, start) and not phones.cued_after(text, end):
        return None  # "ticket number 125 2189934021": the whole run is what the label names
    for rest in _after_short_groups(m):
        if UNBROKEN.fullmatch(text, rest, end) and phones.is_phone(text, rest, end, regions):
            return rest, end
    if phones.is_phone(text, start, end, regions):
        return start, end
    tail = NEXT_SENTENCE.search(m.group())  # "0491/570/158. 4 bags": it ends at the stop
    if tail is not None and phones.is_phone(text, start, start + tail.start(), regions):
        return start, start + tail.start()
    return None


def _inside_an_iban(text: str, start: int, end: int) -> bool:
    """An IBAN's country and check digits just before, another of its groups after."""
    return _after_an_iban_head(text, start) and IBAN_GROUP_AFTER.match(text, end) is not None


def _after_an_iban_head(text: str, start: int) -> bool:
    return IBAN_HEAD_BEFORE.search(text, max(0, start - 8), start) is not None


def _after_short_groups(m: re.Match) -> list[int]:
    """Where the run goes on after its first one or two groups of at most four digits, each
    followed by a space (never for a +country number: its groups are all one number)."""
    lead = LEADING_SHORT_GROUPS.match(m.group())
    if lead is None or m.group().startswith(("+", "00")):
        return []
    return [m.start() + lead.end(g) for g in (1, 2) if lead.group(g)]


NEXT_SENTENCE = re.compile(r"\. +\d{1,4}$")  # a short number after a full stop
LEADING_SHORT_GROUPS = re.compile(r"(\d{1,4} +)(\d{1,4} +)?")
UNBROKEN = re.compile(r"\d{10,15}")


def _digits_said(m: re.Match) -> str:
    """The digits of a PHONE_WORDS match ("" when it has no word: digits alone are the
    patterns' own)."""
    words = re.findall(rf"(?i)(?:(double|triple)\s+)?({_EN_DIGIT}|{_ZH_DIGIT}|\d+)", m.group())
    if all(not times and w.isdigit() and w.isascii() for times, w in words):
        return ""
    return "".join(_digits(w) * _REPEATED.get(times.lower(), 1) for times, w in words)


def _digits(word: str) -> str:
    """The ASCII digits a matched word or run of digits says. The patterns' (?i) also
    matches case forms that ``lower()`` does not map back ("ſix", "FİVE"): those are looked
    up by matching; ``\\d`` also matches other scripts' digits ("٥٥٥")."""
    if word.isdecimal():
        return "".join(str(unicodedata.decimal(c)) for c in word)
    found = DIGIT_WORDS.get(word.lower())
    if found is None:
        matching = (d for name, d in DIGIT_WORDS.items() if re.fullmatch(name, word, re.I))
        found = next(matching, "")
    return found


def _said(check: Callable[[str], bool]) -> Valid:
    """A card or ID number written in words ("六二二五七零...")."""
    return lambda m, regions: m.span() if (d := _digits_said(m)) and check(d) else None


def _cn_id_said(m: re.Match) -> tuple[int, int] | None:
    """A Chinese ID in words, its check character maybe the letter X right after (a space
    before it or not)."""
    digits, end = _digits_said(m), m.end()
    check = re.match(r" ?[Xx](?![A-Za-z])", m.string[end : end + 2] + " ")
    if len(digits) == 17 and check:
        digits, end = digits + "X", end + len(check.group())
    return (m.start(), end) if len(digits) == 18 and cn_id_ok(digits) else None


COUNTRY_CODE_BEFORE = re.compile(r"(?:\+|(?<![A-Za-z])plus)\s?$", re.IGNORECASE)


def _phone_words(m: re.Match, regions: tuple[str, ...]) -> tuple[int, int] | None:
    """Digits written as words: a phone when they make a number some country could dial
    (ten digits or more, or seven with "call me" and the like just before), and nothing
    around them says it is something else (a tracking number and the word after it)."""
    digits = _digits_said(m)
    if not digits or phones.looks_like_something_else(m.string, m.start(), m.end()):
        return None
    if len(digits) < 10 and not phones.PHONE_CUE.search(phones.words_before(m.string, m.start())):
        return None
    plus = COUNTRY_CODE_BEFORE.search(m.string, max(0, m.start() - len("plus ")), m.start())
    if plus:  # "+44 seven seven ...", "plus four four ...": with its country code
        return (plus.start(), m.end()) if phones.possible_international(digits) else None
    if phones.possible_anywhere(digits, regions):
        return m.span()
    if m.group().endswith("一") and phones.possible_anywhere(digits[:-1], regions):
        return m.start(), m.end() - 1  # 一 begins the next word (打一五〇...八一直没人接)
    return None


DETECTORS: dict[str, tuple[re.Pattern, Valid]] = {
    "email": (EMAIL, lambda m, regions: _address(m)),
    "email_words": (EMAIL_WORDS, lambda m, regions: _email_words(m)),
    "cn_id": (CN_ID, _whole(_cn_id)),
    "iban": (IBAN, _iban),  # before cards: the digits of an IBAN may pass Luhn by chance
    "iban_words": (IBAN_WORDS, lambda m, regions: _iban_said(m)),
    "card": (CARD, lambda m, regions: _card_in(m)),
    "cn_id_words": (PHONE_WORDS, lambda m, regions: _cn_id_said(m)),
    "card_words": (PHONE_WORDS, _said(_card)),
    "phone": (PHONE, _phone),
    "phone_words": (PHONE_WORDS, _phone_words),
}
KIND_OF = {
    "email_words": "email",
    "iban_words": "iban",
    "cn_id_words": "cn_id",
    "card_words": "card",
    "phone_words": "phone",
}  # detectors that find another detector's kind
KINDS = ("email", "cn_id", "card", "iban", "phone")


def find_pii(
    text: str, kinds: Iterable[str] = KINDS, regions: tuple[str, ...] = phones.REGIONS
) -> list[Span]:
    """Non-overlapping personal-data spans of the original text; earlier kinds win (an ID is
    not also a phone)."""
    if text.isascii() and not _maybe(text):
        return []  # the common case, decided before any preparing
    prepared, origin = _joined(*prepare(text))
    if not _maybe(prepared):
        return []
    if HASH_FOR_AT.search(prepared):
        prepared = prepared.replace("#", "@")  # "chenlei#sina.com（#换成@）": one for one
    wanted = set(kinds)
    taken: list[Span] = []
    scanned: dict[re.Pattern, list[re.Match]] = {}  # detectors sharing a pattern scan once
    for detector in DETECTORS:
        if KIND_OF.get(detector, detector) in wanted:
            pattern = DETECTORS[detector][0]
            if pattern not in scanned:
                scanned[pattern] = list(pattern.finditer(prepared))
            found = _find_kind(scanned[pattern], detector, taken, regions)
            taken = sorted(taken + found, key=lambda s: s.start)
    return taken if origin is None else [_original(span, origin) for span in taken]


# letters the detectors' (?i) takes for an ASCII letter that lower() does not make one
_AS_ASCII_LETTER = str.maketrans({"İ": "i", "ı": "i", "ſ": "s", "K": "k"})


# the message says its "#" stands for "@" (an address hidden from scrapers)
HASH_FOR_AT = re.compile(
    r"#\s*(?:换成|改成|替换成|=|->|is an?|means|stands for)\s*@"
    r"|(?:replace|swap)\s+(?:the\s+)?#\s+(?:with|for|by)\s+@",
    re.IGNORECASE,
)


def _maybe(text: str) -> bool:
    """Whether any detector may find something: the pattern runs on lowercased text, with
    the letters the detectors' (?i) also reads as ASCII ones ("FİVE", "ſix") made ASCII."""
    return _MAYBE.search(text.translate(_AS_ASCII_LETTER).lower()) is not None


def prepare(text: str) -> tuple[str, list[int] | None]:
    """The text as personal data is read: full-width and other compatibility forms as
    their plain characters (NFKC), format characters (zero-width spaces and joiners) left
    out; with each character's index in ``text`` (None: unchanged)."""
    if text.isascii() or text.translate(_PLAIN) == text:
        return text, None  # nothing to change (Chinese without full-width forms, accents)
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        plain = _PLAIN[ord(char)]
        if plain:
            out.append(plain)
            origin.append(index)
    return "".join(out), origin


def _plain(char: str) -> str:
    """One character as personal data is read: "" for a format character, its NFKC form
    from U+2000 on when that is one character (a ligature or a spelled-out symbol is never
    part of a number), else itself."""
    if unicodedata.category(char) == "Cf":
        return ""
    if ord(char) >= 0x2000:
        folded = unicodedata.normalize("NFKC", char)
        return folded if len(folded) == 1 else char
    return char


_PLAIN = CharTable(_plain)


def _joined(text: str, origin: list[int] | None) -> tuple[str, list[int] | None]:
    """Spaced-out runs of single characters joined ("1 3 8 0 0 ..." as "13800..."), with
    the map to the original text."""
    if not SPACED_OUT.search(text):
        return text, origin
    where = origin if origin is not None else list(range(len(text)))
    drop = {
        m.start() + i for m in SPACED_OUT.finditer(text) for i in range(1, m.end() - m.start(), 2)
    }
    kept = [i for i in range(len(text)) if i not in drop]
    return "".join(text[i] for i in kept), [where[i] for i in kept]


def _original(span: Span, origin: list[int]) -> Span:
    return Span(origin[span.start], origin[span.end - 1] + 1, span.category)


def _find_kind(
    matches: list[re.Match], detector: str, taken: list[Span], regions: tuple[str, ...]
) -> list[Span]:
    """The valid ``matches`` of one detector's pattern that overlap none of the earlier
    ``taken`` spans."""
    valid = DETECTORS[detector][1]
    category = f"pii-{KIND_OF.get(detector, detector)}"
    starts = [s.start for s in taken]
    found = []
    for m in matches:
        if not _free(taken, starts, m.start(), m.end()):
            continue
        span = valid(m, regions)
        if span is not None:
            found.append(Span(*span, category))
    return found


def _free(taken: list[Span], starts: list[int], start: int, end: int) -> bool:
    """Whether ``start:end`` overlaps no span of ``taken``. The spans are sorted and disjoint,
    so their ends ascend too and only the last one starting before ``end`` can overlap: a
    bisection, where comparing with every span made text full of numbers quadratic."""
    i = bisect_left(starts, end)
    return i == 0 or taken[i - 1].end <= start
