"""Phone numbers: a permissive pattern finds digit runs shaped like one, then the rules of
the countries' numbering plans (``phonenumbers``, Google's libphonenumber) and what is around
the run decide. ISBNs, UUIDs, order and invoice numbers, coordinates, dates, times, money and
version numbers are not phones."""

from __future__ import annotations

import itertools
import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from chatcore.builtin.moderation.settings import DEFAULT_REGIONS

if TYPE_CHECKING:
    from phonenumbers import PhoneNumber

# A "+" (maybe a space after it) or "00", an optional "(area)", then 7-17 digits with at most
# three separators between any two of them ("1 3 8 0 0 ..." spaced out, "415.555.0132",
# "(0)20-7946", "+(44) (7700) (900525)"). Each repetition takes a digit and separators cannot
# be digits, so a start costs a bounded number of steps; starts are only where a digit run
# begins (the lookbehind): scanning is linear.
SEPARATORS = r" .\-/()[\]<>_~—–·*"  # what people write between a phone number's digit groups
PHONE = re.compile(
    r"(?<![0-9A-Za-z+])(?:\+ ?|00)?(?:\(\d{1,4}+\)[ .\-/]{0,2})?"
    rf"\(?\d(?:[{SEPARATORS}]{{0,3}}\d){{6,16}}(?![0-9A-Za-z])"
)
NANP = re.compile(r"(?:[2-9]\d\d)?[2-9]\d{6}")  # area code and exchange: neither starts 0 or 1
REGIONS = DEFAULT_REGIONS  # where a number without +country may be from (``pii.regions``)

