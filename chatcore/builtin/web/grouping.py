"""Groups questions that say nearly the same thing, for the console's unanswered list.

Character n-grams (single characters and pairs for Chinese, whose words are one or two
characters long; triples for other scripts; on lower-cased text without punctuation) compared
by Jaccard overlap: no model needed, the same in every language, and "how do I reset my
password" lands with "how can i reset my password?".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from chatcore.language import is_cjk

SIMILAR = 0.5


@dataclass
class Group:
    example: str
    grams: frozenset[str]
    questions: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(self.questions.values())


def ngrams(text: str) -> frozenset[str]:
    """The text's character n-grams, after case, width and punctuation are set aside."""
    clean = "".join(
        c if c.isalnum() else " " for c in unicodedata.normalize("NFKC", text).casefold()
    )
    words = clean.split()
    grams: set[str] = set()
    for word in words:
        if any(is_cjk(c) for c in word):
            grams.update(word)
            grams.update(word[i : i + 2] for i in range(len(word) - 1))
        else:
            padded = f" {word} "
            grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 1.0 if a == b else 0.0
    return len(a & b) / len(a | b)


def group_questions(questions: Iterable[str], threshold: float = SIMILAR) -> list[Group]:
    """Groups, largest first; each question joins the first group whose example it resembles
    (examples are the most frequent wording, so groups form around what is asked most)."""
    counts: dict[str, int] = {}
    for question in questions:
        text = " ".join(question.split())
        if text:
            counts[text] = counts.get(text, 0) + 1
    groups: list[Group] = []
    for text, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        grams = ngrams(text)
        home = next((g for g in groups if similarity(grams, g.grams) >= threshold), None)
        if home is None:
            home = Group(text, grams)
            groups.append(home)
        home.questions[text] = count
    return sorted(groups, key=lambda g: (-g.count, g.example))
