"""/teach with the real qa responder: it offers its taught log to the command, and what an
admin teaches from a chat is answered within seconds (the Telegram side: tests/telegram)."""

from __future__ import annotations

from chatcore.testing import ChatHarness
from tests.qa.test_teach_serving import SWALLOW, SWALLOW_ANSWER, answer_within, bot_config, served


async def test_teach_in_a_chat_reaches_the_running_model(tmp_path, tiny_model_dir):
    engine = await served(bot_config(tmp_path, tiny_model_dir))
    try:
        chat = ChatHarness(engine, user_id="boss")
        wrong = await chat.say(SWALLOW)
        assert wrong.source != "taught"
        reply_to = {"reply_to_text": wrong.text}
        done = await chat.say(f"/teach {SWALLOW_ANSWER}", meta=reply_to, is_admin=True)
        assert done.text.startswith("Taught (taught:")
        reply = await answer_within(chat, SWALLOW, lambda r: r.source == "taught")
        assert reply.text == SWALLOW_ANSWER
        stranger = await ChatHarness(engine).say(f"/teach {SWALLOW_ANSWER}", meta=reply_to)
        assert stranger.kind == "refusal"  # admins only
    finally:
        await engine.stop()
