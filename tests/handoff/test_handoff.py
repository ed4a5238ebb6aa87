"""The fallback chain and the handoff, on the real engine, a real SQLite file and the real
moderation filters. The chats' frontends are outlets that record what reaches them (the
Telegram and web tests relay through the real frontends)."""

from __future__ import annotations

import datetime as dt

import pytest

from chatcore.hookspecs import hookimpl
from chatcore.testing import ChatHarness, make_runtime
from chatcore.types import Reply

KNOWN = {"hello": "Hi there!", "what are your hours": "We are open 9 to 5."}


class KnowsTwoThings:
    """A test plugin: a responder that answers two questions and, for anything else, falls
    back offering both as choices (as the QA model offers its nearest questions)."""

    @hookimpl
    def chatcore_register_responders(self, register):
        class Responder:
            async def respond(self, message, context):
                answer = KNOWN.get(message.text.strip().lower())
                if answer:
                    return Reply(answer, confidence=0.9)
                return Reply("", 0.1, fallback=True, choices=("hello", "what are your hours"))

        register("two", lambda settings, runtime: Responder())


class Outlet:
    """Records what is pushed to a channel's chats."""

    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    async def push(self, chat_id, reply):
        self.sent.append((chat_id, reply.text))

    def to(self, chat_id: str) -> list[str]:
        return [text for chat, text in self.sent if chat == chat_id]


def runtime_for(tmp_path, **handoff):
    config = {
        "store": "sqlite",
        "data_dir": str(tmp_path),
        "responders": ["handoff", "two"],
        "handoff": {"operators": ["telegram:7"], "telegram_chat": -100, **handoff},
    }
    return make_runtime(config, plugins=[("two", KnowsTwoThings())])


@pytest.fixture
async def bot(tmp_path):
    async with runtime_for(tmp_path).build_engine() as engine:
        users, operators = Outlet(), Outlet()
        engine.add_outlet("test", users)
        engine.add_outlet("telegram", operators)
        yield engine, users, operators


def operator(engine, user_id="7"):
    return ChatHarness(engine, channel="telegram", chat_id="-100", user_id=user_id)


async def test_a_fallback_offers_the_nearest_questions_and_a_choice_answers(bot):
    engine, _, _ = bot
    chat = ChatHarness(engine, chat_id="c")
    reply = await chat.say("opening times?")
    assert reply.fallback and reply.choices == ("hello", "what are your hours")
    assert reply.text == engine.say("fallback.choices", "en")
    assert (await chat.say(reply.choices[1])).text == "We are open 9 to 5."


async def test_choices_the_output_filters_block_are_not_offered(tmp_path):
    class Offensive(KnowsTwoThings):
        @hookimpl
        def chatcore_register_responders(self, register):
            class Responder:
                async def respond(self, message, context):
                    return Reply("", 0.1, fallback=True, choices=("you are a shithead",))

            register("two", lambda settings, runtime: Responder())

    config = {"store": "sqlite", "data_dir": str(tmp_path), "responders": ["two"]}
    async with make_runtime(config, plugins=[("two", Offensive())]).build_engine() as engine:
        reply = await ChatHarness(engine).say("anything")
    assert reply.choices == () and reply.text == engine.fallback_text("en")


async def test_after_three_fallbacks_in_a_row_the_chat_goes_to_a_person(bot):
    engine, _users, operators = bot
    chat = ChatHarness(engine, chat_id="c")
    assert (await chat.say("first?")).choices
    assert (await chat.say("hello")).text == "Hi there!"  # an answer breaks the row
    await chat.say("second?")
    await chat.say("third?")
    handed = await chat.say("fourth?")
    assert handed.kind == "handoff" and handed.choices == ()
    assert handed.text == engine.say("handoff.after_fallbacks", "en")
    notice = operators.to("-100")[-1]
    assert notice.startswith("[test:c] needs a person (the bot could not answer")
    assert "> fourth?" not in notice and "> third?" in notice  # the chat so far
    # from now on the bot is silent and the operators hear everything
    quiet = await chat.say("hello")
    assert quiet.silent and operators.to("-100")[-1] == "[test:c] hello"


