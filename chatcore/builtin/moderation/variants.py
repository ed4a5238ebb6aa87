"""Other spellings of a term that the normalizer cannot undo alone: a wildcard for inner
letters ("sh*t", "f**k"), a word split in two ("fu ck", "sh it"), Han characters written
as their parts (拆字: 女表子 for 婊子, 去歹匕 for 去死) and a Han character masked by a symbol
(傻*, 想自*了, *你妈)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import pairwise, product

from chatcore.builtin.moderation.charmap import fold_char
from chatcore.language import is_cjk

# a split whose two halves are both everyday words is a real phrase ("go ok" is not "gook")
_WORDS = """a am an as at be by do go he hi if in is it me my no of ok on or so to up us we ya
    all and any are bag bad but can day did for get had has her him his hot how its let man
    may new not now off old one our out own put say see she the too two use was way who why
    yes yet you art ear end era ore ant ink nit tar tit ape hen tai"""
COMMON = frozenset(_WORDS.split())


def wildcards(word: str) -> Iterator[str]:
    """One or two inner letters written as '*'."""
    for width in (1, 2):
        for i in range(1, len(word) - width):
            yield word[:i] + "*" + word[i + width :]


def splits(word: str) -> Iterator[str]:
    """The word cut in two parts of two letters or more, unless both parts are common words."""
    for i in range(2, len(word) - 1):
        left, right = word[:i], word[i:]
        if not (left in COMMON and right in COMMON):
            yield f"{left} {right}"


# Han characters of listed terms and the parts they are written as to dodge a filter: each
# pair is the character's components in writing order (left to right, top to bottom). Not
# those whose parts are an everyday pair: 女干 (女干部, so not 奸), 女马 (女马拉松), 女支 (女支书)
SPLIT_HAN = {
    "婊": "女表",
    "贱": "贝戋",
    "死": "歹匕",
    "胸": "月匈",
    "猪": "犭者",
    "狗": "犭句",
    "骚": "马蚤",
    "操": "扌喿",
    "鸡": "又鸟",
    "屌": "尸吊",
    "屎": "尸米",
    "逼": "辶畐",
    "滚": "氵衮",
}
SPLIT_MAX = 2  # split characters at most in one spelling (a term of many yields few)


def split_han(term: str) -> Iterator[str]:
    """``term`` with one or two of its characters written as their parts (``SPLIT_HAN``);
    none for a term of one character: two parts alone are too often a word's halves
    (女表 in 男女表现)."""
    if len(term) < 2:
        return
    options = [(c, SPLIT_HAN[c]) if c in SPLIT_HAN else (c,) for c in term]
    for spelling in product(*options):
        split = sum(len(part) > 1 for part in spelling)
        if 0 < split <= SPLIT_MAX:
            yield "".join(spelling)


# symbols that stand for one Han character a writer hides (傻*, 自×了); not bullets and boxes
# (●, □: list markers and checkboxes). The normalizer reads a symbol between two Han
# characters as a separator (傻*逼), so a mask is tried apart
HAN_MASKS = frozenset("*＊×")
MASKS_READ = 2  # more masks than this in a message are not read (a text full of stars)
MASK_FILLS_MAX = 64  # characters tried for one mask at most
# characters too common to show, alone beside a mask, which word it hides (*我们, 热*了, *妈妈)
COMMON_HAN = frozenset("我你他她它们了的妈日是在有和就不也都要想去来说吗吧啊呢个这那人")


class HanMasks:
    """Which characters a mask beside a Han character may stand for: those that stand beside
    that character in a listed Han term (傻* may be 傻逼, 傻叉 ...; *你妈 may be 操你妈)."""

    def __init__(self, terms: Iterable[str]) -> None:
        self._after: dict[str, set[str]] = {}  # a character -> what follows it in a term
        self._before: dict[str, set[str]] = {}  # a character -> what precedes it
        for term in terms:
            if len(term) < 2 or not all(is_cjk(c) for c in term):
                continue
            for left, right in pairwise(term):
                self._after.setdefault(left, set()).add(right)
                self._before.setdefault(right, set()).add(left)

    def fillings(self, text: str) -> list[tuple[int, str]]:
        """(position, character) for each single mask beside a Han character of ``text``
        and each character it may stand for, in a fixed order; none where the text holds
        more than ``MASKS_READ`` masks."""
        masks = [i for i, char in enumerate(text) if char in HAN_MASKS]
        if len(masks) > MASKS_READ:
            return []
        found = []
        for i in masks:
            if not _single(text, i):
                continue
            left = fold_char(text[i - 1]) if i else ""
            right = fold_char(text[i + 1]) if i + 1 < len(text) else ""
            fills = self._after.get(left, set()) | self._before.get(right, set())
            found += [(i, fill) for fill in sorted(fills)[:MASK_FILLS_MAX]]
        return found


def _single(text: str, i: int) -> bool:
    """One mask, not a run of them, beside a Han character."""
    before, after = text[i - 1 : i], text[i + 1 : i + 2]
    if before in HAN_MASKS or after in HAN_MASKS:
        return False
    return (bool(before) and is_cjk(before)) or (bool(after) and is_cjk(after))


def shows_the_word(written: str) -> bool:
    """Whether the characters a writer wrote of a masked word show it: two different ones or
    more, or one that is not among the commonest (傻* is 傻逼; *我, 热*了, *妈妈 are anything)."""
    han = {fold_char(c) for c in written if is_cjk(c)}  # 妈妈 is one
    return len(han) >= 2 or bool(han - COMMON_HAN)
