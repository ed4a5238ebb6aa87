"""The fake Bot API server itself, as plugin authors use it (through a plain HTTP client)."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from chatcore.testing.telegram_server import FakeTelegramServer

from .conftest import TOKEN


async def call(server: FakeTelegramServer, method: str, token: str = TOKEN, **params):
    async with aiohttp.ClientSession() as session:
        url = f"{server.api_base_url}/bot{token}/{method}"
        async with session.post(url, json=params) as resp:
            return resp.status, await resp.json()


async def test_get_updates_offsets_and_long_polling(server: FakeTelegramServer):
    first = server.text("one")
    status, body = await call(server, "getUpdates")
    assert status == 200 and [u["update_id"] for u in body["result"]] == [first["update_id"]]
    status, body = await call(server, "getUpdates", offset=first["update_id"] + 1)
    assert body["result"] == [] and server.confirmed_offset == first["update_id"] + 1
    started = time.monotonic()
    poll = asyncio.create_task(call(server, "getUpdates", timeout=5, offset=first["update_id"] + 1))
    await asyncio.sleep(0.2)
    second = server.text("two")
    _, body = await poll
    assert [u["message"]["text"] for u in body["result"]] == ["two"]
    assert body["result"][0]["update_id"] == second["update_id"]
    assert time.monotonic() - started < 4  # woke up on the new update, not the timeout


async def test_wrong_token_unknown_method_and_webhook_conflict(server: FakeTelegramServer):
    assert (await call(server, "getMe", token="1:wrong"))[0] == 401
    assert (await call(server, "noSuchMethod"))[0] == 404
    _, body = await call(server, "getMe")
    assert body["result"]["username"] == "chatcore_test_bot"
    await call(server, "setWebhook", url="http://127.0.0.1:1/x", secret_token="s")
    assert (await call(server, "getUpdates"))[0] == 409
    assert (await call(server, "getWebhookInfo"))[1]["result"]["url"] == "http://127.0.0.1:1/x"
    await call(server, "deleteWebhook")
    assert (await call(server, "getUpdates"))[0] == 200


async def test_faults_hit_only_their_target(server: FakeTelegramServer):
    limit = server.fault("retry_after", "sendMessage", chat_id=5, retry_after=7)
    status, body = await call(server, "sendMessage", chat_id=6, text="fine")
    assert status == 200 and body["result"]["text"] == "fine"
    status, body = await call(server, "sendMessage", chat_id=5, text="limited")
    assert status == 429 and body["parameters"] == {"retry_after": 7}
    assert limit.hits == 1 and server.texts() == ["fine"]
    assert (await call(server, "sendMessage", chat_id=5, text="again"))[0] == 200  # times=1
    server.fault("status", "getMe", status=503)
    assert (await call(server, "getMe"))[0] == 503
    server.fault("drop", "getMe")
    try:
        await call(server, "getMe")
        raise AssertionError("the connection should have been dropped")
    except aiohttp.ClientError:
        pass


async def test_entities_for_commands_and_mentions(server: FakeTelegramServer):
    update = server.text("/help@chatcore_test_bot 😀 @someone")
    entities = update["message"]["entities"]
    assert entities[0] == {"type": "bot_command", "offset": 0, "length": 23}
    assert entities[1] == {"type": "mention", "offset": 27, "length": 8}  # emoji = 2 units
