"""Replies pushed unasked (``engine.push("repl:<chat id>", reply)``, as the handoff plugin relays
a person's answer) reach the terminal while the REPL runs: above the prompt, the line being
typed kept; silent ones show nothing; other chats and a stopped REPL are ``Unreachable``."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path

import pexpect
import pytest

from chatcore.builtin.repl.frontend import ReplFrontend, as_future
from chatcore.builtin.repl.local import LocalCommands
from chatcore.builtin.repl.outlet import ReplOutlet, outlet_open
from chatcore.builtin.repl.piped import run_piped
from chatcore.builtin.repl.testing import LiveRepl, live_repl
from chatcore.errors import Unreachable
from chatcore.types import Reply
from tests.repl.conftest import runtime_for
from tests.repl.helpers.choices_plugin import LATER_ACK
from tests.repl.test_e2e import CHATCORE, PROMPT, env_for, finish

CTRL_D = "\x04"
PERSON = "hello from a person"
CONFIG = """\
plugins: {modules: [repl_test_plugin, choices_plugin]}
responders: [parrot]
filters: {input: [nobad], output: []}
"""


async def push_when_open(engine, chat_key: str, reply: Reply, timeout: float = 5.0) -> Reply:
    """Push once the REPL has opened its outlet (it does as soon as it runs)."""
    async with asyncio.timeout(timeout):
        while True:
            try:
                return await engine.push(chat_key, reply)
            except Unreachable:
                await asyncio.sleep(0.01)


async def test_a_pushed_reply_shows_while_the_prompt_waits(tmp_path):
    async with live_repl(runtime_for(tmp_path)) as repl:
        await repl.shows("parrot-test")  # the prompt is up
        repl.type("hel")  # half a line typed when the person answers
        sent = await push_when_open(repl.engine, repl.chat_key, Reply(PERSON, kind="operator"))
        await repl.shows(PERSON)
        repl.type("lo\r")
        await repl.shows("Hello! I am the test bot.")
        repl.type(CTRL_D)
    assert sent.text == PERSON
    assert f"bot> {PERSON}" in repl.screen.styled("class:reply")
    text = repl.screen.text
    assert text.index(f"bot> {PERSON}\n") < text.index("bot> Hello! I am the test bot.\n")


async def test_a_pushed_silent_reply_prints_nothing(tmp_path):
    async with live_repl(runtime_for(tmp_path)) as repl:
        await repl.shows("parrot-test")
        before = repl.screen.text
        await push_when_open(repl.engine, repl.chat_key, Reply("", kind="muted"))
        await repl.engine.push(repl.chat_key, Reply("  \n "))
        await asyncio.sleep(0.1)
        assert repl.screen.text == before
        repl.type("hello\r")
        await repl.shows("Hello! I am the test bot.")
        repl.type(CTRL_D)
    assert repl.screen.text.count("bot>") == 1


async def test_a_pushed_reply_with_choices_can_be_picked(tmp_path):
    async with live_repl(runtime_for(tmp_path, responder="guesser")) as repl:
        await repl.shows("guesser-test")
        offer = Reply("A person asks: did you mean", choices=("what can you do",))
        await push_when_open(repl.engine, repl.chat_key, offer)
        await repl.shows("1. what can you do")
        repl.type("1\r")
        await repl.shows("I answer three questions.")
        repl.type(CTRL_D)
    assert "→ what can you do" in repl.screen.styled("class:meta")


async def test_only_this_chat_and_only_while_the_repl_runs(tmp_path):
    repl: LiveRepl
    async with live_repl(runtime_for(tmp_path)) as repl:
        await push_when_open(repl.engine, repl.chat_key, Reply("first"))
        with pytest.raises(Unreachable, match="not the one on this terminal"):
            await repl.engine.push("repl:somebody-else", Reply("not for you"))
        repl.type(CTRL_D)
        await asyncio.wait_for(_ended(repl), 10)
        with pytest.raises(Unreachable, match="no 'repl' frontend"):
            await repl.engine.push(repl.chat_key, Reply("too late"))
    assert "not for you" not in repl.screen.text and "too late" not in repl.screen.text


async def _ended(repl: LiveRepl) -> None:
    while "Bye." not in repl.screen.text:
        await asyncio.sleep(0.01)


async def test_the_outlet_opens_when_the_engine_is_built_and_closes_after(tmp_path):
    shown: list[str] = []
    outlet = ReplOutlet("me", lambda reply: shown.append(reply.text))
    async with runtime_for(tmp_path).build_engine() as engine:
        building, failed = asyncio.get_running_loop().create_future(), asyncio.Future()
        with outlet_open(failed, "repl", outlet):
            failed.set_exception(RuntimeError("no model"))  # never opened, no error
            await asyncio.sleep(0)
            with pytest.raises(Unreachable):
                await engine.push("repl:me", Reply("to a failed build"))
        with outlet_open(building, "repl", outlet):
            with pytest.raises(Unreachable):
                await engine.push("repl:me", Reply("while building"))
            building.set_result(engine)
            await asyncio.sleep(0)
            await engine.push("repl:me", Reply("once built"))
        with pytest.raises(Unreachable):
            await engine.push("repl:me", Reply("after"))
    assert shown == ["once built"]


async def test_piped_chat_prints_pushed_replies(tmp_path):
    runtime = runtime_for(tmp_path)
    frontend = ReplFrontend(runtime.settings_for("repl"), runtime, interactive=False)
    out = io.StringIO()
    read_fd, write_fd = os.pipe()
    async with runtime.build_engine() as engine:
        local = LocalCommands(as_future(engine), frontend.chat_key)
        with open(read_fd, "rb", buffering=0) as stream:
            chat = asyncio.ensure_future(run_piped(frontend, engine, local, stream, out))
            os.write(write_fd, b"hello\n")
            await push_when_open(engine, frontend.chat_key, Reply(PERSON, kind="operator"))
            await engine.push(frontend.chat_key, Reply("", kind="muted"))
            os.write(write_fd, "你好\n".encode())
            os.close(write_fd)
            await asyncio.wait_for(chat, 10)
        with pytest.raises(Unreachable):
            await engine.push(frontend.chat_key, Reply("after the input ended"))
    lines = out.getvalue().splitlines()
    assert sorted(lines) == sorted(["Hello! I am the test bot.", PERSON, "你好！我是测试机器人。"])
    assert lines[-1] == "你好！我是测试机器人。"


def test_a_pushed_reply_prints_above_the_prompt_in_a_terminal(tmp_path: Path):
    (tmp_path / "person.yaml").write_text(CONFIG, encoding="utf-8")
    child = pexpect.spawn(
        CHATCORE,
        ["chat", "--config", str(tmp_path / "person.yaml")],
        env=env_for(tmp_path),
        cwd=str(tmp_path),
        encoding="utf-8",
        timeout=15,
        dimensions=(24, 80),
    )
    child.expect_exact(PROMPT)
    child.sendline(f"/later 1.0 {PERSON}")
    child.expect_exact(LATER_ACK)
    child.expect_exact(PROMPT)
    child.send("half typed")
    child.expect_exact(f"bot> {PERSON}")
    # the prompt and the unfinished line are drawn again below the pushed reply
    child.expect_exact(PROMPT)
    child.expect_exact("half typed")
    child.send(" line\r")
    child.expect_exact("bot> echo: half typed line")
    child.expect_exact(PROMPT)
    child.sendline("/later 0.5 pushed while thinking")
    child.expect_exact(LATER_ACK)
    child.expect_exact(PROMPT)
    child.sendline("slow 1.5 done")
    child.expect_exact("thinking…")
    child.expect_exact("bot> pushed while thinking")
    line = child.before.rsplit("\r", 1)[-1]
    assert line.startswith("\x1b[K") and "thinking" not in line, line  # over the spinner
    child.expect_exact("bot> echo: done")
    child.expect_exact(PROMPT)
    child.sendline("hello")
    child.expect_exact("bot> Hello! I am the test bot.")
    child.expect_exact(PROMPT)
    child.sendcontrol("d")
    assert finish(child) == 0
    assert "Traceback" not in child.before
