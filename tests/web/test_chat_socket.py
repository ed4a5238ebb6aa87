"""The chat socket and its HTTP fallback, against a real server, store and filters."""

from __future__ import annotations

import asyncio

import pytest

from .conftest import echo_plugin

WebEcho = echo_plugin.WebEcho


async def ask(site, ws, message_id: str, text: str) -> list[dict]:
    """Send one message; the frames up to its reply (typing first, then the reply)."""
    await ws.send_json({"type": "message", "id": message_id, "text": text})
    frames = []
    while True:
        frame = await ws.receive_json(timeout=10)
        frames.append(frame)
        if frame["type"] in ("reply", "error") and frame.get("id") == message_id:
            return frames


async def test_a_new_browser_gets_a_signed_token_and_an_answer(site):
    ws = await site.socket()
    welcome = await site.hello(ws)
    assert welcome["type"] == "welcome" and welcome["history"] == []
    chat_id, signature = welcome["token"].split(".")
    assert len(chat_id) >= 22 and len(signature) >= 22  # 128 random bits, then the signature
    frames = await ask(site, ws, "m1", "hello there")
    assert [f["type"] for f in frames] == ["typing", "reply"]
    assert frames[1]["text"] == "echo: hello there" and frames[1]["silent"] is False


async def test_a_message_sent_again_is_answered_from_the_first_run(site):
    ws = await site.socket()
    token = (await site.hello(ws))["token"]
    first = (await ask(site, ws, "again-1", "only once please"))[-1]
    await ws.close()
    site.frontend.chat._answered.clear()  # as after a restart: found in the store instead
    ws = await site.socket()
    await site.hello(ws, token=token, after=10**6)
    second = (await ask(site, ws, "again-1", "only once please"))[-1]
    assert second["text"] == first["text"] == "echo: only once please"
    assert WebEcho.calls["only once please"] == 1


async def test_a_socket_dropped_mid_answer_loses_nothing_and_runs_nothing_twice(site):
    ws = await site.socket()
    token = (await site.hello(ws))["token"]
    await ws.send_json({"type": "message", "id": "drop-1", "text": "slow 0.5 in flight"})
    assert (await ws.receive_json(timeout=10))["type"] == "typing"
    await ws.close()  # the page lost its connection while the engine works
    ws = await site.socket()
    await site.hello(ws, token=token)
    reply = (await ask(site, ws, "drop-1", "slow 0.5 in flight"))[-1]
    assert reply["text"] == "echo: in flight"
    assert WebEcho.calls["slow 0.5 in flight"] == 1


async def test_a_reload_gets_the_conversation_back_and_after_skips_what_was_shown(site):
    ws = await site.socket()
    token = (await site.hello(ws))["token"]
    live = [(await ask(site, ws, f"r{n}", f"question {n}"))[-1] for n in range(3)]
    await ws.close()
    ws = await site.socket()
    history = (await site.hello(ws, token=token))["history"]
    assert [(t["id"], t["user"], t["bot"]) for t in history] == [
        (f"r{n}", f"question {n}", f"echo: question {n}") for n in range(3)
    ]
    assert [t["turn"] for t in history] == [reply["turn"] for reply in live]
    later = await site.hello(await site.socket(), token=token, after=history[0]["turn"])
    assert [t["id"] for t in later["history"]] == ["r1", "r2"]


async def test_two_browsers_do_not_see_each_others_chats(site):
    alice, bob = await site.socket(), await site.socket()
    alice_token = (await site.hello(alice))["token"]
    bob_token = (await site.hello(bob))["token"]
    assert alice_token != bob_token
    await ask(site, alice, "a1", "alice's secret")
    again = await site.hello(await site.socket(), token=bob_token)
    assert again["history"] == []


