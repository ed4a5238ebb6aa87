"""Grouping the questions the bot could not answer."""

from __future__ import annotations

from chatcore.builtin.web.grouping import group_questions


def test_rewordings_group_together_and_the_most_asked_wording_is_the_example():
    groups = group_questions(
        [
            "How do I reset my password?",
            "how do i reset my password",
            "how do i reset my password",
            "How can I reset my password",
            "What are your opening hours?",
            "怎么修改密码",
            "怎样修改密码？",
            "退货要多久",
        ]
    )
    assert [(g.count, g.example) for g in groups] == [
        (4, "how do i reset my password"),
        (2, "怎么修改密码"),
        (1, "What are your opening hours?"),
        (1, "退货要多久"),
    ]


def test_unrelated_short_questions_stay_apart():
    groups = group_questions(["hi", "why", "who", "what?"])
    assert len(groups) == 4
