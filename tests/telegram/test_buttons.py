"""Inline buttons: a fallback's choices (pressing one asks it), 👍/👎 under answers (stored as
feedback, the keyboard ticked), and presses under the same access rules as messages."""

from __future__ import annotations

import asyncio
import copy

from chatcore import Reply, hookimpl
from chatcore.testing.telegram_server import FakeTelegramServer

GROUP = -100123
KNOWN = {"hello": "Hi there!", "what are your hours": "We are open 9 to 5."}


class KnowsTwoThings:
    """A responder plugin that answers two questions and, for anything else, falls back
    offering both as choices (as the QA model offers its nearest questions)."""

    @hookimpl
    def chatcore_register_responders(self, register):
        register("two", lambda settings, runtime: self)

    async def respond(self, message, context):
        answer = KNOWN.get(message.text.strip().lower())
        if answer:
            return Reply(answer, confidence=0.9)
        return Reply("", 0.1, fallback=True, choices=tuple(KNOWN))


def two_things(start_bot, **telegram):
    return start_bot(core={"responders": ["two"]}, plugins=[("two", KnowsTwoThings())], **telegram)


def labels(server: FakeTelegramServer, message: dict) -> list[list[str]]:
    return [[button["text"] for button in row] for row in server.buttons(message)]


async def answered(server: FakeTelegramServer, update: dict) -> dict:
    """The answer the bot gave the press ``update`` (waits for it)."""
    query_id = update["callback_query"]["id"]
    await server.wait_for(lambda: query_id in server.answered_callbacks)
    return server.answered_callbacks[query_id]


async def outcomes(bot, timeout: float = 5.0) -> dict[int, str | None]:
    """The inbox's outcomes once every update is done (a press is answered before its
    update is marked done)."""
    async with asyncio.timeout(timeout):
        while None in (found := bot.frontend.inbox.outcomes()).values():
            await asyncio.sleep(0.02)
    return found


async def test_choices_are_buttons_and_a_press_asks_that_question(server, start_bot):
    bot = await two_things(start_bot)
    server.text("opening times?", user_id=42)
    await server.wait_for_texts(1, chat_id=42)
    offer = server.last_sent(42)
    assert offer["text"] == bot.engine.say("fallback.choices", "en")
    assert labels(server, offer) == [["hello"], ["what are your hours"]]
    assert [row[0]["callback_data"] for row in server.buttons(offer)] == ["choice:0", "choice:1"]

    press = server.press(offer, text="what are your hours")
    texts = await server.wait_for_texts(2, chat_id=42)
    assert texts[-1] == "We are open 9 to 5."
    assert await answered(server, press) == {"text": None, "show_alert": False}
    assert server.buttons(offer) == []  # the keyboard went when it was used
    turn = (await bot.engine.store.recent_turns("telegram:42", 5))[-1]
    assert (turn.user_id, turn.user_text, turn.reply_text) == (
        "42",
        "what are your hours",
        "We are open 9 to 5.",
    )
    assert turn.message_id == str(press["update_id"])
    assert labels(server, server.last_sent(42)) == [["👍", "👎"]]  # an answer: rate it


async def test_a_second_press_asks_nothing_but_a_press_whose_answer_was_lost_is_answered(
    server, start_bot
):
    bot = await two_things(start_bot)
    server.text("opening times?", user_id=42)
    await server.wait_for_texts(1, chat_id=42)
    offer = copy.deepcopy(server.last_sent(42))  # the keyboard as the user still sees it
    first = server.press(offer, text="hello")
    await server.wait_for_texts(2, chat_id=42)
    second = server.press(offer, text="hello")  # a double tap: the keyboard is gone already
    await answered(server, second)
    await outcomes(bot)
    assert server.texts(42).count("Hi there!") == 1
    assert await answered(server, first) == {"text": None, "show_alert": False}

    # the keyboard was removed but the process stopped before answering (a replay then finds
    # the keyboard gone): the question was never asked, so it is asked now
    server.text("more times?", user_id=42)
    await server.wait_for_texts(3, chat_id=42)
    offer = copy.deepcopy(server.last_sent(42))
    server.last_sent(42).pop("reply_markup")
    server.press(offer, text="what are your hours")
    texts = await server.wait_for_texts(4, chat_id=42)
    assert texts[-1] == "We are open 9 to 5."


