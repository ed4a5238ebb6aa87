"""Reliability: concurrency, 429 isolation, pacing, network faults, redelivery, webhook."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter

import pytest

from chatcore.testing import free_port
from chatcore.testing.telegram_server import FakeTelegramServer

# PTB's own RetryAfter constructor warns about its int -> timedelta migration
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def test_fifty_users_at_once(server: FakeTelegramServer, bot, echo):
    users = range(1, 51)
    for round_ in range(2):
        for user in users:
            server.text(f"slow 0.2 u{user} m{round_}", user_id=user)
    await server.wait_for(lambda: len(server.sent) >= 100, timeout=30)
    for user in users:
        assert server.texts(user) == [f"echo: u{user} m0", f"echo: u{user} m1"]  # in order
    assert echo.EchoResponder.peak > 10  # chats are answered concurrently
    assert len(server.sent) == 100


async def test_429_in_one_chat_does_not_stall_the_others(server: FakeTelegramServer, bot):
    server.fault("retry_after", "sendMessage", chat_id=1, retry_after=3)
    server.text("first", user_id=1)
    await server.wait_for(lambda: server.faults[0].hits == 1)
    limited_at = server.calls_of("sendMessage")[0].at
    for user in range(2, 7):
        server.text(f"meanwhile {user}", user_id=user)
    await server.wait_for(lambda: len(server.sent) == 5)  # the other chats: all answered
    assert server.texts(1) == []  # chat 1 still waits out its retry_after
    assert all(c.at - limited_at < 3 for c in server.calls_of("sendMessage")[1:])
    assert await server.wait_for_texts(1, chat_id=1) == ["echo: first"]
    retry = [c for c in server.calls_of("sendMessage") if c.params["chat_id"] == 1][1]
    assert retry.at - limited_at >= 3  # retry_after honoured for that chat
    await asyncio.sleep(0.2)
    assert server.texts(1) == ["echo: first"]


async def test_each_chat_is_paced(server: FakeTelegramServer, start_bot):
    await start_bot(rate_limits={"chat_interval": 0.5})
    server.text("long 9000", user_id=1)
    server.text("hello", user_id=2)
    await server.wait_for_texts(3, chat_id=1)
    times = [c.at for c in server.calls_of("sendMessage") if c.params["chat_id"] == 1]
    assert all(later - earlier >= 0.49 for earlier, later in itertools.pairwise(times))
    other = next(c.at for c in server.calls_of("sendMessage") if c.params["chat_id"] == 2)
    assert other < times[1]  # another chat is not paced behind chat 1


async def test_5xx_and_dropped_connections_are_retried(server: FakeTelegramServer, bot):
    server.fault("status", "sendMessage", chat_id=1, status=502, times=2)
    server.fault("drop", "sendMessage", chat_id=2)
    server.fault("status", "sendMessage", chat_id=3, status=500)
    server.text("through 502s", user_id=1)
    server.text("through a reset", user_id=2)
    server.text("through a 500", user_id=3)
    await server.wait_for(lambda: len(server.sent) == 3)
    assert server.texts(1) == ["echo: through 502s"]
    assert server.texts(2) == ["echo: through a reset"]
    assert server.texts(3) == ["echo: through a 500"]
    assert [f.hits for f in server.faults] == [2, 1, 1]


async def test_timeouts_are_retried(server: FakeTelegramServer, start_bot):
    """A send that times out is sent again. Telegram may have accepted the first one, so
    delivery is at least once; the update is done once the retry succeeds."""
    bot = await start_bot(request_timeout=0.5)
    server.fault("slow", "sendMessage", chat_id=1, delay=1.0)
    update = server.text("patience", user_id=1)
    await server.wait_for(lambda: bot.frontend.inbox.outcomes().get(update["update_id"]))
    assert len(server.calls_of("sendMessage")) == 2
    assert "echo: patience" in server.texts(1)


async def test_forbidden_is_not_retried(server: FakeTelegramServer, bot):
    server.fault("status", "sendMessage", chat_id=1, status=403)  # the user blocked the bot
    blocked = server.text("are you there?", user_id=1)
    server.text("hello", user_id=2)
    await server.wait_for_texts(1, chat_id=2)
    await server.wait_for(lambda: bot.frontend.inbox.outcomes().get(blocked["update_id"]))
    assert bot.frontend.inbox.outcomes()[blocked["update_id"]] == "undeliverable"
    assert len([c for c in server.calls_of("sendMessage") if c.params["chat_id"] == 1]) == 1


async def test_startup_retries_until_the_api_answers(server: FakeTelegramServer, start_bot):
    server.fault("status", "getMe", status=502, times=2)
    server.fault("drop", "deleteWebhook")
    await start_bot()
    server.text("made it", user_id=1)
    assert await server.wait_for_texts(1, chat_id=1) == ["echo: made it"]
    assert [f.hits for f in server.faults] == [2, 1]


async def test_polling_survives_faults_and_slow_answers(server: FakeTelegramServer, bot):
    server.fault("status", "getUpdates", status=502)
    server.fault("drop", "getUpdates")
    server.fault("slow", "sendMessage", delay=0.5)
    server.text("still here?", user_id=1)
    assert await server.wait_for_texts(1, chat_id=1, timeout=15) == ["echo: still here?"]
    assert [f.hits for f in server.faults] == [1, 1, 1]


async def test_redelivered_update_is_not_answered_twice(server: FakeTelegramServer, bot):
    update = server.text("only once", user_id=1)
    await server.wait_for_texts(1, chat_id=1)
    server.redeliver(update)
    server.text("next", user_id=1)
    await server.wait_for_texts(2, chat_id=1)
    await asyncio.sleep(0.3)
    assert server.texts(1) == ["echo: only once", "echo: next"]


async def test_restart_answers_what_was_received_but_not_answered(
    server: FakeTelegramServer, start_bot
):
    """Stop while replies are in flight and the grace period is too short: nothing that
    Telegram was told about is lost, nothing is answered twice after the restart."""
    first = await start_bot(shutdown_grace=0)
    ids = [server.text(f"slow 1 n{i}", user_id=i)["update_id"] for i in range(1, 6)]
    await server.wait_for(lambda: server.confirmed_offset > max(ids) or None)
    await asyncio.sleep(0.1)
    await first.stop()
    assert server.sent == []  # all five were confirmed to Telegram, none answered
    await start_bot()
    await server.wait_for(lambda: len(server.sent) >= 5)
    await asyncio.sleep(0.3)
    assert Counter(m["text"] for m in server.sent) == {f"echo: n{i}": 1 for i in range(1, 6)}


async def test_webhook_checks_the_secret_token(server: FakeTelegramServer, start_bot):
    port = free_port()
    hook = {"port": port, "path": "hook", "secret_token": "${TG_HOOK}"}
    bot = await start_bot(mode="webhook", webhook=hook)
    assert server.webhook["url"] == f"http://127.0.0.1:{port}/hook"
    assert server.webhook["secret_token"] == "hook-Secret_for-the-tests"
    stranger = server.message("from a forger", user_id=1)
    assert await server.deliver({"update_id": 1, "message": stranger}, secret_token=None) == 403
    assert await server.deliver({"update_id": 2, "message": stranger}, "wrong") == 403
    genuine = server.message("hello hook", user_id=1)
    assert await server.deliver({"update_id": 3, "message": genuine}) == 200
    assert await server.wait_for_texts(1, chat_id=1) == ["echo: hello hook"]
    await asyncio.sleep(0.2)
    assert server.texts(1) == ["echo: hello hook"]
    assert list(bot.frontend.inbox.outcomes()) == [3]  # the forged ones were never stored
    assert server.calls_of("getUpdates") == []
