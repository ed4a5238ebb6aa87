"""Access control: allow lists, admin-only commands, and commands registered with Telegram."""

from __future__ import annotations

import asyncio
import json

from chatcore.testing.telegram_server import FakeTelegramServer

GROUP = -100500


async def test_allowed_users_only(server: FakeTelegramServer, start_bot):
    bot = await start_bot(allowed_user_ids=[1])
    server.text("let me in", user_id=2)
    server.sticker(user_id=2)
    server.text("hi", user_id=1)
    assert await server.wait_for_texts(1, chat_id=1) == ["echo: hi"]
    refusals = await server.wait_for_texts(2, chat_id=2)
    assert refusals == ["Sorry, this bot is private and you are not on its list of users."] * 2
    assert await bot.engine.store.recent_turns("telegram:2", 10) == []  # nothing processed


async def test_allowed_chats_only(server: FakeTelegramServer, start_bot):
    bot = await start_bot(allowed_chat_ids=[GROUP])
    server.mention("inside", user_id=3, chat_id=GROUP)
    server.mention("outside", user_id=3, chat_id=-100999)
    server.text("unaddressed outside", user_id=3, chat_id=-100999)
    assert await server.wait_for_texts(1, chat_id=GROUP) == ["echo: inside"]
    (refusal,) = await server.wait_for_texts(1, chat_id=-100999)
    assert refusal.startswith("Sorry, this bot is private")
    await asyncio.sleep(0.3)
    assert len(server.texts(-100999)) == 1
    assert await bot.engine.store.recent_turns("telegram:-100999", 10) == []


async def test_admin_only_commands(server: FakeTelegramServer, start_bot):
    await start_bot(admin_ids=[7])
    server.text("/stats", user_id=7)
    server.text("/stats", user_id=8)
    assert await server.wait_for_texts(1, chat_id=7) == ["stats: all good"]
    assert await server.wait_for_texts(1, chat_id=8) == ["Sorry, /stats is for admins only."]


async def test_commands_are_registered_with_telegram(server: FakeTelegramServer, start_bot):
    bot = await start_bot(admin_ids=[7])
    default = server.commands[json.dumps({"type": "default"})]
    names = [c["command"] for c in default]
    assert names == sorted(names)
    public = {c.name for c in bot.engine.commands.values() if not c.admin_only}
    assert set(names) == public  # every plugin's commands
    assert {"start", "help", "reset"} <= public
    assert "stats" not in names
    assert all(c["description"] for c in default)
    admin = server.commands[json.dumps({"chat_id": 7, "type": "chat"}, sort_keys=True)]
    assert "stats" in [c["command"] for c in admin]