# labels just before a number that make it something else (en, zh), case-insensitive, maybe
# with a qualifier ("order no.", "student number is", "container MSCU")
_LABELS = (
    r"isbn|issn|order|invoice|inv|tracking|track|ref|reference|receipt|ticket|booking|"
    r"confirmation|serial|s/n|sku|part|model|version|ver|build|case|account|acct|id|po|batch|"
    r"lot|student|employee|member|customer|timestamp|epoch|unix|unix\s+time|container|fedex|"
    r"ups|dhl|usps|waybill|awb|claim|policy|membership|catalog|catalogue|dial-in\s+code|"
    r"access\s+code|meeting\s+id|时间戳|会议号|取件码|提取码|"
    r"订单|单号|编号|编码|发票|快递|运单|序列号|型号|版本|票号|批号|工单|账号|流水号|坐标|经纬度|"
    r"学号|工号|会员号|准考证|考号|考场号|学籍号|代码|卡号|车牌|password|passcode|pin|otp|zip|zip\+4|postal|postcode|"
    r"lotto|lottery|powerball|jackpot|bingo|ean|upc|barcode|row|rows|line|lines|page|pages|"
    r"密码|验证码|邮编|彩票|双色球|大乐透|条码|条形码|顺丰|圆通|中通|申通|韵达|极兔|邮政|京东|"
    r"parcel|package|shipment|item|listing|error|errno|错误|报错|商品|物流|seat|座位|房间|桌|"
    r"vat|ein|duns|gst|abn|税号|uid|iccid|imei|meid|article|run|pipeline|"
    r"workflow|qq|contract|docket|nhs|medicare|ssn|nino|ucas|passport|mrn|seed|户号|医保|社保"
)
# labels that name a number only with "number", "no." or "#" after them ("card number", not
# "my business card: 07700 900461")
_NUMBERED_LABELS = r"card|file|art|patient|company|job|insurance"
_NUMBER_WORDS = r"numbers?|num|no\.?|nr\.?|#|id|号码|号"
NOT_A_PHONE_BEFORE = re.compile(
    rf"(?<![A-Za-z])(?:(?:{_LABELS})"
    rf"(?:\s*(?:numbers?|num|no\.?|nr\.?|code|reg\.?|registration|starts?(?:\s+with)?|"
    rf"#|(?-i:[A-Z]{{2,5}}))){{0,2}}|(?:{_NUMBERED_LABELS})\s*(?:{_NUMBER_WORDS}))"
    r"(?:\s+(?:is|was|are|were|says|=)|\s*是)?[\s:#.\-=号码：]*$",
    re.IGNORECASE,
)
# words just before a number that say it is a phone: they win over a label further back
PHONE_CUE = re.compile(
    r"(?<![A-Za-z])(?:call|text|phone|tel|mobile|cell|ring|dial|whatsapp|wechat|line|fax|"
    r"reach|contact|电话|手机|联系|拨打|微信|号码是|打给)(?:\s+(?:me|us|him|her))?"
    r"(?:\s+(?:at|on|is|:))?[\s:：=]*$",
    re.IGNORECASE,
)
# a word anywhere just before a number that says it is a phone ("my WeChat ID is ...")
CUE_WORD = re.compile(
    r"(?<![A-Za-z])(?:phone|tel|mobile|cell|whatsapp|wechat|telegram|电话|手机|微信)(?![A-Za-z])",
    re.IGNORECASE,
)
# a value in pasted code or data: after a JSON key or "key=" ("ts": 1717459200, ts=...)
CODE_KEY_BEFORE = re.compile(r"(?:\"[A-Za-z_][\w.\-]*\"\s*:\s*|(?<![\w])[A-Za-z_][\w.\-]*=)\"?$")
# an ISBN-10 in its four parts, anywhere in a message that speaks of ISBNs
ISBN_PARTS = re.compile(r"\d{1,5}-\d{1,7}-\d{1,7}-[\dXx]")
ISBN_WORD = re.compile(r"(?i)(?<![A-Za-z])isbn|书号")
ISBN_REACH = 80  # how far around such a number the word is looked for
# the message says the number is no phone ("... is our client code, not a phone")
SAID_NOT_A_PHONE = re.compile(
    r"(?<![A-Za-z])(?:not|isn't|is not|ain't)\s+(?:a\s+|my\s+|the\s+)?(?:phone|mobile|cell)"
    r"(?:\s+numbers?)?(?![A-Za-z])|不是(?:电话|手机)",
    re.IGNORECASE,
)
MONEY_AROUND = re.compile(r"[$€£¥￥]\s*$|^\s*(?:元|块|美元|欧元|dollars?|usd|eur|rmb|%)", re.I)
DECIMAL = re.compile(r"-?\d+\.\d{4,}")  # one dot, four decimals or more: a coordinate
DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")
DATE_INSIDE = re.compile(r"(?:19|20)\d\d[./]\d\d[./]\d\d")  # 2018.05.12 in a longer run
SIGNED = re.compile(r"\s-\d")  # a minus sign after a space, none after it: a signed number
YEAR_SLASH = re.compile(r"(?:19|20)\d\d/\d{1,4}")  # a year's numbered item: "contract 2023/118"
YEARS = re.compile(r"((?:1\d|20)\d\d)\s*[-–~]\s*((?:1\d|20)\d\d)")  # 1998-2004, 1485–1603
# opening hours: 0900-1700
HOURS = re.compile(r"((?:[01]\d|2[0-3])[0-5]\d)\s*[-–~]\s*((?:[01]\d|2[0-3])[0-5]\d|2400)")
# what ends just before a number that is only the rest of it: an IBAN-shaped start, digits
# joined to it without a space, or a group of letters and digits among digit groups (a parcel
# code: "1Z 999 AA1 01 2345 6784"; a user name alone before a number is no code)
TAIL_OF_ANOTHER = re.compile(
    r"(?:[A-Za-z]{2}\d{2}(?:[ .\-]?[A-Za-z0-9]){4,}[ .\-]|\d[.\-/]?"
    r"|\d[ .\-][A-Za-z]{2,3}\d{1,2}[ .\-])$"
)
AMOUNT_TAIL = re.compile(r"(?:,\d{3}|\.\d{1,2})(?!\d)")  # ",567" or ".89" right after
# grouped as a 15-digit payment card is: a phone number is never written so
CARD_SHAPED = re.compile(r"\d{4}([ .\-])\d{6}\1\d{5}")  # 4-6-5 (Amex); 4-4-4-4 is never 15 digits
FORMATTED = re.compile(rf"\d[{SEPARATORS}]+\d|^\(")  # digits in groups, or "(area) ..."
YEAR = re.compile(r"(?:19|20)\d\d")
MINUTES = re.compile(r"[:：]\d\d")
# "2^32 = 4294967296", "123456789 x 9 = ...": an equation's result
RESULT_OF = re.compile(r"[\d)]\s*[=≈]\s*$")
# a unit after the number: a size or a count, not a phone
UNIT_AFTER = re.compile(
    r"\s*\(?(?:bytes?|bits?|[kmgtp]i?b|views|downloads|users|people|visitors|followers|steps|"
    r"words|characters|chars|pixels|px|ms|milliseconds|secs?|seconds|unix|epoch|"
    r"m/s|km/h|mph|km|kg|mm|cm|miles|metres|meters|kilometres|kilometers|tonnes|tons|"
    r"litres|liters|kcal|calories|hz|khz|mhz|ghz|"
    r"字节|次|位|个(?!人)|毫秒|秒)(?![A-Za-z])",
    re.IGNORECASE,
)
# "+44 7700 900 xxx": the rest starred out, where the digits are fewer than a whole number's
# ("07700 900461 xx" is a number and a kiss)
MASKED_AFTER = re.compile(r"[ .\-]?[xX*＊•]{2,}")
FULL_LENGTH = 10  # digits of a whole number with its area code; fewer bare ones: a count, a code
# a placeholder: one digit over and over ((555) 555-5555: ten times or more, phone word or
# not), or seven zeros (13900000000, a template's +86 138 0000 0000 even after a phone word);
# five zeros at the end: a round sum
PLACEHOLDER = re.compile(r"(\d)\1*")
ZEROS = re.compile(r"\d*0{7}\d*")
ROUND = re.compile(r"\d+0{5}")
# words near a number that make it a result in maths, a draw's numbers or a book's code
NOT_A_PHONE_NEAR = re.compile(
    r"(?<![A-Za-z])(?:primes?|factorial|factors?|power|squared|cubed|fib|fibonacci|sqrt|"
    r"logarithm|modulo|lotto|lottery|draw|jackpot|powerball|bonus|isbn|issn)(?![A-Za-z])"
    r"|次方|阶乘|质数|素数|平方|立方|因数|乘方|彩票|开奖|双色球|大乐透|书号",
    re.IGNORECASE,
)
# a product's code named earlier in the number's sentence ("the barcode on the box says ...");
# after the number it may be another subject ("my number 07700 900461, and a barcode joke")
PRODUCT_CODE_BEFORE = re.compile(r"(?<![A-Za-z])(?:barcode|gtin)(?![A-Za-z])|条码|条形码", re.I)
SENTENCE_REACH = 80  # how far back a number's sentence is read
WORDS_AFTER_CHARS = 40  # how far after a number such words are looked for
SHORTEST = 7  # digits of the shortest phone number (a local one)
COUNTING = 8  # digits counting up or down (12345678901, 9876543210): a placeholder, cue or not
# 4-4-4 and maybe more, not starting with 0: a card number or its first twelve digits (0176
# 1234 5678 is a German mobile)
CARD_PIECE = re.compile(r"[1-9]\d{3}([ .\-])\d{4}\1\d{4}(?:\1\d{1,7})?")
# 4-4 and a short group, from a card network's first digits: the start of a card number
CARD_START = re.compile(r"(?:4\d|5[1-5]|2[2-7]|3[47]|6\d)\d\d([ .\-])\d{4}\1\d{1,3}")
# an amount with its cents and no thousands separator (26532.98, 1299,00)
CENTS = re.compile(r"\d{4,}[.,]\d\d")
# digits of a date and a time in one run (20230330135310, 202303301353): a timestamp
DATETIME = re.compile(
    r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:[01]\d|2[0-3])[0-5]\d(?:[0-5]\d)?"
)
# numbers of one and two digits in a row ("1 6 23 25 41 47"): a list, not digits spaced out
SMALL_NUMBERS = re.compile(r"\d{1,2}(?:[ ,]+\d{1,2})+")
SCORES = re.compile(r"\d{1,2}[-–:]\d{1,2}(?:[ ,]+\d{1,2}[-–:]\d{1,2})+")  # "6-4 6-4 6-7 9-7"
# words near a value that make it a form's or a lesson's example, no one's ("write it as
# 07123 456789 in the example box", "placeholder text 'e.g. jane@doe.com'")
EXAMPLE_NEAR = re.compile(
    r"(?<![A-Za-z.@])(?:e\.g\.|for example|for instance|examples?|placeholders?|dummy|fixtures?)"
    r"(?![A-Za-z.])|示例|例如|占位",
    re.IGNORECASE,
)
# "email me at", "send the form to": a value given to be used, not shown as an example
CONTACT_BEFORE = re.compile(
    r"(?<![A-Za-z])(?:(?:e-?mail|mail|call|text|ring|reach|contact|message|write)\s+(?:me|us)"
    r"|send\b[^.!?]{0,40}\bto|write\s+to|reply\s+to|cc)\b[^.!?]*$",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(r"[.!?。！？\n]")
PERSONAL = re.compile(r"(?<![A-Za-z])(?:my|his|her|their|our)\s+\w+", re.IGNORECASE)
# the message says the number is not whole ("only 8 digits", "no area code", 少了一位)
SAID_INCOMPLETE = re.compile(
    r"(?<![A-Za-z])(?:too\s+(?:short|long)|only\s+\d+\s+digits|(?:a|one)\s+digit\s+"
    r"(?:short|missing|too\s+many)|missing\s+(?:a\s+|the\s+)?(?:digits?|area\s+code)|"
    r"no\s+area\s+code|without\s+(?:the\s+|an\s+|its\s+)?area\s+code)(?![A-Za-z])"
    r"|少了?一位|少了几位|多了?一位|位数不对",
    re.IGNORECASE,
)
PAIRS_OF_A_PHONE = 5  # a phone number in pairs (France: 01 42 68 53 91)
IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
# four groups and more between dots: a version or a build (122.0.6261.112, 10.0.22631.3296);
# phone numbers in dots have three groups, five in pairs, or four after NANP's 1 (1.415.555.0132)
VERSION = re.compile(r"(?!1\.)\d+(?:\.\d+){3,}")
_CODE_CHAR = re.compile(r"[A-Za-z0-9_\-./:#+@]")  # what codes and identifiers are made of
CONTEXT_CHARS = 24  # how far before a number its label is looked for
LONGEST_BARE = 13  # digits of a phone written without "+" or a break: 8613800138000


def is_phone(text: str, start: int, end: int, regions: tuple[str, ...] = REGIONS) -> bool:
    """Whether ``text[start:end]`` (a PHONE match) is a phone number."""
    candidate = text[start:end]
    digits = re.sub(r"\D", "", candidate)
    if not SHORTEST <= len(digits) <= 15 or looks_like_something_else(text, start, end):
        return False
    said_so = _said_to_be_a_phone(text, start, end)
    short = len(digits) < FULL_LENGTH or not said_so
    if short and _near(SAID_INCOMPLETE, text, start, end):
        return False  # "0412 3456, that's only 8 digits for an Aussie mobile right?"
    if len(digits) == SHORTEST and not said_so:
        return False  # a local number without its area code: a code, a song, a cost centre
    international = candidate.startswith(("+", "00"))
    fictional = fictional_length_ok(digits, international)
    if fictional is not None:
        return fictional and not _near(FICTION_WORDS, text, start, end, sentence=False)
    formatted = international or bool(FORMATTED.search(candidate))
    if not formatted and not FULL_LENGTH <= len(digits) <= LONGEST_BARE:
        return False  # a short bare run: a count, a code...; a long one: a card, an account
    if not formatted and len(digits) >= 12 and not _cued(text, start):
        return valid_anywhere(digits, regions)  # 500000500000: a big number, unless dialable
    if international:
        return possible_international(digits[2:] if candidate.startswith("00") else digits)
    return possible_anywhere(digits, regions)


LABEL_NUMBER_WORD = re.compile(
    rf"(?i)(?<![A-Za-z])(?:{_NUMBER_WORDS})(?:\s+(?:is|was)|是)?[\s:#.\-=：]*$"
)
# "my number is 555-0134": a number of a person's, said so just before it
NUMBER_OF = re.compile(
    r"(?<![A-Za-z])(?:my|his|her|their|our|your|the)\s+(?:number|no\.?|#)(?:'s|\s+is)?[\s:]*$",
    re.IGNORECASE,
)


def _said_to_be_a_phone(text: str, start: int, end: int) -> bool:
    """A phone word before or after the number, or a person's "number is" before it."""
    before = words_before(text, start)
    return _cued(text, start) or cued_after(text, end) or bool(NUMBER_OF.search(before))


def possible_international(digits: str) -> bool:
    """A number with its country code (written after "+" or "00")."""
    return _possible("+" + digits, None)


# Numbers set aside for fiction (Ofcom's drama numbers, ACMA's, NANP's 555-0100 to 555-0199),
# as national significant numbers (no 0, no country code): their country's, their length.
FICTIONAL = (
    ("44", 10, re.compile(
        r"7700900|207946|1(?:1[3-8]|[2-6]1)4960|1914980|2896496|2920180|1632960|8081570"
        r"|9098790|3069990"
    )),
    ("61", 9, re.compile(r"491570|[2378]5550|[2378]7010")),
)  # fmt: skip
NANP_FICTIONAL = re.compile(r"(?:[2-9]\d\d)?55501")  # 555-01xx, with its area code or not


# words near a number from those ranges that say it is the fiction's, not someone's
FICTION_WORDS = re.compile(
    r"(?<![A-Za-z])(?:(?:from|in)\s+(?:a|the)\s+(?:movie|film|show|series|sitcom)|"
    r"(?:movie|film)(?:'s)?\s+number|fake|fictional|fictitious|made[ -]up|jk|kidding)"
    r"(?![A-Za-z])|电影里|电视剧里|假的|虚构",
    re.IGNORECASE,
)


def fictional_length_ok(digits: str, international: bool) -> bool | None:
    """For a number from a range set aside for fiction, whether it has its country's length
    (one a digit short is a near miss: "020 7946 095"); None for other numbers."""
    for country, length, starts in FICTIONAL:
        national = _national_digits(digits, country, international)
        if national is not None and starts.match(national):
            return len(national) == length
    national = _national_digits(digits, "1", international)
    if national is not None and (found := NANP_FICTIONAL.match(national)):
        return len(national) == len(found.group()) + 2
    return None


def _national_digits(digits: str, country: str, international: bool) -> str | None:
    """The digits after the country code (international) or the trunk 0 (GB, AU national);
    None when they are not of ``country``."""
    if international:
        digits = digits[2:] if digits.startswith("00") else digits
        return digits[len(country) :] if digits.startswith(country) else None
    if country == "1":
        return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits
    return digits[1:] if digits.startswith("0") else None


def valid_anywhere(digits: str, regions: tuple[str, ...] = REGIONS) -> bool:
    """A number one of ``regions`` has given out (its plan's ranges, not only its lengths)."""
    phonenumbers = _phonenumbers()
    for region in regions:
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(digits, region)):
                return True
        except phonenumbers.NumberParseException:
            continue
    return False


