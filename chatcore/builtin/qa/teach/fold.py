"""Teaching folded into training data, so ``chatcore train`` keeps what was taught: taught items
become question/answer pairs, an edited model answer replaces its text in the pairs that gave
it, a deleted one drops them."""

from __future__ import annotations

from dataclasses import replace

from chatcore.builtin.qa.data.sources import Pair
from chatcore.builtin.qa.teach.log import Knowledge

SOURCE = "taught"


def fold_into(pairs: list[Pair], knowledge: Knowledge) -> tuple[list[Pair], dict[str, int]]:
    """The pairs with the teaching applied, and counts of what it changed."""
    edited = {
        i.original: i.answer for i in knowledge.items.values() if i.original and not i.deleted
    }
    deleted = {i.original for i in knowledge.items.values() if i.original and i.deleted}
    counts = {"taught": 0, "edited": 0, "deleted": 0}
    out = []
    for pair in pairs:
        if pair.answer in deleted:
            counts["deleted"] += 1
            continue
        if edited.get(pair.answer):
            pair = replace(pair, answer=edited[pair.answer], source=SOURCE)
            counts["edited"] += 1
        out.append(pair)
    for item in knowledge.taught():
        for question in item.questions:
            out.append(Pair(question, item.answer or "", SOURCE))
            counts["taught"] += 1
    return out, counts
