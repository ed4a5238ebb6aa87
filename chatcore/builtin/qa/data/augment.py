"""Augmentation: noisy variants of each question, so paraphrases as users type them land.

Typos, dropped words, swapped neighbours, common synonyms and filler words for English; dropped
and swapped characters for Chinese. Also synthetic out-of-domain texts (gibberish and mixed-up
questions) for the reject class and the fallback threshold.
"""

from __future__ import annotations

import random

from chatcore.builtin.qa.data.lexicon import UnknownWords
from chatcore.language import is_cjk

# Small general-English equivalences (not taken from any evaluation set).
SYNONYMS = [
    {"big", "large", "huge", "major"},
    {"small", "little", "tiny"},
    {"nearest", "closest"},
    {"near", "close"},
    {"fast", "quick"},
    {"movie", "film"},
    {"like", "enjoy", "love"},
    {"tell", "say"},
    {"know", "understand"},
    {"you", "u"},
    {"your", "ur"},
    {"are", "r"},
    {"happy", "glad"},
    {"sad", "unhappy"},
    {"smart", "clever", "intelligent"},
    {"funny", "amusing"},
    {"begin", "start"},
    {"finish", "end"},
    {"buy", "purchase"},
    {"money", "cash"},
    {"name", "called"},
    {"computer", "pc"},
    {"robot", "bot"},
    {"favorite", "favourite"},
    {"color", "colour"},
    {"what", "which"},
]
_SYN = {w: sorted(group - {w}) for group in SYNONYMS for w in group}
# General Chinese equivalences, applied to the character sequence.
CJK_SYNONYMS = [
    ("什么", "啥"),
    ("怎么", "如何"),
    ("你", "您"),
    ("为什么", "为啥"),
    ("喜欢", "爱"),
    ("知道", "晓得"),
    ("告诉我", "说说"),
]
FILLERS = ["please", "so", "hey", "ok", "well", "um", "tell me", "do you know"]
CJK_PARTICLES = ["的", "了", "吗", "呢", "啊", "吧", "是", "请问"]
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def variants(tokens: list[str], rng: random.Random, count: int, rounds: int = 1) -> list[list[str]]:
    """``count`` noisy copies of one tokenized question, each noised ``rounds`` times."""
    out = []
    for _ in range(count):
        copy = tokens
        for _ in range(rounds):
            copy = augment(copy, rng)
        out.append(copy)
    return out


def augment(tokens: list[str], rng: random.Random) -> list[str]:
    """One noisy copy: each kind of noise is applied with some probability."""
    out = list(tokens)
    ops = (
        (_synonym, 0.4),
        (_drop, 0.4),
        (_swap, 0.2),
        (_rotate, 0.15),
        (_typo, 0.4),
        (_filler, 0.2),
    )
    for op, p in ops:
        if out and rng.random() < p:
            out = op(out, rng)
    return out or list(tokens)


def _synonym(tokens: list[str], rng: random.Random) -> list[str]:
    if any(is_cjk(t[0]) for t in tokens):
        return _cjk_synonym(tokens, rng)
    options = [i for i, t in enumerate(tokens) if t in _SYN]
    if not options:
        return tokens
    i = rng.choice(options)
    return [*tokens[:i], rng.choice(_SYN[tokens[i]]), *tokens[i + 1 :]]


def _cjk_synonym(tokens: list[str], rng: random.Random) -> list[str]:
    text = "".join(tokens)
    pairs = [(a, b) for a, b in CJK_SYNONYMS if a in text] + [
        (b, a) for a, b in CJK_SYNONYMS if b in text
    ]
    if not pairs or any(len(t) > 1 for t in tokens):
        return tokens  # mixed Latin words: leave them alone
    old, new = rng.choice(pairs)
    return list(text.replace(old, new, 1))