def _cued(text: str, start: int) -> bool:
    """A phone word just before the number, or anywhere in the words before it."""
    before = words_before(text, start)
    return bool(PHONE_CUE.search(before) or CUE_WORD.search(before))


def labelled(text: str, start: int) -> bool:
    """A label with a number word ("ticket number", "order no.") just before the number, and
    no phone word before it: the whole run is what it names (a bare "room" or "ver" names
    only a short number first: "房间 1203 13800138000"; a "+country" number is no code)."""
    if text.startswith("+", start):
        return False
    before = words_before(text, start)
    numbered = NOT_A_PHONE_BEFORE.search(before) and LABEL_NUMBER_WORD.search(before)
    return bool(numbered) and not _cued(text, start)


# a phone word just after a number ("version 3 13912345678 call me")
CUE_AFTER = re.compile(
    r"(?<![A-Za-z])(?:call|text|ring|phone|tel|mobile|cell|whatsapp|wechat)(?![A-Za-z])"
    r"|电话|手机|微信|打给|联系",
    re.IGNORECASE,
)


def cued_after(text: str, end: int) -> bool:
    return CUE_AFTER.search(text, end, end + CONTEXT_CHARS) is not None


def possible_anywhere(digits: str, regions: tuple[str, ...] = REGIONS) -> bool:
    """A national number one of ``regions`` could dial."""
    return any(_possible(digits, region) for region in regions)


