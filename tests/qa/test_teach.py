"""The taught log, its fold and the memory, without a model (a stand-in encoder)."""

from __future__ import annotations

import numpy as np
import pytest

from chatcore.builtin.qa.data.sources import Pair
from chatcore.builtin.qa.teach.fold import fold_into
from chatcore.builtin.qa.teach.log import (
    Change,
    Knowledge,
    RedisTaughtLog,
    SqliteTaughtLog,
    answer_target,
)
from chatcore.builtin.qa.teach.memory import TaughtMemory
from chatcore.errors import StoreError


def encode(texts: list[str]) -> np.ndarray:
    """Letter counts, normalised: the same words give cosine 1, others less."""
    rows = np.zeros((len(texts), 26), np.float32)
    for row, text in enumerate(texts):
        for char in text.lower():
            if "a" <= char <= "z":
                rows[row, ord(char) - 97] += 1
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1, norms)


@pytest.fixture(params=["sqlite", "redis"])
def taught_log(request, tmp_path):
    if request.param == "sqlite":
        made = SqliteTaughtLog(tmp_path / "taught.sqlite3")
    else:
        url = request.getfixturevalue("redis_url")
        made = RedisTaughtLog(url, f"t{tmp_path.name}:")
    yield made
    made.close()


def test_the_log_numbers_changes_and_reads_those_after_a_number(taught_log):
    first = taught_log.append(Change("add", "taught:a", "q1", "a1", who="ann"))
    second = taught_log.append(Change("edit", "taught:a", answer="a2", who="bob"))
    assert (first, second) == (1, 2) and taught_log.version() == 2
    later = taught_log.since(1)
    assert [(c.seq, c.op, c.answer, c.who) for c in later] == [(2, "edit", "a2", "bob")]


def test_the_fold_applies_changes_and_undo_cancels_one():
    changes = [
        Change("add", "taught:a", "where is the shop", "On Main Street.", seq=1),
        Change("question", "taught:a", "shop address?", seq=2),
        Change("edit", "taught:a", answer="On 5 Main Street.", seq=3),
        Change("delete", answer_target("Old answer."), original="Old answer.", seq=4),
        Change("undo", "taught:a", undoes=3, seq=5),
    ]
    knowledge = Knowledge.fold(changes)
    (item,) = knowledge.taught()
    assert item.questions == ["where is the shop", "shop address?"]
    assert item.answer == "On Main Street."  # the edit was undone
    assert knowledge.override("Old answer.").deleted and knowledge.version == 5
    undone = Knowledge.fold([*changes, Change("undo", "x", undoes=4, seq=6)])
    assert undone.override("Old answer.") is None  # as if never deleted


def test_the_memory_answers_near_questions_and_follows_new_changes(taught_log):
    memory = TaughtMemory(taught_log, encode, threshold=0.95)
    assert memory.refresh() is False and memory.match(encode(["anything"])[0]) is None
    taught_log.append(Change("add", "taught:a", "opening hours", "9 to 5."))
    assert memory.refresh() is True
    hit = memory.match(encode(["hours opening"])[0])  # same letters: cosine 1
    assert hit is not None and hit.item.answer == "9 to 5." and hit.score == pytest.approx(1)
    assert memory.match(encode(["zzz quux"])[0]) is None
    taught_log.append(Change("delete", "taught:a"))
    memory.refresh()
    assert memory.match(encode(["opening hours"])[0]) is None


def test_the_memory_encodes_each_question_once():
    seen: list[str] = []

    def counting(texts):
        seen.extend(texts)
        return encode(texts)

    changes = [Change("add", f"taught:{n}", f"question {n}", "a", seq=n) for n in range(1, 4)]

    class Log:
        def since(self, seq):
            return [c for c in changes if c.seq > seq]

    memory = TaughtMemory(Log(), counting, 0.9)
    memory.refresh()
    changes.append(Change("add", "taught:9", "question 9", "b", seq=4))
    memory.refresh()
    assert seen == ["question 1", "question 2", "question 3", "question 9"]


def test_a_corrupt_log_file_is_refused_with_its_path(tmp_path):
    path = tmp_path / "taught.sqlite3"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(StoreError, match=str(path)):
        SqliteTaughtLog(path)


def test_training_data_gets_taught_pairs_and_edits_and_deletions_of_whole_classes():
    pairs = [
        Pair("hi", "Hello!"),
        Pair("what is ai", "Old AI answer."),
        Pair("what is ai", "Another old AI answer."),  # the same class: edited as one
        Pair("who are you", "A bot."),
        Pair("who are you", "I am chatcore."),  # the same class: deleted with it
        Pair("tell me about you", "I am chatcore."),  # another class, its own first answer
    ]
    knowledge = Knowledge.fold(
        [
            Change("add", "taught:a", "where is the shop", "On Main Street.", seq=1),
            Change(
                "edit",
                answer_target("Old AI answer."),
                answer="New.",
                original="Old AI answer.",
                seq=2,
            ),
            Change("delete", answer_target("A bot."), original="A bot.", seq=3),
        ]
    )
    folded, counts = fold_into(pairs, knowledge)
    assert [(p.question, p.answer) for p in folded] == [
        ("hi", "Hello!"),
        ("tell me about you", "I am chatcore."),
        ("what is ai", "New."),
        ("where is the shop", "On Main Street."),
    ]
    assert counts == {"taught": 1, "edited": 1, "deleted": 1}


