"""Groups: answer only when addressed, quote the message, one conversation per group."""

from __future__ import annotations

import asyncio

from chatcore.testing.telegram_server import FakeTelegramServer

GROUP = -100123


async def settle(server: FakeTelegramServer, count: int) -> list[str]:
    """Wait for ``count`` messages in the group, then a moment more for stragglers."""
    await server.wait_for_texts(count, chat_id=GROUP)
    await asyncio.sleep(0.3)
    return server.texts(GROUP)


async def test_group_answers_only_when_addressed(server: FakeTelegramServer, bot):
    server.text("just chatting among ourselves", user_id=1, chat_id=GROUP)
    mention = server.mention("what is up?", user_id=1, chat_id=GROUP)
    server.text("/help@some_other_bot", user_id=2, chat_id=GROUP)
    reply = server.reply_to_bot("and then?", user_id=2, chat_id=GROUP)
    command = server.text("/help@chatcore_test_bot", user_id=3, chat_id=GROUP)
    server.sticker(user_id=3, chat_id=GROUP)
    server.new_members([77], chat_id=GROUP)
    texts = await settle(server, 3)
    assert texts[:2] == ["echo: what is up?", "echo: and then?"]
    assert texts[2].startswith("Commands:")
    assert len(texts) == 3
    quoted = [m["reply_to_message_id"] for m in server.sent]
    assert quoted == [u["message"]["message_id"] for u in (mention, reply, command)]


async def test_one_conversation_per_group(server: FakeTelegramServer, bot):
    server.mention("first from alice", user_id=1, chat_id=GROUP)
    await server.wait_for_texts(1, chat_id=GROUP)
    server.mention("then bob", user_id=2, chat_id=GROUP)
    await server.wait_for_texts(2, chat_id=GROUP)
    turns = await bot.engine.store.recent_turns(f"telegram:{GROUP}", 10)
    assert [(t.user_id, t.user_text) for t in turns] == [
        ("1", "first from alice"),
        ("2", "then bob"),
    ]


async def test_bare_mention_gets_a_greeting(server: FakeTelegramServer, bot):
    server.text("@chatcore_test_bot", user_id=1, chat_id=GROUP)
    (text,) = await settle(server, 1)
    assert text.startswith("Hello!")


async def test_group_policy_all_answers_every_text(server: FakeTelegramServer, start_bot):
    await start_bot(groups={"reply_on": ["all"]})
    server.text("no mention at all", user_id=1, chat_id=GROUP)
    server.photo(user_id=1, chat_id=GROUP)  # still ignored: not text
    assert await settle(server, 1) == ["echo: no mention at all"]


async def test_group_policy_mentions_only(server: FakeTelegramServer, start_bot):
    await start_bot(groups={"reply_on": ["mention"]})
    server.reply_to_bot("a reply", user_id=1, chat_id=GROUP)
    server.text("/help", user_id=1, chat_id=GROUP)
    server.mention("a mention", user_id=1, chat_id=GROUP)
    assert await settle(server, 1) == ["echo: a mention"]


async def test_forum_topic_replies_stay_in_their_topic(server: FakeTelegramServer, bot):
    server.mention(
        "in a topic", user_id=1, chat_id=GROUP, message_thread_id=77, is_topic_message=True
    )
    server.mention("in general", user_id=1, chat_id=GROUP)
    await settle(server, 2)
    assert [m.get("message_thread_id") for m in server.sent] == [77, None]