def looks_like_something_else(text: str, start: int, end: int) -> bool:
    candidate = text[start:end]
    before = words_before(text, start)
    after = text[end : end + 8]
    if TAIL_OF_ANOTHER.search(text[max(0, start - 48) : start]):
        return True  # the tail of a longer number (a wrong IBAN, a long reference)
    if DATE.fullmatch(candidate) or DECIMAL.fullmatch(candidate) or IPV4.fullmatch(candidate):
        return True
    if VERSION.fullmatch(candidate) and set(_group_lengths(candidate)) not in ({1}, {2}):
        return True  # (not digits dotted out one by one, nor a French number in pairs)
    if (
        DATETIME.fullmatch(candidate)
        or _small_numbers_mixed(candidate)
        or SCORES.fullmatch(candidate)
    ):
        return True
    if SIGNED.search(candidate):
        return True  # numbers with their signs: coordinates ("120 64 -340"), a column
    if _period(candidate) or YEAR_SLASH.fullmatch(candidate) or ".." in candidate:
        return True  # 1998-2004; 1..1000000
    cut_short = after.lstrip(" ").startswith(("..", "…"))
    if ean13_ok(candidate) or isbn10_ok(candidate + after[:2]) or cut_short:
        return True  # an ISBN or a product's barcode; a number cut short ("4532 0151 12..")
    if MONEY_AROUND.search(before) or MONEY_AROUND.search(after):
        return True
    if AMOUNT_TAIL.match(after):
        return True  # 1234567.89 or 1,234,567: an amount
    if CARD_SHAPED.fullmatch(candidate) or CARD_PIECE.fullmatch(candidate):
        return True  # a card number that failed its check, or a piece of one
    if CARD_START.fullmatch(candidate) or CENTS.fullmatch(candidate):
        return True  # the first digits of a card ("4539 1488 03 ..."); an amount
    if _date_then_hour(candidate, after):
        return True  # a date and a time
    digits = re.sub(r"\D", "", candidate)
    if MASKED_AFTER.match(after) and len(digits) < FULL_LENGTH:
        return True  # the start of a number, its rest starred out (not "**" closing bold)
    if counting(digits) or ZEROS.fullmatch(digits) or _starred(candidate):
        return True
    if _one_digit_repeated(digits, candidate.startswith(("+", "00"))):
        return True
    if _cued(text, start) or NUMBER_OF.search(before):
        return False
    if _near(SAID_NOT_A_PHONE, text, start, end, before=False) or an_example(text, start, end):
        return True  # "5879420133 is our client code, not a phone"; a form's example
    if _pasted_value(before) or _isbn_spoken_of(text, start, end):
        return True
    if RESULT_OF.search(before) or UNIT_AFTER.match(after) or computing_constant(digits):
        return True
    if _near(NOT_A_PHONE_NEAR, text, start, end, sentence=False):
        return True
    if PRODUCT_CODE_BEFORE.search(_sentence_before(text, start)):
        return True
    placeholder = PLACEHOLDER.fullmatch(digits) or ROUND.fullmatch(digits)
    if placeholder and len(digits) >= SHORTEST:
        return True  # (digits said in words are not among them: "+44 seven seven ...")
    if after.startswith("#") or _range(candidate, before) or _pairs_not_five(candidate):
        return True  # a code keyed in with "#"; a range or a list
    if candidate.startswith("+"):
        return False  # a number with its country code: what stands before is not its label
    return bool(NOT_A_PHONE_BEFORE.search(before)) or _in_a_token_with_letters(text, start, end)