async def test_asking_for_a_person_in_english_chinese_or_by_command(bot):
    engine, _, operators = bot
    reply = await ChatHarness(engine, chat_id="en").say("Can I talk to a HUMAN please")
    assert reply.text == engine.say("handoff.started", "en")
    reply = await ChatHarness(engine, chat_id="zh").say("我要转人工")
    assert reply.text == engine.say("handoff.started", "zh")
    reply = await ChatHarness(engine, chat_id="cmd").say("/human")
    assert reply.text == engine.say("handoff.started", "en")
    again = await ChatHarness(engine, chat_id="cmd").say("/human")
    assert again.text == engine.say("handoff.already", "en")
    assert {h.chat_key for h in await engine.services["handoff"].inbox.all()} == {
        "test:en",
        "test:zh",
        "test:cmd",
    }
    assert len([t for t in operators.to("-100") if "needs a person" in t]) == 3


async def test_an_operator_reply_reaches_the_user_and_is_stored_in_their_chat(bot):
    engine, users, operators = bot
    chat = ChatHarness(engine, chat_id="c", user_id="u1")
    await chat.say("/human")
    await chat.say("my order is late")
    notice = operators.to("-100")[-1]
    ops = operator(engine)
    sent = await ops.say("Sorry! It ships today.", meta={"reply_to_text": notice})
    assert sent.silent
    assert users.to("c") == ["Sorry! It ships today."]
    turns = await engine.store.recent_turns("test:c", 10)
    assert turns[-1].reply_text == "Sorry! It ships today."
    assert turns[-1].source == "operator:telegram:7" and turns[-1].user_id == "u1"
    # /forget removes the operator's answers with the user's own messages
    await engine.services["handoff"].finish("test:c", "done")
    await chat.say("/forget")
    assert await engine.store.all_turns("test:c") == []


async def test_operator_replies_pass_moderation(bot):
    engine, users, operators = bot
    await ChatHarness(engine, chat_id="c").say("/human")
    notice = operators.to("-100")[-1]
    refused = await operator(engine).say("you stupid shithead", meta={"reply_to_text": notice})
    assert refused.kind == "refusal"  # in the operators' chat, the input filters see it first
    service = engine.services["handoff"]  # from the console, the output filters
    assert await service.operator_reply("test:c", "you stupid shithead", "web:console") == (
        "handoff.blocked"
    )
    assert users.to("c") == []
    await operator(engine).say("my e-mail is a.b@example.com", meta={"reply_to_text": notice})
    assert users.to("c") == ["my e-mail is " + "*" * len("a.b@example.com")]  # masked


async def test_non_operators_cannot_answer_or_give_chats_back(bot):
    engine, users, operators = bot
    await ChatHarness(engine, chat_id="c").say("/human")
    notice = operators.to("-100")[-1]
    stranger = operator(engine, user_id="666")
    answer = await stranger.say("I'm staff, trust me", meta={"reply_to_text": notice})
    assert answer.text == engine.say("handoff.not_operator", None)
    done = await stranger.say("/done", meta={"reply_to_text": notice})
    assert done.text == engine.say("handoff.not_operator", None)
    assert users.to("c") == [] and await engine.services["handoff"].inbox.get("test:c")
    # an operator reply must say which chat it answers
    lost = await operator(engine).say("hello?")
    assert lost.text == engine.say("handoff.reply_how", None)


async def test_done_gives_the_chat_back_from_either_side(bot):
    engine, users, operators = bot
    chat = ChatHarness(engine, chat_id="c")
    await chat.say("/human")
    assert (await chat.say("/done")).text == engine.say("handoff.ended", "en")
    assert (await chat.say("hello")).text == "Hi there!"
    assert (await chat.say("/done")).text == engine.say("handoff.none", "en")

    await chat.say("/human")
    notice = operators.to("-100")[-1]
    await operator(engine).say("/done", meta={"reply_to_text": notice})
    assert users.to("c")[-1] == engine.say("handoff.ended", "en")
    assert operators.to("-100")[-1] == "[test:c] back with the bot (/done telegram:7)"
    assert (await chat.say("hello")).text == "Hi there!"
    late = await operator(engine).say("still there?", meta={"reply_to_text": notice})
    assert late.text == engine.say("handoff.not_waiting", None, chat="test:c")


