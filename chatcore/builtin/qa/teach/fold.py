"""Teaching folded into training data, so ``chatcore train`` keeps what was taught: taught items
become question/answer pairs; an edited or deleted model answer applies to its whole answer
class, found as serving finds it (the class whose first answer it is, chatcore.builtin.qa.data
.bank): an edit gives every question of the class the new answer alone, a deletion drops them.
"""

from __future__ import annotations

from chatcore.builtin.qa.data.bank import AnswerBank
from chatcore.builtin.qa.data.sources import Pair
from chatcore.builtin.qa.data.text import question_key
from chatcore.builtin.qa.teach.log import Knowledge, answer_target

SOURCE = "taught"


def fold_into(pairs: list[Pair], knowledge: Knowledge) -> tuple[list[Pair], dict[str, int]]:
    """The pairs with the teaching applied, and counts of what it changed."""
    counts = {"taught": 0, "edited": 0, "deleted": 0}
    changed = _changed_classes(pairs, knowledge)  # question key -> new answer, None: deleted
    out = [pair for pair in pairs if question_key(pair.question) not in changed]
    counts["deleted"] = sum(1 for answer in changed.values() if answer is None)
    for question, answer in _questions(pairs, changed):
        out.append(Pair(question, answer, SOURCE))
        counts["edited"] += 1
    for item in knowledge.taught():
        for question in item.questions:
            out.append(Pair(question, item.answer or "", SOURCE))
            counts["taught"] += 1
    return out, counts


def _changed_classes(pairs: list[Pair], knowledge: Knowledge) -> dict[str, str | None]:
    overrides = {i.target: i for i in knowledge.items.values() if i.original}
    if not overrides or not pairs:
        return {}
    changed: dict[str, str | None] = {}
    for klass in AnswerBank.from_pairs(pairs).classes[1:]:
        item = overrides.get(answer_target(klass.answers[0]))
        if item is None:
            continue
        for question in klass.questions:
            changed[question_key(question)] = None if item.deleted else item.answer
    return changed


def _questions(pairs: list[Pair], changed: dict[str, str | None]) -> list[tuple[str, str]]:
    """One (question, new answer) per edited question, in the data's wording and order."""
    seen: dict[str, tuple[str, str]] = {}
    for pair in pairs:
        key = question_key(pair.question)
        answer = changed.get(key)
        if answer and key not in seen:
            seen[key] = (pair.question, answer)
    return list(seen.values())