# 2^n and 2^n - 1 of ten digits and more: integer limits and sizes (2147483647 is Int32's
# largest, 4294967296 bytes are 4 GiB), maths and programming talk, no one's number
COMPUTING_CONSTANTS = frozenset(str(2**n - k) for n in range(30, 64) for k in (0, 1))


def _one_digit_repeated(digits: str, international: bool) -> bool:
    """A placeholder: one digit ten times or more, after its country code where it has one
    ("+1 (555) 555-5555"; not "07777 777777")."""
    whole = PLACEHOLDER.fullmatch(digits) and len(digits) >= FULL_LENGTH
    codes = (1, 2, 3, 4, 5) if international else ()  # ("00" and a country code)
    return bool(whole) or any(
        PLACEHOLDER.fullmatch(digits[code:]) and len(digits) - code >= FULL_LENGTH for code in codes
    )


def an_example(text: str, start: int, end: int) -> bool:
    """A value a form or a lesson gives as an example (words of it just before or after),
    not one a person calls theirs ("my number, for example: ...")."""
    before = words_before(text, start)
    if PERSONAL.search(before) or CONTACT_BEFORE.search(before):
        return False
    return _near(EXAMPLE_NEAR, text, start, end)


def _near(
    words: re.Pattern, text: str, start: int, end: int, before: bool = True, sentence: bool = True
) -> bool:
    """``words`` in the words just before the number (unless not ``before``) or in the
    ``WORDS_AFTER_CHARS`` after it (only up to its sentence's end, where ``sentence``)."""
    if before and words.search(words_before(text, start)):
        return True
    after = text[end : end + WORDS_AFTER_CHARS]
    return words.search(SENTENCE_END.split(after, 1)[0] if sentence else after) is not None


