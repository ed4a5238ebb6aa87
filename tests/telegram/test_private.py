"""Private chats: every text is answered, plain text, /start and non-text updates."""

from __future__ import annotations

from chatcore.testing.telegram_server import FakeTelegramServer


async def test_private_text_is_answered(server: FakeTelegramServer, bot):
    server.text("hello there", user_id=42)
    assert await server.wait_for_texts(1, chat_id=42) == ["echo: hello there"]
    sent = server.sent[0]
    assert "parse_mode" not in sent
    assert "reply_to_message_id" not in sent  # no quoting in private chats
