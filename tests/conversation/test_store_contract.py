"""The store interface, checked against every store: memory, sqlite (a real file) and redis
(a real server). Persistence-only promises (limits, retention, text hygiene) skip memory."""

from __future__ import annotations

import time

import pytest

from chatcore.store import ConversationStore, Turn


def turn(chat: str, n: int, user: str = "u1", **fields) -> Turn:
    return Turn(chat, user, f"question {n}", f"answer {n}", **fields)


async def texts(store, chat: str, limit: int = 100) -> list[str]:
    return [t.user_text for t in await store.recent_turns(chat, limit)]


async def test_turns_come_back_in_order_per_chat(make_store):
    store = await make_store()
    for n in range(5):
        await store.append_turn(turn("test:a", n))
        await store.append_turn(turn("test:b", 100 + n))
    assert await texts(store, "test:a") == [f"question {n}" for n in range(5)]
    assert await texts(store, "test:a", 2) == ["question 3", "question 4"]
    assert await texts(store, "test:b", 1) == ["question 104"]
    assert await store.recent_turns("test:a", 0) == []
    assert await store.recent_turns("test:nobody", 5) == []
    ids = [t.id for t in await store.all_turns("test:a")]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert await store.chat_keys() == ["test:a", "test:b"]


async def test_every_field_round_trips(make_store):
    store = await make_store()
    verdicts = [{"action": "mask", "category": "insult", "filter": "words", "snippet": "b***"}]
    at = time.time() - 10.125
    original = Turn("tg:-100", "42", "hi", "hello", 0.25, True, "qa", verdicts, "zh", False, at)
    original.message_id = "update-7"
    await store.append_turn(original)
    (back,) = await store.recent_turns("tg:-100", 1)
    assert back.to_dict() == {**original.to_dict(), "id": back.id, "conversation": 0}


async def test_reset_starts_a_new_conversation_and_keeps_history(make_store):
    store = await make_store()
    await store.append_turn(turn("test:a", 1))
    await store.reset("test:a")
    assert await store.recent_turns("test:a", 10) == []
    await store.append_turn(turn("test:a", 2))
    assert await texts(store, "test:a") == ["question 2"]
    history = await store.all_turns("test:a")
    assert [(t.user_text, t.conversation) for t in history] == [
        ("question 1", 0),
        ("question 2", 1),
    ]


async def test_forget_user_deletes_only_that_user_in_that_chat(make_store):
    store = await make_store()
    now = time.time()
    for n in range(3):
        await store.append_turn(turn("test:group", n, user="alice"))
        await store.append_turn(turn("test:group", 10 + n, user="bob"))
    await store.append_turn(turn("test:other", 99, user="alice"))
    await store.add_strike("test:group", "alice", now)
    await store.set_muted_until("test:group", "alice", now + 600)
    await store.add_strike("test:group", "bob", now)

    assert await store.forget_user("test:group", "alice") == 3

    left = await store.all_turns("test:group")
    assert [t.user_id for t in left] == ["bob"] * 3
    assert await store.count_strikes("test:group", "alice", 0) == 0
    assert await store.muted_until("test:group", "alice") == 0
    assert await store.count_strikes("test:group", "bob", 0) == 1
    assert await texts(store, "test:other") == ["question 99"]
    assert await store.forget_user("test:group", "alice") == 0


async def test_settings_strikes_and_mutes(make_store):
    store = await make_store()
    assert await store.get_setting("test:a", "lang") is None
    await store.set_setting("test:a", "lang", "zh")
    await store.set_setting("test:b", "lang", "en")
    assert await store.get_setting("test:a", "lang") == "zh"
    await store.set_setting("test:a", "lang", None)
    assert await store.get_setting("test:a", "lang") is None
    assert await store.get_setting("test:b", "lang") == "en"

    now = time.time()
    for seconds_ago in (1000, 50, 10):
        await store.add_strike("test:a", "u", now - seconds_ago)
    assert await store.count_strikes("test:a", "u", now - 100) == 2
    assert await store.count_strikes("test:a", "someone-else", 0) == 0
    await store.set_muted_until("test:a", "u", now + 60)
    assert await store.muted_until("test:a", "u") == pytest.approx(now + 60)
    await store.set_muted_until("test:a", "u", now - 5)  # an ended mute is still reported
    assert await store.muted_until("test:a", "u") == pytest.approx(now - 5)
    await store.set_muted_until("test:a", "u", 0)
    assert await store.muted_until("test:a", "u") == 0


ODD_TEXTS = {
    "emoji": "👩‍👩‍👧‍👦 family 🇺🇦 flags and 🤖",
    "rtl": "שלום עולם مرحبا بالعالم \u202eevil\u202c",
    "nul": "before\x00after\x00",
    "cjk": "你好，世界！𠀋",
    "controls": "tab\tnewline\nreturn\r\x1b[31mred\x7f",
}


@pytest.mark.parametrize("name", sorted(ODD_TEXTS))
async def test_odd_text_round_trips_exactly(make_store, name):
    store = await make_store()
    text = ODD_TEXTS[name]
    await store.append_turn(Turn("test:odd", f"user-{name}-\x00", text, text[::-1]))
    (back,) = await store.recent_turns("test:odd", 1)
    assert (back.user_text, back.reply_text) == (text, text[::-1])
    assert back.user_id == f"user-{name}-\x00"
    assert back.truncated is False