PHONE_KEY = re.compile(r"phone|mobile|cell|tel|contact|whatsapp|fax", re.IGNORECASE)


def _pasted_value(before: str) -> bool:
    """A value after a JSON key or "key=" whose key names no phone ("ts", not "phoneNumber")."""
    key = CODE_KEY_BEFORE.search(before)
    return key is not None and PHONE_KEY.search(key.group()) is None


def _isbn_spoken_of(text: str, start: int, end: int) -> bool:
    """An ISBN-10's four parts where the words around it name ISBNs (its check digit right
    or wrong: "ISBN-10 check: 0-306-40615-2 is valid, 0-306-40615-3 isn't")."""
    candidate, after = text[start:end], text[end : end + 2]
    isbn = ISBN_PARTS.fullmatch(candidate + after.rstrip(" ,.?!"))
    isbn = isbn or ISBN_PARTS.fullmatch(candidate)
    near = ISBN_WORD.search(text, max(0, start - ISBN_REACH), end + ISBN_REACH)
    return bool(isbn) and near is not None


def _date_then_hour(candidate: str, after: str) -> bool:
    """A date with its year, then the hour of a time: "2024-06-18 14", "Nov 14 2023 22"
    before ":30"."""
    groups = re.findall(r"\d+", candidate)
    if not MINUTES.match(after) or len(groups[-1]) > 2:
        return False
    return any(YEAR.fullmatch(group) for group in groups[:-1])


