"""Teaching from the operator console: the running bot answers what was taught."""

from __future__ import annotations

import asyncio
import time

import aiohttp
from aiohttp.test_utils import TestServer

from chatcore.testing import ChatHarness, make_runtime

from .conftest import PASSWORD, Site


async def test_without_a_qa_model_there_is_nothing_to_teach_and_teaching_needs_csrf(site):
    await site.login()
    teach = site.url("/admin/api/teach")
    body = {"question": "q", "answer": "a"}
    assert (await site.session.post(teach, json=body)).status == 403  # no CSRF token
    answer = await site.session.post(teach, json=body, headers={"X-CSRF-Token": await site.csrf()})
    assert answer.status == 404 and "nothing to teach" in (await answer.json())["error"]


async def test_the_console_teaches_a_running_bot(tmp_path, tiny_model_dir):
    config = {
        "data_dir": str(tmp_path / "data"),
        "store": "sqlite",
        "responders": ["qa"],
        "filters": {"input": [], "output": ["lexicon"]},
        "qa": {"model_dir": str(tiny_model_dir), "taught": {"poll_seconds": 0.2}},
        "web": {"port": 0, "admin_password": "${ADMIN_PASSWORD}"},
    }
    runtime = make_runtime(config, environ={"ADMIN_PASSWORD": PASSWORD})
    engine = runtime.build_engine()
    await engine.start()
    server = TestServer(runtime.build_frontend("web").app(engine), host="127.0.0.1")
    await server.start_server()
    site = Site(
        server, aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)), None, engine
    )
    try:
        await site.login()
        headers = {"X-CSRF-Token": await site.csrf()}
        teach = site.url("/admin/api/teach")
        refused = await site.session.post(
            teach, json={"question": "insult me", "answer": "you fucking idiot"}, headers=headers
        )
        assert (
            refused.status == 422
            and "lexicon filter would block" in (await refused.json())["error"]
        )
        taught = await site.session.post(
            teach,
            json={"question": "when does the shop open", "answer": "At nine."},
            headers=headers,
        )
        assert taught.status == 200 and (await taught.json())["target"].startswith("taught:")
        chat = ChatHarness(engine)
        deadline = time.monotonic() + 5
        while (reply := await chat.say("when does the shop open?")).source != "taught":
            assert time.monotonic() < deadline, reply
            await asyncio.sleep(0.1)
        assert reply.text == "At nine."
    finally:
        await site.session.close()
        await server.close()
        await engine.stop()