async def test_lone_surrogates_are_stored_as_replacement_characters(make_persistent_store):
    store = await make_persistent_store()
    broken = b"caf\xe9 \xff".decode("utf-8", "surrogateescape") + "\ud83d alone"
    await store.append_turn(Turn("test:odd", "u\udc80", broken, "ok"))
    (back,) = await store.recent_turns("test:odd", 1)
    assert back.user_text == "caf\ufffd \ufffd\ufffd alone"
    assert back.user_id == "u\ufffd"
    back.user_text.encode("utf-8")  # now safe anywhere


async def test_long_texts_are_cut_to_the_cap_and_flagged(make_persistent_store):
    store = await make_persistent_store(max_text_chars=2000)
    huge = ("é" * 50 + "😀" * 50) * 1000  # 100,000 characters, ~300 kB of UTF-8
    await store.append_turn(Turn("test:big", "u", huge, "short"))
    await store.append_turn(Turn("test:big", "u", "short", "fine"))
    big, small = await store.recent_turns("test:big", 2)
    assert big.user_text == huge[:2000] and big.truncated is True
    assert big.reply_text == "short"
    assert small.truncated is False


async def test_only_the_newest_turns_per_chat_are_kept(make_persistent_store):
    store = await make_persistent_store(max_turns_per_chat=4)
    for n in range(10):
        await store.append_turn(turn("test:a", n))
    await store.append_turn(turn("test:b", 0))
    assert [t.user_text for t in await store.all_turns("test:a")] == [
        f"question {n}" for n in range(6, 10)
    ]
    assert len(await store.all_turns("test:b")) == 1


async def test_prune_deletes_turns_older_than_a_time(make_store):
    store = await make_store(retention_days=None)
    now = time.time()
    for days_ago in (40, 31, 29, 1):
        await store.append_turn(turn("test:a", days_ago, created_at=now - days_ago * 86400))
    await store.append_turn(turn("test:b", 35, created_at=now - 35 * 86400))
    assert await store.prune(now - 30 * 86400) == 3
    assert await texts(store, "test:a") == ["question 29", "question 1"]
    assert await store.all_turns("test:b") == []


async def test_a_message_processed_twice_is_stored_once(make_store):
    store = await make_store()
    for _ in range(2):  # a worker killed after storing; another re-runs the message
        await store.append_turn(turn("test:a", 1, message_id="m1"))
    await store.append_turn(turn("test:a", 2, message_id="m2"))
    await store.append_turn(turn("test:b", 1, message_id="m1"))  # ids are per chat
    assert await texts(store, "test:a") == ["question 1", "question 2"]
    assert [t.message_id for t in await store.all_turns("test:a")] == ["m1", "m2"]
    assert await texts(store, "test:b") == ["question 1"]


async def test_turns_without_a_message_id_are_never_deduplicated(make_store):
    store = await make_store()
    for _ in range(3):
        await store.append_turn(turn("test:a", 1))
    assert await texts(store, "test:a") == ["question 1"] * 3
    assert {t.message_id for t in await store.all_turns("test:a")} == {None}


async def test_allow_message_counts_or_leaves_the_limit_to_the_engine(make_store):
    store = await make_store()
    answers = [await store.allow_message("test:u", 2, 60, 1000.0 + n) for n in range(3)]
    if store.__class__.allow_message is ConversationStore.allow_message:
        assert answers == [None] * 3  # not shared: the engine's in-process limiter decides
    else:
        assert answers == [True, True, False]


async def test_feedback_is_one_verdict_per_turn_of_the_chat_and_goes_with_the_turn(make_store):
    store = await make_store()
    for n in range(3):
        await store.append_turn(turn("test:fb", n, user="alice" if n < 2 else "bob"))
    for n in range(5):
        await store.append_turn(turn("test:elsewhere", n))
    first, second, third = [t.id for t in await store.all_turns("test:fb")]
    other = (await store.all_turns("test:elsewhere"))[-1].id  # not an id of test:fb's turns
    assert await store.set_feedback("test:fb", first, "alice", 1)
    assert await store.set_feedback("test:fb", second, "alice", 1)
    assert await store.set_feedback("test:fb", second, "alice", -1)  # the last one counts
    assert await store.set_feedback("test:fb", third, "bob", -1)
    assert not await store.set_feedback("test:fb", other, "alice", 1)  # another chat's turn
    assert not await store.set_feedback("test:fb", 10**9, "alice", 1)
    assert await store.feedback("test:fb") == {first: 1, second: -1, third: -1}
    assert await store.feedback("test:elsewhere") == {}
    await store.set_feedback("test:fb", first, "alice", 0)  # withdrawn
    await store.set_feedback("test:fb", first, "bob", 1)  # bob rates alice's turn
    await store.forget_user("test:fb", "alice")  # her turns go, and the verdicts on them
    assert await store.feedback("test:fb") == {third: -1}
    assert not await store.set_feedback("test:fb", first, "bob", 1)  # the turn is gone


async def test_review_turns_are_the_fallbacks_and_the_rated_turns_of_every_chat(make_store):
    from dataclasses import replace

    store = await make_store()
    for n in range(4):
        await store.append_turn(replace(turn("test:a", n), fallback=n == 1))
        await store.append_turn(replace(turn("test:b", n), fallback=n == 3))
    a = [t.id for t in await store.all_turns("test:a")]
    b = [t.id for t in await store.all_turns("test:b")]
    await store.set_feedback("test:a", a[2], "alice", -1)
    await store.set_feedback("test:b", b[0], "bob", 1)
    await store.set_feedback("test:b", b[1], "bob", 0)  # withdrawn: not a verdict
    found = {(t.chat_key, t.id): verdict for t, verdict in await store.review_turns()}
    assert found == {
        ("test:a", a[1]): 0,
        ("test:a", a[2]): -1,
        ("test:b", b[0]): 1,
        ("test:b", b[3]): 0,
    }
