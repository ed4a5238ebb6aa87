"""Augmentation: noisy variants of each question, so paraphrases as users type them land.

Typos, dropped words, swapped neighbours, common synonyms and filler words for English; dropped
and swapped characters for Chinese. Also synthetic out-of-domain texts (gibberish and mixed-up
questions) for the reject class and the fallback threshold.
"""

from __future__ import annotations

import random

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
FILLERS = ["please", "so", "hey", "ok", "well", "um", "tell me", "do you know"]
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def variants(tokens: list[str], rng: random.Random, count: int) -> list[list[str]]:
    """``count`` noisy copies of one tokenized question."""
    return [augment(tokens, rng) for _ in range(count)]


def augment(tokens: list[str], rng: random.Random) -> list[str]:
    """One noisy copy: each kind of noise is applied with some probability."""
    out = list(tokens)
    for op, p in ((_synonym, 0.4), (_drop, 0.35), (_swap, 0.2), (_typo, 0.4), (_filler, 0.15)):
        if out and rng.random() < p:
            out = op(out, rng)
    return out or list(tokens)


def _synonym(tokens: list[str], rng: random.Random) -> list[str]:
    options = [i for i, t in enumerate(tokens) if t in _SYN]
    if not options:
        return tokens
    i = rng.choice(options)
    return [*tokens[:i], rng.choice(_SYN[tokens[i]]), *tokens[i + 1 :]]


def _drop(tokens: list[str], rng: random.Random) -> list[str]:
    if len(tokens) < 3:
        return tokens
    i = rng.randrange(len(tokens))
    return tokens[:i] + tokens[i + 1 :]


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
        return tokens
    return [*rng.choice(FILLERS).split(), *tokens]


def negatives(questions: list[list[str]], rng: random.Random, count: int) -> list[list[str]]:
    """Synthetic out-of-domain texts: gibberish words, random Chinese characters, and halves of
    two unrelated questions glued together."""
    cjk = sorted({t for q in questions for t in q if is_cjk(t[0])}) or ["的"]
    out = []
    for i in range(count):
        kind = i % 3
        if kind == 0:
            out.append(
                [
                    "".join(rng.choices(_LETTERS, k=rng.randint(2, 8)))
                    for _ in range(rng.randint(1, 6))
                ]
            )
        elif kind == 1:
            out.append(rng.choices(cjk, k=rng.randint(2, 8)))
        else:
            a, b = rng.choice(questions), rng.choice(questions)
            out.append(a[: len(a) // 2] + b[len(b) // 2 :] + rng.sample(a, k=min(2, len(a))))
    return out
