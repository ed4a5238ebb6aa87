"""Private chats: every text is answered, plain text, /start and non-text updates."""

from __future__ import annotations

import asyncio

from chatcore.testing.telegram_server import FakeTelegramServer


async def test_private_text_is_answered(server: FakeTelegramServer, bot):
    server.text("hello there", user_id=42)
    assert await server.wait_for_texts(1, chat_id=42) == ["echo: hello there"]
    sent = server.sent[0]
    assert "parse_mode" not in sent
    assert "reply_to_message_id" not in sent  # no quoting in private chats


async def test_start_greets_in_the_users_language(server: FakeTelegramServer, bot):
    server.text("/start", user_id=5)
    server.text("/start", user_id=6, language_code="zh-hans")
    assert "send /help" in (await server.wait_for_texts(1, chat_id=5))[0]
    assert (await server.wait_for_texts(1, chat_id=6))[0].startswith("你好")


async def test_non_text_gets_a_short_note_in_private(server: FakeTelegramServer, bot, caplog):
    server.sticker(user_id=7)
    server.photo(user_id=7)
    server.voice(user_id=7, language_code="zh")
    server.edited("changed my mind", user_id=7)
    server.channel_post("news for everyone")
    texts = await server.wait_for_texts(4, chat_id=7)
    assert texts[:2] == ["Sorry, I only understand text."] * 2
    assert texts[2] == "抱歉，我只能理解文字消息。"
    assert "not edits" in texts[3]
    server.text("still there?", user_id=7)
    assert (await server.wait_for_texts(5, chat_id=7))[4] == "echo: still there?"
    assert len(server.sent) == 5  # nothing for the channel post
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


async def test_replies_are_plain_text_without_previews(server: FakeTelegramServer, bot):
    server.text("markup please", user_id=8)
    (text,) = await server.wait_for_texts(1, chat_id=8)
    assert text == "<b>bold</b> *star* [link](http://evil.example) _under_"
    call = server.calls_of("sendMessage")[0]
    assert "parse_mode" not in call.params
    assert call.params["link_preview_options"] == {"is_disabled": True}


async def test_long_reply_is_split_on_sentence_boundaries(server: FakeTelegramServer, bot, echo):
    server.text("long 10000", user_id=9)
    chunks = await server.wait_for_texts(3, chat_id=9)
    await asyncio.sleep(0.2)
    assert len(server.texts(9)) == 3
    assert all(len(c) <= 4096 for c in chunks)
    assert all(c.endswith(".") for c in chunks[:-1])  # cut after a sentence
    assert " ".join(chunks) == echo.long_text(10000)


async def test_typing_indicator_while_the_engine_works(server: FakeTelegramServer, start_bot):
    await start_bot(typing_delay=0.6)
    server.text("quick", user_id=10)
    server.text("slow 1.5 take your time", user_id=11)
    await server.wait_for_texts(1, chat_id=11)
    typing = [c for c in server.calls_of("sendChatAction") if c.params["action"] == "typing"]
    assert [c.params["chat_id"] for c in typing] == [11]  # the quick one needed none
    sent = next(c for c in server.calls_of("sendMessage") if c.params["chat_id"] == 11)
    assert typing[0].at < sent.at


async def test_engine_flood_limit_reaches_the_user(server: FakeTelegramServer, start_bot):
    await start_bot(core={"engine": {"rate_limit": {"messages": 2, "per_seconds": 60}}})
    for word in ("one", "two", "three"):
        server.text(word, user_id=12)
    texts = await server.wait_for_texts(3, chat_id=12)
    assert texts[:2] == ["echo: one", "echo: two"]
    assert "too fast" in texts[2]