def computing_constant(digits: str) -> bool:
    return digits in COMPUTING_CONSTANTS


def _starred(candidate: str) -> bool:
    """Stars among the digits that are no separators: two in a row (a mask: "07700 9***12")
    or next to a group of one or two digits (a product: "22168*0.69"); "135*8826*1094" is a
    number written with stars between its groups."""
    if "*" not in candidate:
        return False
    return "**" in candidate or min(_group_lengths(candidate)) < 3


def counting(digits: str) -> bool:
    """At least ``COUNTING`` digits, each one more (or each one less) than the one before,
    9 and 0 adjoining: a keyboard's placeholder, no one's number."""
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(digits)}
    return len(digits) >= COUNTING and steps in ({1}, {9})


# two numbers of one length joined by the dash typesetting uses for ranges (en or em dash)
DASH_RANGE = re.compile(r"([1-9]\d{2,})\s?[–—]\s?(\d+)")
# words that say the numbers after them span a range of things
RANGE_WORDS = re.compile(
    r"(?<![A-Za-z])(?:range|ranges|ports?|rows?|lines?|pages?|records?|ids|items|between|"
    r"from|years)(?![A-Za-z])|范围|区间|之间|第",
    re.IGNORECASE,
)


def _range(candidate: str, before: str) -> bool:
    """Two numbers joined by "~" ("20000~30000"), or numbers of at most two digits so joined
    ("36 ~ 38 ~ 40"); "133~2211~8765" is a phone number written with tildes. Or, after a word
    of ranges (``RANGE_WORDS``), two numbers of one length joined by an en or em dash, the
    second larger ("ports 49152–65535"): phone numbers of two groups of one length exist
    (Hong Kong's "2123–4567"), so the dash alone says nothing."""
    dashed = DASH_RANGE.fullmatch(candidate)
    if dashed is not None:
        low, high = dashed.groups()
        ascending = len(low) == len(high) and int(low) < int(high)
        return ascending and RANGE_WORDS.search(before) is not None
    if "~" not in candidate:
        return False
    return candidate.count("~") == 1 or max(_group_lengths(candidate)) <= 2


def _small_numbers_mixed(candidate: str) -> bool:
    """Numbers of one and two digits both: a list (a draw, scores); a phone spaced out is in
    single digits or in pairs."""
    return set(_small_groups(candidate)) == {1, 2}


def _pairs_not_five(candidate: str) -> bool:
    """Pairs, not five of them: a list (a draw, scores), where the regions' numbers in pairs
    have five ("06 45 12 78 90"); a phone word before it says otherwise (Hong Kong's
    "91 23 45 67")."""
    lengths = _small_groups(candidate)
    return set(lengths) == {2} and len(lengths) != PAIRS_OF_A_PHONE


def _small_groups(candidate: str) -> list[int]:
    """The lengths of the groups of a run of numbers of one or two digits (else none)."""
    return _group_lengths(candidate) if SMALL_NUMBERS.fullmatch(candidate) else []


def _group_lengths(candidate: str) -> list[int]:
    return [len(group) for group in re.findall(r"\d+", candidate)]


def _sentence_before(text: str, start: int) -> str:
    """What the number's sentence says before it (at most ``SENTENCE_REACH`` characters)."""
    return SENTENCE_END.split(text[max(0, start - SENTENCE_REACH) : start])[-1]


def words_before(text: str, start: int) -> str:
    """The ``CONTEXT_CHARS`` before a number, without a word the window cuts in two (the
    "tel" of "hotel" is no phone cue)."""
    first = max(0, start - CONTEXT_CHARS)
    while 0 < first < start and text[first - 1].isalpha() and text[first].isalpha():
        first += 1
    return text[first:start]