async def test_a_pushed_reply_shows_its_choices_and_long_replies_keep_buttons_last(
    server, start_bot
):
    bot = await two_things(start_bot)
    await bot.engine.push("telegram:5", Reply("Did you mean?", choices=("hello",)))
    assert labels(server, server.last_sent(5)) == [["hello"]]
    await bot.engine.push("telegram:5", Reply(" ".join(["A sentence."] * 800), choices=("x",)))
    parts = server.sent[1:]
    assert len(parts) == 3 and [labels(server, m) for m in parts] == [[], [], [["x"]]]


async def test_thumbs_store_feedback_and_tick_the_choice(server: FakeTelegramServer, bot):
    server.text("hi", user_id=42)
    await server.wait_for_texts(1, chat_id=42)
    answer = server.last_sent(42)
    (turn,) = await bot.engine.store.recent_turns("telegram:42", 5)
    assert server.buttons(answer) == [
        [
            {"text": "👍", "callback_data": f"rate:{turn.id}:1"},
            {"text": "👎", "callback_data": f"rate:{turn.id}:-1"},
        ]
    ]
    bad = await answered(server, server.press(answer, text="👎"))
    assert bad["text"] == bot.engine.say("feedback.bad", "en")
    assert await bot.engine.store.feedback("telegram:42") == {turn.id: -1}
    await server.wait_for(lambda: labels(server, answer) == [["👍", "👎 ✓"]])

    good = await answered(server, server.press(answer, text="👍", language_code="zh"))
    assert good["text"] == bot.engine.say("feedback.good", "zh")
    assert await bot.engine.store.feedback("telegram:42") == {turn.id: 1}  # the last counts
    await server.wait_for(lambda: labels(server, answer) == [["👍 ✓", "👎"]])
    assert server.texts(42) == ["echo: hi"]  # presses answer on the button, not in the chat


async def test_only_the_asker_rates_and_only_turns_that_exist(server: FakeTelegramServer, bot):
    server.mention("hi all", user_id=1, chat_id=GROUP)
    await server.wait_for_texts(1, chat_id=GROUP)
    answer = server.last_sent(GROUP)
    stranger = await answered(server, server.press(answer, text="👍", user_id=2))
    assert stranger["text"] == bot.engine.say("telegram.rate_not_yours", "en")
    gone = await answered(server, server.press(answer, "rate:999:1", user_id=1))
    assert gone["text"] == bot.engine.say("telegram.rate_gone", "en")
    unknown = await answered(server, server.press(answer, "bogus:1", user_id=1))
    assert unknown["text"] is None
    assert await bot.engine.store.feedback(f"telegram:{GROUP}") == {}
    assert labels(server, answer) == [["👍", "👎"]]
    assert not server.calls_of("editMessageReplyMarkup")
    assert server.texts(GROUP) == ["echo: hi all"]
    assert sorted(o for o in (await outcomes(bot)).values() if o != "answered") == [
        "rate_refused",
        "rate_refused",
        "unknown_press",
    ]


async def test_presses_follow_the_access_rules(server: FakeTelegramServer, start_bot):
    bot = await two_things(start_bot, allowed_chat_ids=[GROUP], allowed_user_ids=[1])
    server.mention("opening times?", user_id=1, chat_id=GROUP)
    await server.wait_for_texts(1, chat_id=GROUP)
    offer = server.last_sent(GROUP)
    elsewhere = copy.deepcopy(offer) | {"chat": server.chat(-100999)}  # a chat not allowed
    refusal = bot.engine.say("telegram.not_allowed", "en")
    outside = await answered(server, server.press(elsewhere, text="hello", user_id=1))
    stranger = await answered(server, server.press(offer, text="hello", user_id=2))
    assert outside["text"] == refusal and stranger["text"] == refusal
    assert server.texts(GROUP) == [bot.engine.say("fallback.choices", "en")]
    assert server.texts(-100999) == [] and not server.calls_of("editMessageReplyMarkup")
    assert labels(server, offer) == [["hello"], ["what are your hours"]]
    assert len(await bot.engine.store.recent_turns(f"telegram:{GROUP}", 10)) == 1
    assert await bot.engine.store.recent_turns("telegram:-100999", 10) == []