async def test_a_forged_token_gets_a_new_chat_not_the_victims(site):
    ws = await site.socket()
    token = (await site.hello(ws))["token"]
    await ask(site, ws, "f1", "private words")
    chat_id = token.split(".")[0]
    forged = await site.hello(await site.socket(), token=f"{chat_id}.AAAAAAAAAAAAAAAAAAAAAA")
    assert forged["history"] == [] and forged["token"].split(".")[0] != chat_id


@pytest.mark.parametrize(
    ("frame", "says"),
    [
        ({"type": "message", "text": "no id"}, "needs an id"),
        ({"type": "message", "id": "bad id!", "text": "x"}, "needs an id"),
        ({"type": "message", "id": "e1", "text": "   "}, "needs some text"),
        ({"type": "message", "id": "e2", "text": "x" * 101}, "limited to 100 characters"),
        ({"type": "nonsense"}, "unknown frame"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_usable(make_site, frame, says):
    site = await make_site(max_message_chars=100)
    ws = await site.socket()
    await site.hello(ws)
    await ws.send_json(frame)
    error = await ws.receive_json(timeout=10)
    assert error["type"] == "error" and says in error["text"]
    assert (await ask(site, ws, "ok-1", "still here"))[-1]["text"] == "echo: still here"


async def test_a_socket_must_start_with_hello(site):
    ws = await site.socket()
    await ws.send_json({"type": "message", "id": "x", "text": "hi"})
    closed = await ws.receive(timeout=10)
    assert closed.type.name == "CLOSE" and ws.close_code == 4400


async def test_reset_ends_the_conversation_on_the_page_and_in_history(site):
    ws = await site.socket()
    token = (await site.hello(ws))["token"]
    await ask(site, ws, "b1", "before reset")
    frames = await ask(site, ws, "b2", "/reset")
    assert frames[-1]["kind"] == "command"
    assert (await ws.receive_json(timeout=10)) == {"type": "reset"}
    assert (await site.hello(await site.socket(), token=token))["history"] == []


async def test_a_muted_user_gets_silent_replies(site):
    ws = await site.socket()
    await site.hello(ws)
    for n in range(3):  # three blocked messages earn a mute (engine.strikes)
        refusal = (await ask(site, ws, f"x{n}", "you are a fucking idiot"))[-1]
        assert refusal["kind"] == "refusal"
    muted = (await ask(site, ws, "x9", "hello again"))[-1]
    assert muted["silent"] is True and muted["text"] == ""


async def test_other_sites_are_refused_unless_allowed(make_site):
    site = await make_site(allowed_origins=["http://shop.example"])
    with pytest.raises(Exception) as refused:
        await site.socket(Origin="http://evil.example")
    assert "403" in str(refused.value)
    ws = await site.socket(Origin="http://shop.example")
    assert (await site.hello(ws))["type"] == "welcome"


async def test_the_http_fallback_answers_keeps_history_and_sends_cors_for_allowed_sites(
    make_site,
):
    site = await make_site(allowed_origins=["http://shop.example"])
    shop = {"Origin": "http://shop.example"}
    post = await site.session.post(
        site.url("/api/message"),
        json={"token": None, "id": "h1", "text": "over http"},
        headers=shop,
    )
    body = await post.json()
    assert body["text"] == "echo: over http" and body["token"]
    assert post.headers["Access-Control-Allow-Origin"] == "http://shop.example"
    history = await site.session.get(
        site.url("/api/history"), params={"token": body["token"], "after": "0"}, headers=shop
    )
    assert [t["user"] for t in (await history.json())["history"]] == ["over http"]
    preflight = await site.session.options(site.url("/api/message"), headers=shop)
    assert preflight.status == 204
    evil = await site.session.post(
        site.url("/api/message"),
        json={"token": None, "id": "h2", "text": "x"},
        headers={"Origin": "http://evil.example"},
    )
    assert evil.status == 403


async def test_many_messages_on_one_socket_are_answered_in_order(site):
    ws = await site.socket()
    await site.hello(ws)
    for n in range(20):
        await ws.send_json({"type": "message", "id": f"o{n}", "text": f"number {n}"})
    replies = []
    while len(replies) < 20:
        frame = await ws.receive_json(timeout=10)
        if frame["type"] == "reply":
            replies.append(frame["text"])
    assert replies == [f"echo: number {n}" for n in range(20)]


async def test_stopping_the_server_closes_sockets_after_answers_in_flight_are_stored(make_site):
    site = await make_site()
    ws = await site.socket()
    token = (await site.hello(ws))["token"]
    await ws.send_json({"type": "message", "id": "s1", "text": "slow 0.3 finishing"})
    await asyncio.sleep(0.1)
    await site.server.close()
    turns = await site.engine.store.recent_turns(f"web:{token.split('.')[0]}", 5)
    assert [t.reply_text for t in turns] == ["echo: finishing"]


async def test_a_page_flooding_messages_is_told_to_wait_and_loses_none_it_was_not_told_of(site):
    ws = await site.socket()
    await site.hello(ws)
    for n in range(40):
        await ws.send_json({"type": "message", "id": f"flood{n}", "text": f"slow 0.05 n{n}"})
    replies, refused = set(), set()
    while len(replies) + len(refused) < 40:
        frame = await ws.receive_json(timeout=10)
        if frame["type"] == "reply":
            replies.add(frame["id"])
        elif frame["type"] == "error":
            assert "too many messages" in frame["text"]
            refused.add(frame["id"])
    assert len(replies) == 32 and refused == {f"flood{n}" for n in range(32, 40)}


async def test_a_page_rates_its_own_answers_only(site):
    ws = await site.socket()
    token = (await site.hello(ws))["token"]
    reply = (await ask(site, ws, "r1", "rate me"))[-1]
    await ws.send_json({"type": "feedback", "turn": reply["turn"], "value": -1})
    assert await ws.receive_json(timeout=10) == {
        "type": "feedback",
        "turn": reply["turn"],
        "recorded": True,
    }
    chat_key = f"web:{token.split('.')[0]}"
    assert await site.engine.store.feedback(chat_key) == {reply["turn"]: -1}
    other = await site.socket()
    await site.hello(other)  # another browser cannot rate this chat's turn
    await other.send_json({"type": "feedback", "turn": reply["turn"], "value": 1})
    assert (await other.receive_json(timeout=10))["recorded"] is False
    await ws.send_json({"type": "feedback", "turn": "x", "value": 5})
    assert (await ws.receive_json(timeout=10))["type"] == "error"
    over_http = await site.session.post(
        site.url("/api/feedback"), json={"token": token, "turn": reply["turn"], "value": 1}
    )
    assert (await over_http.json()) == {"recorded": True}
    assert await site.engine.store.feedback(chat_key) == {reply["turn"]: 1}
    forged = await site.session.post(
        site.url("/api/feedback"), json={"token": "x.y", "turn": reply["turn"], "value": -1}
    )
    assert forged.status == 403
    await site.login()
    opened = await site.session.get(
        site.url(f"/admin/api/conversations/web%3A{token.split('.')[0]}")
    )
    assert [t["feedback"] for t in (await opened.json())["turns"]] == [1]


async def test_a_fallback_offers_choices_and_sending_one_is_answered(site):
    ws = await site.socket()
    token = (await site.hello(ws))["token"]
    offer = (await ask(site, ws, "ch1", "maybe opening times"))[-1]
    assert offer["fallback"] and offer["choices"] == list(echo_plugin.CHOICES)
    assert offer["text"] == site.engine.say("fallback.choices", "en")
    chosen = (await ask(site, ws, "ch2", offer["choices"][1]))[-1]  # sent as a plain message
    assert chosen["text"] == "echo: 你们几点开门" and chosen["choices"] == []
    over_http = await site.session.post(
        site.url("/api/message"), json={"token": token, "id": "ch3", "text": "maybe again"}
    )
    assert (await over_http.json())["choices"] == list(echo_plugin.CHOICES)