def _drop(tokens: list[str], rng: random.Random) -> list[str]:
    """Drop each word with a small probability (at least one), keeping at least two."""
    if len(tokens) < 3:
        return tokens
    kept = [t for t in tokens if rng.random() > 0.15]
    if len(kept) == len(tokens):
        i = rng.randrange(len(tokens))
        kept = tokens[:i] + tokens[i + 1 :]
    return kept if len(kept) >= 2 else tokens


def _rotate(tokens: list[str], rng: random.Random) -> list[str]:
    """'who wrote hamlet' -> 'hamlet who wrote': users put the topic first."""
    if len(tokens) < 3:
        return tokens
    i = rng.randrange(1, len(tokens))
    return tokens[i:] + tokens[:i]


def _swap(tokens: list[str], rng: random.Random) -> list[str]:
    if len(tokens) < 2:
        return tokens
    i = rng.randrange(len(tokens) - 1)
    return [*tokens[:i], tokens[i + 1], tokens[i], *tokens[i + 2 :]]


def _typo(tokens: list[str], rng: random.Random) -> list[str]:
    options = [i for i, t in enumerate(tokens) if len(t) > 3 and not is_cjk(t[0])]
    if not options:
        return tokens
    i = rng.choice(options)
    word, j = tokens[i], rng.randrange(1, len(tokens[i]))
    kind = rng.randrange(3)
    if kind == 0:
        word = word[:j] + word[j + 1 :]  # deletion
    elif kind == 1:
        word = word[:j] + rng.choice(_LETTERS) + word[j + 1 :]  # substitution
    else:
        word = word[: j - 1] + word[j] + word[j - 1] + word[j + 1 :]  # transposition
    return [*tokens[:i], word, *tokens[i + 1 :]]


def _filler(tokens: list[str], rng: random.Random) -> list[str]:
    if any(is_cjk(t[0]) for t in tokens):
        particle = list(rng.choice(CJK_PARTICLES))
        i = rng.randrange(len(tokens) + 1)
        return tokens[:i] + particle + tokens[i:]
    return [*rng.choice(FILLERS).split(), *tokens]


def function_words(questions: list[list[str]], count: int = 60) -> set[str]:
    """The most widespread tokens of the known questions ("what", "is", "you", "什", ...): the
    frame of a question, as opposed to its content."""
    df: dict[str, int] = {}
    for tokens in questions:
        for token in set(tokens):
            df[token] = df.get(token, 0) + 1
    return set(sorted(df, key=lambda t: (-df[t], t))[:count])


def negatives(
    questions: list[list[str]],
    rng: random.Random,
    count: int,
    words: UnknownWords | None = None,
) -> list[list[str]]:
    """Synthetic out-of-domain texts: gibberish, and known question frames whose content words
    are replaced by unknown ones ("how do i <unknown> <unknown>"), the shape of most real
    out-of-domain questions. With ``words``, two in three of those use real unknown words."""
    frame = function_words(questions)
    out = []
    for i in range(count):
        if i % 4 == 0:
            out.append([_pseudo_word(rng) for _ in range(rng.randint(1, 6))])
            continue
        real = words if words and i % 2 else None
        tokens = rng.choice(questions)
        swapped = [
            t if t in frame or rng.random() < 0.2 else _unknown_like(t, rng, real) for t in tokens
        ]
        if swapped == tokens:  # nothing but frame words: a known question, not a negative
            swapped = [_pseudo_word(rng) for _ in range(rng.randint(1, 6))]
        out.append(swapped)
    return out


def _pseudo_word(rng: random.Random) -> str:
    return "".join(rng.choices(_LETTERS, k=rng.randint(3, 9)))


def _unknown_like(token: str, rng: random.Random, words: UnknownWords | None) -> str:
    """The token standing in for one content token: a real unknown word (or Chinese
    character) when ``words`` has one of the same script, else a made-up one."""
    if is_cjk(token[0]):
        if words and words.cjk:
            return rng.choice(words.cjk)  # one character for one: lengths stay the same
        return chr(rng.randint(0x4E00, 0x9FA5))  # a random common-range Chinese character
    if words and words.latin:
        return rng.choice(words.latin)
    return _pseudo_word(rng)