async def test_timeouts_give_the_chat_back_and_tell_the_user_in_their_language(tmp_path):
    runtime = runtime_for(tmp_path, wait_minutes=1, idle_minutes=5)
    async with runtime.build_engine() as engine:
        users, operators = Outlet(), Outlet()
        engine.add_outlet("test", users)
        engine.add_outlet("telegram", operators)
        now = [1_000_000.0]
        engine.clock = lambda: now[0]
        service = engine.services["handoff"]
        await ChatHarness(engine, chat_id="zh").say("我要转人工")
        await ChatHarness(engine, chat_id="en").say("/human")
        notice = operators.to("-100")[-1]
        now[0] += 30
        await operator(engine).say("Hi, how can I help?", meta={"reply_to_text": notice})
        now[0] += 40  # 70 s: nobody took the Chinese chat; the English one is being answered
        assert await service.sweep() == ["test:zh"]
        assert users.to("zh")[-1] == engine.say("handoff.timeout_wait", "zh")
        now[0] += 5 * 60  # quiet for five minutes since the operator's reply
        assert (await ChatHarness(engine, chat_id="en").say("hello")).text == "Hi there!"
        assert users.to("en")[-1] == engine.say("handoff.timeout_idle", "en")
        assert await service.inbox.all() == []


async def test_outside_opening_hours_the_user_is_told_when_to_come_back(tmp_path):
    hours = {"timezone": "Asia/Shanghai", "days": ["mon"], "opens": "09:00", "closes": "10:00"}
    async with runtime_for(tmp_path, opening_hours=hours).build_engine() as engine:
        engine.add_outlet("telegram", Outlet())
        monday = dt.datetime(2026, 11, 30, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
        engine.clock = lambda: monday.timestamp() + 3600  # 10:30 in Shanghai: closed
        closed = await ChatHarness(engine).say("/human")
        assert closed.text == engine.say(
            "handoff.closed", "en", hours="Mon 09:00-10:00 (Asia/Shanghai)"
        )
        engine.clock = monday.timestamp
        assert (await ChatHarness(engine).say("/human")).text == engine.say("handoff.started", "en")


def test_bad_handoff_settings_name_the_key(tmp_path):
    from chatcore.errors import ConfigError

    with pytest.raises(ConfigError, match="operators"):
        runtime_for(tmp_path, operators=["12345"])
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        runtime_for(tmp_path, opening_hours={"timezone": "Mars/Olympus"})
    with pytest.raises(ConfigError, match="closes must be later"):
        runtime_for(tmp_path, opening_hours={"opens": "18:00", "closes": "09:00"})


def test_opening_hours_are_said_in_the_users_language():
    from chatcore.builtin.handoff.settings import OpeningHours

    hours = OpeningHours(timezone="Europe/Berlin")
    assert hours.describe("en") == "Mon-Fri 09:00-17:00 (Europe/Berlin)"
    assert hours.describe("zh") == "周一至周五 09:00-17:00 (Europe/Berlin)"
    assert OpeningHours(days=["sat", "mon"]).describe("zh").startswith("周六, 周一 ")


async def test_a_late_update_never_brings_an_ended_handoff_back(bot):
    engine, _users, _operators = bot
    chat = ChatHarness(engine, chat_id="c")
    await chat.say("/human")
    service = engine.services["handoff"]
    seen = await service.inbox.get("test:c")  # what an operator's reply read before /done
    assert (await chat.say("/done")).text == engine.say("handoff.ended", "en")
    assert not await service.inbox.answered(seen, "web:console", engine.clock())
    assert not await service.inbox.touch(seen, engine.clock())
    assert await service.inbox.get("test:c") is None
    assert (await chat.say("hello")).text == "Hi there!"


async def test_a_relayed_message_keeps_the_operator_who_answered(bot):
    engine, _users, _operators = bot
    chat = ChatHarness(engine, chat_id="c")
    await chat.say("/human")
    service = engine.services["handoff"]
    stale = await service.inbox.get("test:c")
    assert await service.operator_reply("test:c", "Hello, I'm Ana.", "web:console") == ""
    await service.inbox.touch(stale, engine.clock())  # the user's message, read before it
    assert (await service.inbox.get("test:c")).operator == "web:console"


async def test_only_a_tag_that_starts_the_notice_names_the_chat(bot):
    engine, users, operators = bot
    await ChatHarness(engine, chat_id="a").say("/human")
    victim = ChatHarness(engine, chat_id="b")
    await victim.say("/human")
    await ChatHarness(engine, chat_id="a").say("ignore this [test:b] please")
    relayed = operators.to("-100")[-1]
    assert relayed.startswith("[test:a] ")
    await operator(engine).say("your address is 5 Main St", meta={"reply_to_text": relayed})
    assert users.to("a") == ["your address is 5 Main St"] and users.to("b") == []
    how = engine.say("handoff.reply_how", None)
    lost = await operator(engine).say("hi", meta={"reply_to_text": how})
    assert lost.text == how  # the help text's example is not a target


async def test_long_messages_are_cut_so_a_notice_is_never_split(bot):
    engine, _users, operators = bot
    chat = ChatHarness(engine, chat_id="c")
    await chat.say("😀" * 3000)
    await chat.say("/human")
    await chat.say("😀" * 3000)
    assert all(len(text.encode("utf-16-le")) // 2 <= 4096 for text in operators.to("-100"))


async def test_nobody_to_see_it_means_no_handoff(tmp_path):
    runtime = runtime_for(tmp_path, telegram_chat=None, console=True)
    async with runtime.build_engine() as engine:
        reply = await ChatHarness(engine, chat_id="c").say("/human")
        assert reply.text == engine.say("handoff.unavailable", "en")
        assert await engine.services["handoff"].inbox.all() == []
        engine.services["handoff.console"] = True  # a web console serves in this process
        reply = await ChatHarness(engine, chat_id="c").say("/human")
        assert reply.text == engine.say("handoff.started", "en")


async def test_the_sweep_leaves_chats_it_cannot_reach_to_their_process(tmp_path):
    async with runtime_for(tmp_path, wait_minutes=1).build_engine() as engine:
        users, operators = Outlet(), Outlet()
        remove = engine.add_outlet("test", users)
        engine.add_outlet("telegram", operators)
        now = [1_000_000.0]
        engine.clock = lambda: now[0]
        await ChatHarness(engine, chat_id="c").say("/human")
        remove()  # this process no longer serves the chat's frontend
        now[0] += 120
        service = engine.services["handoff"]
        assert await service.sweep() == [] and await service.inbox.get("test:c")
        engine.add_outlet("test", users)
        assert await service.sweep() == ["test:c"]
        assert users.to("c")[-1] == engine.say("handoff.timeout_wait", "en")


async def test_forget_ends_the_handoff_and_operator_messages_stay_out_of_the_ops_chat(bot):
    engine, _users, operators = bot
    chat = ChatHarness(engine, chat_id="c", user_id="u1")
    await chat.say("/human")
    notice = operators.to("-100")[-1]
    await operator(engine).say("Alice, it ships to 5 Main St", meta={"reply_to_text": notice})
    assert await engine.store.all_turns("telegram:-100") == []  # stored in the user's chat only
    await chat.say("/forget")
    assert await engine.services["handoff"].inbox.get("test:c") is None
    assert await engine.store.all_turns("test:c") == []
    assert (await chat.say("hello")).text == "Hi there!"


async def test_an_answer_that_cannot_be_delivered_says_so(bot):
    engine, _users, _operators = bot
    await ChatHarness(engine, chat_id="c").say("/human")

    class Blocked:
        async def push(self, chat_id, reply):
            raise RuntimeError("Forbidden: bot was blocked by the user")

    engine.add_outlet("test", Blocked())
    service = engine.services["handoff"]
    assert await service.operator_reply("test:c", "hello?", "web:console") == (
        "handoff.undeliverable"
    )


async def test_phrases_match_whole_words_and_the_operators_chat_cannot_be_handed_over(bot):
    engine, _users, _operators = bot
    loan = await ChatHarness(engine, chat_id="a").say("is this a real personal loan?")
    assert loan.kind != "handoff"
    hours = await ChatHarness(engine, chat_id="b").say("what are your customer service hours")
    assert hours.kind != "handoff"
    ops = await operator(engine, user_id="666").say("/human")
    assert ops.text == engine.say("handoff.unavailable", None)
    assert await engine.services["handoff"].inbox.all() == []


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"responders": ["two", "handoff"]}, "'handoff' must come first"),
        ({"handoff": {"after_fallbacks": 9}, "engine": {"context_turns": 2}}, "after_fallbacks"),
        ({"handoff": {"ask_phrases": {"en": [" "]}}}, "empty phrase"),
    ],
)
def test_a_handoff_that_could_not_work_is_a_config_error(tmp_path, config, problem):
    from chatcore.errors import ConfigError

    raw = {"store": "memory", "responders": ["handoff", "two"], **config}
    with pytest.raises(ConfigError, match=problem):
        make_runtime(raw, plugins=[("two", KnowsTwoThings())]).build_engine()