def _in_a_token_with_letters(text: str, start: int, end: int) -> bool:
    """Part of a word with Latin letters (a UUID, a part number "AB-1234567"), not a label
    such as "tel:" before it."""
    left = start
    while left > 0 and _CODE_CHAR.match(text[left - 1]):
        left -= 1
    right = end
    while right < len(text) and _CODE_CHAR.match(text[right]):
        right += 1
    head = text[left:start].rstrip(":：=")
    if head.lower() in ("", "tel", "phone", "mobile", "cell", "fax", "whatsapp", "wechat"):
        head = ""
    return bool(re.search(r"[A-Za-z]", head + text[end:right]))


ISBN10 = re.compile(r"(\d{1,5})-(\d{1,7})-(\d{1,7})-([\dX])(?![\dA-Za-z])")


def isbn10_ok(candidate: str) -> bool:
    """An ISBN-10 in its four hyphenated parts (0-306-40615-2) whose check digit (mod 11, X
    for ten) is right: a book. Grouped so, no phone number is written; bare, one in eleven
    would pass by chance, so ten bare digits are left to the other rules."""
    found = ISBN10.match(candidate)
    digits = "".join(found.groups()) if found else ""
    if len(digits) != 10:
        return False
    values = [10 if c == "X" else int(c) for c in digits]
    return sum(v * (10 - i) for i, v in enumerate(values)) % 11 == 0


def ean13_ok(candidate: str) -> bool:
    """Thirteen digits in one run with a valid EAN-13 check digit: a product's barcode or an
    ISBN (978, 979, also grouped). A phone number has no check digit; one in ten would pass
    by chance, and a phone number written as thirteen unbroken digits is rare."""
    digits = re.sub(r"[ \-]", "", candidate)
    if len(digits) != 13 or not digits.isdigit():
        return False
    if not (candidate.isdigit() or digits.startswith(("978", "979"))):
        return False  # grouped: only an ISBN (978-0-262-51087-5)
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return total % 10 == 0


def _period(candidate: str) -> bool:
    """Two years from 1000 to 2099, or two times of day written as four digits, the second
    later ("1485–1603", "0900-1700"): a period or opening hours, not a number of eight."""
    found = YEARS.fullmatch(candidate) or HOURS.fullmatch(candidate)
    return found is not None and int(found.group(1)) < int(found.group(2))


@cache
def _phonenumbers():
    import phonenumbers

    return phonenumbers


@lru_cache(maxsize=4096)
def _possible(number: str, region: str | None) -> bool:
    """A number of a length the region's plan allows (valid ones included; fictional ranges
    such as 555-01xx or 07700 900xxx are possible but not valid, and are still personal data
    in a message), written as its country writes it (``written_nationally``)."""
    phonenumbers = _phonenumbers()
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return False
    if not phonenumbers.is_possible_number(parsed):
        return False
    return region is None or written_nationally(number, region, parsed)


def written_nationally(number: str, region: str, parsed: PhoneNumber) -> bool:
    """Where numbers are dialled with a leading 0 (GB, DE, FR, JP, AU, TW ...), one written
    without it is only a number the plan writes so (China's mobiles 138..., its 400 and 800
    lines) or a mobile number (India's 98...): 1380013800 is no Devizes number (01380), it is
    a Chinese mobile a digit short. A NANP number has an exchange (and area code) of the
    plan's shape (neither starts with 0 or 1: no 141 ...); where no digit is dialled first
    (Hong Kong, Singapore; Italy, Spain, the Nordic countries when configured), one of the
    plan's ranges. A number written with its country code but no "+" ("44 20 7123 4567") is
    written as dialled from abroad."""
    phonenumbers = _phonenumbers()
    if _with_country_code(number, parsed):
        return True
    prefix = phonenumbers.PhoneMetadata.metadata_for_region(region).national_prefix
    if prefix == "0" and not number.startswith("0"):
        if not phonenumbers.is_valid_number(parsed):
            return False
        national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        mobile = (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )
        return not national.startswith("0") or phonenumbers.number_type(parsed) in mobile
    if prefix == "1":
        return bool(NANP.fullmatch(str(parsed.national_number)))
    if prefix is None:
        return phonenumbers.is_valid_number(parsed)
    return True


def _with_country_code(number: str, parsed: PhoneNumber) -> bool:
    """The digits are the country code and the national number (the parse took the code)."""
    code = str(parsed.country_code)
    return number.startswith(code) and number[len(code) :] == str(parsed.national_number)
