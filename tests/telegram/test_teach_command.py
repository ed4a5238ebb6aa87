"""/teach on Telegram: an admin replies to the bot's wrong answer with the right one, and the
question it answered is taught through the taught log, as `chatcore teach` does."""

from __future__ import annotations

from pathlib import Path

import pytest

import chatcore.builtin.qa.plugin as qa_plugin
from chatcore import hookimpl
from chatcore.builtin.qa.serve.responder import QASettings
from chatcore.builtin.qa.teach.command import offer_teaching
from chatcore.builtin.qa.teach.log import SqliteTaughtLog
from chatcore.builtin.qa.teach.where import FILE, open_log
from chatcore.testing.telegram_server import FakeTelegramServer

from .conftest import echo_plugin

ADMIN, USER, GROUP = 7, 8, -100123


class TeachableEcho(echo_plugin.EchoResponder):
    """Stands in for the qa responder, whose model is not the point here: answers like the
    echo responder and, as the qa responder does when attached, offers its taught log."""

    def __init__(self, taught_log):
        self.taught_log = taught_log

    def attach(self, engine):
        offer_teaching(engine, self.taught_log)

    def close(self):
        self.taught_log.close()


class Teachable:
    @hookimpl
    def chatcore_register_responders(self, register):
        register(
            "teachable",
            lambda settings, runtime: TeachableEcho(open_log(QASettings(), runtime)),
        )


@pytest.fixture
async def teach_bot(start_bot):
    return await start_bot(
        core={"responders": ["teachable"], "filters": {"output": ["forbid"]}},
        plugins=[("qa", qa_plugin), ("teachable", Teachable())],
        admin_ids=[ADMIN],
    )


def changes(tmp_path: Path) -> list:
    """What the taught log holds (the bot's data dir is tmp_path/data)."""
    taught_log = SqliteTaughtLog(tmp_path / "data" / FILE)
    try:
        return taught_log.since(0)
    finally:
        taught_log.close()


async def asked(server: FakeTelegramServer, question: str, chat_id: int, **kwargs) -> dict:
    """Ask in a chat and return the bot's answer (the message dict to reply to)."""
    count = len(server.texts(chat_id)) + 1
    server.text(question, chat_id=chat_id, **kwargs)
    await server.wait_for_texts(count, chat_id=chat_id)
    return server.last_sent(chat_id)


async def test_an_admins_reply_teaches_the_question_it_answered(server, teach_bot, tmp_path):
    wrong = await asked(server, "@chatcore_test_bot what are your hours", GROUP, user_id=USER)
    await asked(server, "@chatcore_test_bot and on sundays?", GROUP, user_id=USER)
    server.text("/teach We are open 9 to 5.", user_id=ADMIN, chat_id=GROUP, reply_to=wrong)
    done = (await server.wait_for_texts(3, chat_id=GROUP))[-1]
    (change,) = changes(tmp_path)
    assert (change.op, change.question, change.answer, change.who) == (
        "add",
        "what are your hours",
        "We are open 9 to 5.",
        f"telegram:{ADMIN}",
    )
    assert done == teach_bot.engine.say(
        "teach.done", "en", question="what are your hours", target=change.target, change=1
    )


async def test_a_non_admin_cannot_teach(server, teach_bot, tmp_path):
    wrong = await asked(server, "what are your hours", USER, user_id=USER)
    server.text("/teach We never close.", user_id=USER, reply_to=wrong)
    refusal = (await server.wait_for_texts(2, chat_id=USER))[-1]
    assert refusal == teach_bot.engine.say("admin_only", "en", name="teach")
    assert changes(tmp_path) == []


async def test_teach_needs_a_reply_to_a_stored_answer_and_an_answer(server, teach_bot, tmp_path):
    usage = teach_bot.engine.say("teach.usage", "en")
    server.text("/teach We are open 9 to 5.", user_id=ADMIN)
    assert await server.wait_for_texts(1, chat_id=ADMIN) == [usage]
    server.text("/start", user_id=ADMIN)  # a command's reply is no stored answer
    await server.wait_for_texts(2, chat_id=ADMIN)
    server.text("/teach We are open 9 to 5.", user_id=ADMIN, reply_to=server.last_sent(ADMIN))
    assert (await server.wait_for_texts(3, chat_id=ADMIN))[-1] == usage
    wrong = await asked(server, "what are your hours", ADMIN, user_id=ADMIN)
    server.text("/teach", user_id=ADMIN, reply_to=wrong)
    assert (await server.wait_for_texts(5, chat_id=ADMIN))[-1] == usage
    assert changes(tmp_path) == []


async def test_an_answer_the_output_filters_block_is_not_taught(server, teach_bot, tmp_path):
    wrong = await asked(server, "what are your hours", ADMIN, user_id=ADMIN)
    server.text("/teach That is forbidden knowledge.", user_id=ADMIN, reply_to=wrong)
    refused = (await server.wait_for_texts(2, chat_id=ADMIN))[-1]
    reason = "the forbid filter would block this answer (test)"
    assert refused == teach_bot.engine.say("teach.refused", "en", reason=reason)
    assert changes(tmp_path) == []
