"""The handoff on Telegram: a user's chat goes to the operators' group, an operator answers by
replying to its notice, /done gives it back; all through the real frontend and its outlet."""

from __future__ import annotations

import chatcore.builtin.handoff.plugin as handoff_plugin
from chatcore.testing.telegram_server import FakeTelegramServer

OPS = -100  # the operators' group
HANDOFF = {
    "responders": ["handoff", "echo"],
    "handoff": {"operators": ["telegram:7"], "telegram_chat": OPS},
}


async def test_a_chat_goes_to_the_operators_group_and_back(server: FakeTelegramServer, start_bot):
    bot = await start_bot(core=HANDOFF, plugins=[("handoff", handoff_plugin)])
    say = bot.engine.say
    server.text("/human", user_id=42)
    assert await server.wait_for_texts(1, chat_id=42) == [say("handoff.started", "en")]
    await server.wait_for_texts(1, chat_id=OPS)
    notice = server.last_sent(OPS)
    assert notice["text"].startswith("[telegram:42] needs a person (the user asked)")

    server.text("my order is late", user_id=42)
    assert (await server.wait_for_texts(2, chat_id=OPS))[-1] == "[telegram:42] my order is late"

    server.text("I'm staff, trust me", user_id=8, chat_id=OPS, reply_to=notice)
    server.text("Sorry! It ships today.", user_id=7, chat_id=OPS, reply_to=notice)
    texts = await server.wait_for_texts(2, chat_id=42)
    assert texts == [say("handoff.started", "en"), "Sorry! It ships today."]  # not the stranger's
    assert server.texts(OPS)[-1] == say("handoff.not_operator", None)

    server.text("/done", user_id=7, chat_id=OPS, reply_to=notice)
    assert (await server.wait_for_texts(3, chat_id=42))[-1] == say("handoff.ended", "en")
    await server.wait_for(
        lambda: server.texts(OPS)[-1] == "[telegram:42] back with the bot (/done telegram:7)"
    )
    server.text("hello again", user_id=42)
    assert (await server.wait_for_texts(4, chat_id=42))[-1] == "echo: hello again"
    assert len(server.texts(OPS)) == 4  # notice, relayed message, refusal, back: nothing more
    turns = await bot.engine.store.recent_turns("telegram:42", 10)
    stored = [(t.reply_text, t.source) for t in turns]
    assert ("Sorry! It ships today.", "operator:telegram:7") in stored
    assert stored[-1] == ("echo: hello again", "echo")
