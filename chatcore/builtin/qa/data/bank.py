"""The answer bank: the classes the model chooses between.

Questions with the same matching key are one question; questions with the same set of answers
share one class, so a question with several answers has one confident class and the reply
varies among its answers. Class 0 is the reject class (out of domain): it has no answers.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from chatcore.builtin.qa.data.sources import Pair
from chatcore.builtin.qa.data.text import question_key
from chatcore.builtin.qa.errors import DataError

REJECT = 0


@dataclass
class AnswerClass:
    answers: list[str]
    questions: list[str] = field(default_factory=list)


@dataclass
class AnswerBank:
    classes: list[AnswerClass]

    @classmethod
    def from_pairs(cls, pairs: list[Pair]) -> AnswerBank:
        """Group pairs into classes; refuses data that leaves nothing to choose between."""
        answers: dict[str, list[str]] = defaultdict(list)
        first_text: dict[str, str] = {}
        for pair in pairs:
            key = question_key(pair.question)
            first_text.setdefault(key, pair.question)
            if pair.answer not in answers[key]:
                answers[key].append(pair.answer)
        by_answers: dict[tuple[str, ...], AnswerClass] = {}
        for key, texts in answers.items():
            group = by_answers.setdefault(tuple(sorted(texts)), AnswerClass(list(texts)))
            group.questions.append(first_text[key])
        if not by_answers:
            raise DataError("the data has no usable question/answer pairs")
        if len(by_answers) < 2:
            raise DataError(
                "the data has only one answer: the model needs at least two different answers "
                "to choose between"
            )
        return cls([AnswerClass([], []), *by_answers.values()])

    def __len__(self) -> int:
        return len(self.classes)

    def answers(self, index: int) -> list[str]:
        return self.classes[index].answers

    def labelled_questions(self) -> list[tuple[str, int]]:
        """Every known question with its class, reject class excluded."""
        return [(q, i) for i, c in enumerate(self.classes) if i != REJECT for q in c.questions]

    def to_list(self) -> list[dict[str, Any]]:
        return [{"answers": c.answers, "questions": c.questions} for c in self.classes]

    @classmethod
    def from_list(cls, data: list[dict[str, Any]]) -> AnswerBank:
        return cls([AnswerClass(list(c["answers"]), list(c["questions"])) for c in data])


def data_hash(pairs: list[Pair]) -> str:
    """A fingerprint of the training pairs (texts only, in order)."""
    digest = hashlib.sha256()
    for pair in pairs:
        digest.update(f"{pair.question}\t{pair.answer}\n".encode())
    return digest.hexdigest()
