"""Inline keyboards and callback queries on the fake Bot API server, through the real
python-telegram-bot client, so the server answers what the library actually parses."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from chatcore.testing.telegram_server import FakeTelegramServer

from .conftest import TOKEN

KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Yes", callback_data="vote:yes")],
        [InlineKeyboardButton("No", callback_data="vote:no")],
    ]
)


@pytest.fixture
async def client(server: FakeTelegramServer):
    """A bare python-telegram-bot Bot on the fake server (no chatcore frontend in the way)."""
    async with Bot(TOKEN, base_url=f"{server.api_base_url}/bot") as client:
        yield client


async def test_a_pressed_button_comes_back_as_a_callback_query(
    server: FakeTelegramServer, client: Bot
):
    sent = await client.send_message(chat_id=42, text="Agree?", reply_markup=KEYBOARD)
    assert sent.reply_markup == KEYBOARD  # returned on the Message, as Telegram does
    stored = server.last_sent(42)
    assert stored["message_id"] == sent.message_id
    rows = server.buttons(stored)
    assert [[b["text"] for b in row] for row in rows] == [["Yes"], ["No"]]
    assert rows[1][0]["callback_data"] == "vote:no"

    pushed = server.press(stored, text="No")
    server.press(stored, "vote:yes", user_id=7)
    first, second = await client.get_updates()
    assert first.update_id == pushed["update_id"]
    query = first.callback_query
    assert query.data == "vote:no" and query.id == pushed["callback_query"]["id"]
    assert query.from_user.id == 42 and query.from_user.language_code == "en"
    assert query.message.message_id == sent.message_id and query.message.chat.id == 42
    assert query.message.reply_markup == KEYBOARD and query.chat_instance
    assert second.callback_query.data == "vote:yes" and second.callback_query.from_user.id == 7
    assert second.callback_query.id != query.id

    assert await query.answer("Noted", show_alert=True) is True
    assert server.answered_callbacks == {query.id: {"text": "Noted", "show_alert": True}}
    assert await client.answer_callback_query(second.callback_query.id) is True
    assert server.answered_callbacks[second.callback_query.id] == {
        "text": None,
        "show_alert": False,
    }


async def test_edits_change_the_stored_message_in_place(server: FakeTelegramServer, client: Bot):
    sent = await client.send_message(chat_id=42, text="Agree?", reply_markup=KEYBOARD)
    await client.send_message(chat_id=42, text="plain")
    stored = server.sent[0]
    assert "reply_markup" not in server.sent[1] and server.buttons(server.sent[1]) == []

    edited = await client.edit_message_reply_markup(chat_id=42, message_id=sent.message_id)
    assert edited.message_id == sent.message_id and edited.reply_markup is None
    assert edited.edit_date is not None
    assert server.sent[0] is stored and server.buttons(stored) == [] and "edit_date" in stored

    again = InlineKeyboardMarkup([[InlineKeyboardButton("Undo", callback_data="undo")]])
    edited = await client.edit_message_text(
        "You said no", chat_id=42, message_id=sent.message_id, reply_markup=again
    )
    assert edited.text == "You said no" and edited.reply_markup == again
    assert stored["text"] == "You said no" and server.buttons(stored)[0][0]["text"] == "Undo"
    assert server.texts(42) == ["You said no", "plain"]

    await client.edit_message_text("Done", chat_id=42, message_id=sent.message_id)  # no markup
    assert stored["text"] == "Done" and server.buttons(stored) == []
    assert len(server.calls_of("editMessageText")) == 2


async def test_a_press_keeps_the_message_as_it_was(server: FakeTelegramServer, client: Bot):
    sent = await client.send_message(chat_id=-100, text="Poll", reply_markup=KEYBOARD)
    stored = server.last_sent()
    server.press(stored, "vote:yes")  # in a group: user 1 unless told
    await client.edit_message_reply_markup(chat_id=-100, message_id=sent.message_id)
    (update,) = await client.get_updates()
    assert update.callback_query.from_user.id == 1
    assert update.callback_query.message.reply_markup == KEYBOARD  # the keyboard that was pressed
    with pytest.raises(LookupError):
        server.press(stored, text="Yes")  # no keyboard any more
    with pytest.raises(ValueError):
        server.press(stored)
    with pytest.raises(LookupError):
        server.last_sent(5)


async def test_unknown_messages_and_queries_are_bad_requests(
    server: FakeTelegramServer, client: Bot
):
    sent = await client.send_message(chat_id=42, text="Agree?", reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await client.edit_message_text("x", chat_id=42, message_id=sent.message_id + 100)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await client.edit_message_reply_markup(chat_id=43, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await client.answer_callback_query("123456")
    query_id = server.press(server.last_sent(42), "vote:yes")["callback_query"]["id"]
    assert await client.answer_callback_query(query_id, text="ok") is True
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await client.answer_callback_query(query_id)  # Telegram takes one answer per query
    assert server.answered_callbacks == {query_id: {"text": "ok", "show_alert": False}}
    assert server.sent[0]["text"] == "Agree?" and "edit_date" not in server.sent[0]
