"""The engine's message path on arbitrary input (issue #17 item 1): any Unicode, control
characters, long texts and command-like lines get a reply of a known kind, fast, and the turn
is stored; nothing raises, nothing hangs. Default pipeline: lexicon and pii filters both ways,
the fallback responder, a real SQLite store."""

from __future__ import annotations

import asyncio
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatcore.testing import ChatHarness, make_runtime

KINDS = {"answer", "command", "refusal", "limited", "error"}
TEXTS = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=2000),
    st.from_regex(r"/[a-z]{1,8}( .{0,40})?", fullmatch=True),
    st.builds(
        lambda unit, n: unit * n,
        st.sampled_from(["a1", "@", "1 ", ".", "\x1b[", "你"]),
        st.integers(1, 3000),
    ),
)


@pytest.fixture(scope="module")
def engine_loop(tmp_path_factory):
    loop = asyncio.new_event_loop()
    runtime = make_runtime(
        {
            "data_dir": str(tmp_path_factory.mktemp("fuzz")),
            "responders": ["fallback"],
            "store": "sqlite",
            "engine": {"rate_limit": {"messages": 10**9}, "max_message_chars": 4000},
        }
    )
    engine = runtime.build_engine()
    loop.run_until_complete(engine.start())
    yield engine, loop
    loop.run_until_complete(engine.stop())
    loop.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS)
def test_any_message_gets_a_reply_quickly(engine_loop, text):
    engine, loop = engine_loop
    chat = ChatHarness(engine, chat_id="fuzz", user_id="fuzzer")
    started = time.perf_counter()
    reply = loop.run_until_complete(chat.say(text))
    assert time.perf_counter() - started < 2.0
    assert reply.kind in KINDS and reply.kind != "error", reply
    assert isinstance(reply.text, str)
