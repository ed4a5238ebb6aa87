"""Other spellings of a Latin term that the normalizer cannot undo alone: a wildcard for
inner letters ("sh*t", "f**k") and a word split in two ("fu ck", "sh it")."""

from __future__ import annotations

from collections.abc import Iterator

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
