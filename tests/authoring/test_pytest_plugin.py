"""The fixtures chatcore's pytest plugin gives plugin authors, used as they would use them."""

from __future__ import annotations

import os

import aiohttp


def test_chat_fixture_answers_with_the_fallback(chat):
    # not a moderation test: the shipped classifier reads "something nobody trained me on"
    # at its threshold (0.79): a wrong block of the shipped model, kept out of this test
    reply = chat.say("what colour is the moon on a Tuesday")
    assert reply.fallback is True
    assert reply.text == chat.engine.fallback_text("en")


def test_make_chat_keeps_users_apart_and_uses_the_temp_home(make_chat, chatcore_home):
    bot = make_chat({"store": "sqlite"})
    bot.say("first")
    bot.as_user("someone", chat_id="other").say("second")
    turns = bot.run(bot.engine.store.recent_turns("test:chat", 10))
    assert [t.user_text for t in turns] == ["first"]
    assert os.environ["CHATCORE_HOME"] == str(chatcore_home)
    assert (chatcore_home / "conversations.db").exists()


async def test_telegram_server_fixture_speaks_the_bot_api(telegram_server):
    url = f"{telegram_server.api_base_url}/bot{telegram_server.token}/getMe"
    async with aiohttp.ClientSession() as http, http.post(url) as response:
        body = await response.json()
    assert body["ok"] is True and body["result"]["is_bot"] is True
    assert [call.method for call in telegram_server.calls] == ["getMe"]


async def test_repl_driver_types_at_the_prompt(repl_driver):
    screen = await repl_driver("/help\r/quit\r", {"store": "memory"})
    assert "/reset" in screen.text and "/quit" in screen.text
