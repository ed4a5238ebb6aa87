"""Real words the training data never uses, for synthetic out-of-domain questions.

Out-of-domain questions people type are fluent ("how do i fix my bike chain"): their unknown
words are real words, with ordinary spelling. Negatives built only from random letters teach
the model that odd spelling means "out of domain", which real questions never show. The word
lists come from the ``wordfreq`` package (frequency-ranked English and Chinese words shipped
inside the wheel, read offline).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from chatcore.language import is_cjk

TOP_WORDS = 30000
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UnknownWords:
    """Frequent real words outside the training vocabulary: Latin words, and Chinese
    characters (the tokenizer reads Chinese by character) taken from frequent words."""

    latin: tuple[str, ...] = ()
    cjk: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.latin or self.cjk)


def unknown_words(known: Iterable[str]) -> UnknownWords:
    """Frequent Latin words and Chinese characters that are not among the ``known`` tokens."""
    known = set(known)
    english, chinese = _word_lists()
    latin = tuple(w for w in english if len(w) >= 3 and w.isalpha() and w not in known)
    characters = (c for w in chinese for c in w if is_cjk(c) and c not in known)
    return UnknownWords(latin, tuple(dict.fromkeys(characters)))  # most frequent first


@functools.cache
def _word_lists() -> tuple[tuple[str, ...], tuple[str, ...]]:
    try:
        from wordfreq import top_n_list
    except ImportError:  # a broken install still trains, with made-up words only
        log.warning("wordfreq is not installed: out-of-domain examples use made-up words only")
        return (), ()
    return tuple(top_n_list("en", TOP_WORDS)), tuple(top_n_list("zh", TOP_WORDS))
