"""Policy per deployment: the lexicon's actions per category, then per frontend, then per
kind of chat (a Telegram group stricter than a private chat), through the real engine."""

from __future__ import annotations

import pytest

from chatcore.builtin.moderation.filters import LexiconFilter
from chatcore.builtin.moderation.settings import LexiconSettings
from chatcore.errors import ConfigError
from chatcore.testing import ChatHarness, make_runtime
from chatcore.types import Action, Message

POLICY = {
    "actions": {"offensive": "mask"},
    "frontends": {
        "telegram:group": {"offensive": "block"},
        "web": {"offensive": "flag"},
        "repl": {"offensive": "allow"},
    },
}
RUDE = "you are a shithead"


def said(channel: str, chat_type: str | None = None) -> Message:
    meta = {"chat_type": chat_type} if chat_type else {}
    return Message(channel, "c", "u", RUDE, meta=meta)


@pytest.mark.parametrize(
    ("channel", "chat_type", "action"),
    [
        ("telegram", "private", Action.MASK),
        ("telegram", "group", Action.BLOCK),
        ("telegram", "supergroup", Action.BLOCK),  # a supergroup is a group
        ("web", None, Action.FLAG),
        ("repl", None, Action.ALLOW),
        ("other", None, Action.MASK),
    ],
)
def test_actions_follow_the_frontend_and_the_kind_of_chat(channel, chat_type, action):
    lexicon = LexiconFilter(LexiconSettings(**POLICY))
    verdict = lexicon.decide(RUDE, said(channel, chat_type))
    assert verdict.action is action
    assert ("*" in verdict.masked) is (action in (Action.MASK, Action.BLOCK))


def test_a_policy_naming_an_unknown_category_or_place_is_refused():
    with pytest.raises(ConfigError, match=r"frontends\.web: no list has the categories"):
        LexiconFilter(LexiconSettings(frontends={"web": {"rudeness": "block"}}))
    with pytest.raises(ValueError, match="frontend:chat type"):
        LexiconSettings(frontends={"Telegram Group": {"offensive": "block"}})


async def test_the_engine_applies_the_policy_of_the_chat_the_message_came_from(tmp_path):
    raw = {"store": "memory", "responders": ["fallback"], "lexicon": POLICY}
    async with make_runtime(raw).build_engine() as engine:
        group = ChatHarness(engine, channel="telegram", chat_id="-1")
        private = ChatHarness(engine, channel="telegram", chat_id="1")
        blocked = await group.say(RUDE, meta={"chat_type": "supergroup"})
        masked = await private.say(RUDE, meta={"chat_type": "private"})
    assert blocked.kind == "refusal"
    assert masked.kind != "refusal" and masked.verdicts[0].action is Action.MASK
