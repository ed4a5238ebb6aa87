"""Synthetic knowledge bases of any size, for the scaling benchmark: question/answer pairs made
of real English words (wordfreq's list) in question frames, one answer per question, with
the same seed giving the same pairs."""

from __future__ import annotations

import random

FRAMES = (
    "what is the {a} of the {b}",
    "how do i {a} my {b}",
    "where can i find a {a} {b}",
    "why does the {a} need {b}",
    "can you tell me about {a} and {b}",
    "is it possible to {a} a {b}",
    "when should i {a} the {b}",
    "who is responsible for {a} {b}",
)


def pairs(count: int, seed: int = 0) -> list[tuple[str, str]]:
    """``count`` distinct (question, answer) pairs."""
    from wordfreq import top_n_list

    words = [w for w in top_n_list("en", 20000) if w.isalpha() and len(w) > 2]
    rng = random.Random(seed)
    seen: set[str] = set()
    out = []
    while len(out) < count:
        a, b = rng.sample(words, 2)
        question = rng.choice(FRAMES).format(a=a, b=b)
        if question in seen:
            continue
        seen.add(question)
        out.append((question, f"Answer {len(out)}: {b} is about {a}."))
    return out


def write_csv(count: int, path, seed: int = 0) -> None:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["question", "answer"])
        writer.writerows(pairs(count, seed))