def test_a_large_memory_searches_a_projection_and_finds_the_same_nearest(monkeypatch):
    from chatcore.builtin.qa.teach import memory as memory_module

    monkeypatch.setattr(memory_module, "PROJECT_FROM", 500)
    rng = np.random.default_rng(7)
    keys = rng.normal(size=(2000, 256)).astype(np.float32)  # more than PROJECTED_DIM
    keys /= np.linalg.norm(keys, axis=1, keepdims=True)
    changes = [Change("add", f"taught:{n}", f"q{n}", f"a{n}", seq=n + 1) for n in range(2000)]
    vectors = {f"q{n}": keys[n] for n in range(2000)}

    class Log:
        def since(self, seq):
            return [c for c in changes if c.seq > seq]

    memory = TaughtMemory(Log(), lambda texts: np.stack([vectors[t] for t in texts]), 0.5)
    memory.refresh()
    assert memory._index.basis is not None  # the projected search is the one under test
    for n in rng.choice(2000, 50, replace=False):
        asked = keys[n] + rng.normal(scale=0.05, size=256).astype(np.float32)
        asked /= np.linalg.norm(asked)
        exact = int(np.argmax(keys @ asked))
        found = memory.match(asked)
        assert found is not None and found.item.answer == f"a{exact}"


def test_review_groups_unanswered_and_disliked_by_meaning_most_frequent_first():
    from chatcore.builtin.qa.teach import review
    from chatcore.store import Turn

    def said(text, reply="", fallback=True, chat="web:a", at=1.0):
        return (Turn(chat, "u", text, reply, fallback=fallback, created_at=at), chat)

    items = [
        said("opening hours", chat="web:a", at=5),
        said("hours opening", chat="web:b", at=7),  # the same letters: the same group
        said("opening  hours", chat="web:c"),  # spaces do not make another wording
        said("zebra quiz"),
    ]
    groups = review.group("unanswered", items, encode, 0.95)
    assert [(g.count, g.example, len(g.texts), len(g.chats)) for g in groups] == [
        (3, "opening hours", 2, 3),
        (1, "zebra quiz", 1, 1),
    ]
    assert groups[0].last_at == 7
    disliked = review.group("disliked", [said("who are you", "A toaster.", False)], encode, 0.9)
    assert disliked[0].to_dict()["answers"] == ["A toaster."]


def test_review_assigns_across_blocks(monkeypatch):
    from chatcore.builtin.qa.teach import review

    monkeypatch.setattr(review, "BLOCK", 2)
    vectors = encode(["abc", "xyz", "cab", "zyx", "bca", "qqq"])
    assert review._assign(vectors, 0.99) == [0, 1, 0, 1, 0, 5]


def test_a_stored_row_that_is_not_a_change_is_skipped_not_fatal(tmp_path):
    import sqlite3

    log = SqliteTaughtLog(tmp_path / "taught.sqlite3")
    log.append(Change("add", "taught:a", "q1", "a1"))
    with sqlite3.connect(tmp_path / "taught.sqlite3") as db:  # written by hand, or by a bug
        db.execute("""INSERT INTO changes (data) VALUES ('{"op": "add", "question": 5}')""")
    log.append(Change("add", "taught:b", "q2", "a2"))
    memory = TaughtMemory(log, encode, 0.9)
    memory.refresh()
    assert [i.target for i in memory.knowledge.taught()] == ["taught:a", "taught:b"]
    log.close()


@pytest.mark.parametrize(
    "data",
    [
        {"op": "add", "target": "taught:a", "question": 5},
        {"op": "wipe", "target": "taught:a"},
        {"op": "add", "target": "taught:a", "at": "yesterday"},
        {"op": "undo", "target": "taught:a", "undoes": True},
        ["not", "an", "object"],
    ],
)
def test_a_change_of_the_wrong_shape_is_refused(data):
    with pytest.raises(ValueError):
        Change.from_dict(data)


async def test_teach_by_reply_finds_the_question_that_answer_was_sent_for():
    """Every fallback reads alike: the time the replied-to answer was sent decides, and
    without it an answer given to several questions is refused (None), never guessed."""
    from chatcore.builtin.conversation.memory import MemorySettings, build_memory_store
    from chatcore.builtin.qa.teach.command import question_answered
    from chatcore.store import Turn

    store = build_memory_store(MemorySettings(), None)
    await store.open()
    fallback = "I don't know that yet."
    for at, question in [(100.0, "when do you open on sunday"), (400.0, "refund policy?")]:
        await store.append_turn(Turn("tg:1", "u", question, fallback, fallback=True, created_at=at))
    await store.append_turn(Turn("tg:1", "u", "hi", "Hello!", created_at=500.0))
    assert await question_answered(store, "tg:1", fallback, 101.0) == "when do you open on sunday"
    assert await question_answered(store, "tg:1", fallback, 401.0) == "refund policy?"
    assert await question_answered(store, "tg:1", fallback, 9_000.0) is None  # none sent then
    assert await question_answered(store, "tg:1", fallback) is None  # two questions: ambiguous
    assert await question_answered(store, "tg:1", " Hello! ") == "hi"
