""" "Did you mean ...?" choices in the REPL: numbered under the reply, picked by their number
right after it (at the prompt, piped, and in a real terminal); any other input, or a number
with no choices shown, is sent as typed."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path

import pytest

from chatcore.builtin.repl.choices import Choices
from chatcore.builtin.repl.frontend import ReplFrontend, as_future
from chatcore.builtin.repl.local import LocalCommands
from chatcore.builtin.repl.piped import run_piped
from chatcore.builtin.repl.render import reply_fragments, reply_plain, width
from chatcore.builtin.repl.testing import drive_repl, live_repl
from chatcore.types import Reply
from tests.repl.conftest import runtime_for
from tests.repl.helpers.choices_plugin import KNOWN
from tests.repl.test_control_chars import assert_no_raw
from tests.repl.test_e2e import PROMPT, finish, spawn
from tests.repl.test_e2e import run_piped as run_chatcore_piped

CTRL_D = "\x04"
CHOICES = tuple(KNOWN)  # what is your name, what can you do, 你叫什么名字
DID_YOU_MEAN = "I'm not sure I understood. Did you mean one of these?"
LISTED = "       1. what is your name\n       2. what can you do\n       3. 你叫什么名字"
CONFIG = """\
plugins: {modules: [repl_test_plugin, choices_plugin]}
responders: [guesser]
filters: {input: [], output: []}
"""


def shown(fragments: list[tuple[str, str]]) -> str:
    return "".join(text for _, text in fragments)


# rendering


def test_choices_are_numbered_under_the_reply_in_its_style():
    reply = Reply("Did you mean?", choices=CHOICES)
    assert reply_fragments(reply, "bot> ", verbose=False) == [
        ("class:reply", "bot> Did you mean?"),
        ("", "\n"),
        ("class:reply", LISTED),
        ("", "\n"),
    ]
    assert reply_plain(reply, verbose=False).splitlines() == [
        "Did you mean?",
        "  1. what is your name",
        "  2. what can you do",
        "  3. 你叫什么名字",
    ]


def test_verbose_markers_follow_the_choices():
    reply = Reply("Did you mean?", confidence=0.1, fallback=True, source="qa", choices=("a",))
    assert shown(reply_fragments(reply, "bot> ", verbose=True)).splitlines() == [
        "bot> Did you mean?",
        "       1. a",
        "     (confidence 0.10, fallback, source qa)",
    ]
    assert reply_plain(reply, verbose=True).splitlines()[1:] == [
        "  1. a",
        "(confidence 0.10, fallback, source qa)",
    ]


def test_a_wide_prefix_indents_by_its_columns():
    assert width("机器人> ") == 8 and width("bot> ") == 5 and width("e\u0301") == 1
    reply = Reply("你是想问\n下面这些吗？", choices=("你叫什么名字",))
    assert shown(reply_fragments(reply, "机器人> ", verbose=False)).splitlines() == [
        "机器人> 你是想问",
        "        下面这些吗？",
        "          1. 你叫什么名字",
    ]


def test_numbers_line_up_past_nine():
    lines = reply_plain(Reply("?", choices=tuple(f"q{n}" for n in range(1, 11))), False)
    assert lines.splitlines()[9:] == ["   9. q9", "  10. q10"]


def test_a_choice_is_one_line_with_escapes_shown():
    reply = Reply("?", choices=("a\x1b[2Jb\nc\u202ed",))
    plain = reply_plain(reply, verbose=False)
    assert_no_raw(plain)
    assert plain.splitlines()[1] == "  1. a\\x1b[2Jb c\\u202ed"


# picking


def test_a_number_picks_only_right_after_choices():
    choices = Choices()
    assert choices.pick("1") is None  # none shown: "1" is a message
    choices.offer(Reply("?", choices=CHOICES))
    assert choices.pick("2") == "what can you do"
    assert choices.pick(" 3 ") == "你叫什么名字"
    assert choices.pick("２") == "what can you do"  # full-width, from a CJK input method
    assert choices.pick("02") == "what can you do"
    for text in ("0", "4", "-1", "2.", "2 please", "", "9" * 5000):
        assert choices.pick(text) is None, text
    choices.offer(Reply("an answer"))
    assert choices.pick("2") is None
    choices.offer(Reply("?", choices=CHOICES))
    choices.offer(None)  # the reply was dropped (Ctrl-C)
    assert choices.pick("2") is None


# at the prompt (real prompt_toolkit input)


async def test_the_second_choice_is_sent_by_typing_2(tmp_path):
    runtime = runtime_for(tmp_path, responder="guesser")
    async with live_repl(runtime) as repl:
        repl.type("tell me a joke\r")
        await repl.shows("3. 你叫什么名字")
        repl.type("2\r")
        await repl.shows("I answer three questions.")
        repl.type("2\r")  # no choices shown now: "2" is the message
        await repl.shows("got the number 2")
        repl.type(CTRL_D)
        turns = await repl.engine.store.recent_turns(repl.chat_key, 10)
    screen = repl.screen
    assert f"bot> {DID_YOU_MEAN}" in screen.styled("class:reply")
    assert LISTED in screen.styled("class:reply")
    assert screen.styled("class:meta") == "     → what can you do\n"
    assert "bot> I answer three questions.\n" in screen.text
    assert [t.user_text for t in turns] == ["tell me a joke", "what can you do", "2"]


async def test_other_input_after_choices_is_sent_as_typed(tmp_path):
    keys = ["huh\r", "7\r", "huh\r", "what is your name\r", "huh\r", "３\r", CTRL_D]
    screen = await drive_repl(runtime_for(tmp_path, responder="guesser"), keys, pause=0.2)
    assert "got the number 7" in screen.text  # out of range
    assert "I am the guessing test bot." in screen.text
    assert "→ 你叫什么名字" in screen.styled("class:meta")  # a full-width ３
    assert "我是猜测机器人。" in screen.text
    assert screen.text.count("→") == 1


async def test_repl_commands_keep_the_choices_but_clear_spends_them(tmp_path):
    keys = ["huh\r", "/verbose on\r", "1\r", "huh\r", "/clear\r", "1\r", CTRL_D]
    screen = await drive_repl(runtime_for(tmp_path, responder="guesser"), keys, pause=0.2)
    assert "→ what is your name" in screen.styled("class:meta")
    assert "I am the guessing test bot." in screen.text
    assert "(confidence 0.90, source guesser)" in screen.styled("class:meta")
    assert "got the number 1" in screen.text  # the list was cleared off the screen


# piped (a real pipe)


async def test_piped_choices_and_a_number_on_the_next_line(tmp_path):
    runtime = runtime_for(tmp_path, responder="guesser")
    frontend = ReplFrontend(runtime.settings_for("repl"), runtime, interactive=False)
    out = io.StringIO()
    read_fd, write_fd = os.pipe()
    os.write(write_fd, "tell me a joke\n2\n2\nhuh\n３\n".encode())
    os.close(write_fd)
    async with runtime.build_engine() as engine:
        local = LocalCommands(as_future(engine), frontend.chat_key)
        with open(read_fd, "rb", buffering=0) as stream:
            await asyncio.wait_for(run_piped(frontend, engine, local, stream, out), 10)
    listed = ["  1. what is your name", "  2. what can you do", "  3. 你叫什么名字"]
    assert out.getvalue().splitlines() == [
        DID_YOU_MEAN,
        *listed,
        "→ what can you do",
        "I answer three questions.",
        "got the number 2",
        DID_YOU_MEAN,
        *listed,
        "→ 你叫什么名字",
        "我是猜测机器人。",
    ]


# chatcore chat as a real process


def test_choices_in_a_terminal(tmp_path: Path):
    (tmp_path / "guess.yaml").write_text(CONFIG, encoding="utf-8")
    child = spawn(tmp_path, config="guess.yaml")
    child.expect_exact(PROMPT)
    child.sendline("tell me a joke")
    child.expect_exact(f"bot> {DID_YOU_MEAN}")
    child.expect_exact("1. what is your name")
    child.expect_exact("2. what can you do")
    child.expect_exact("3. 你叫什么名字")
    child.expect_exact(PROMPT)
    child.sendline("2")
    child.expect_exact("→ what can you do")
    child.expect_exact("bot> I answer three questions.")
    child.expect_exact(PROMPT)
    child.sendline("2")
    child.expect_exact("bot> got the number 2")
    child.expect_exact(PROMPT)
    child.sendcontrol("d")
    assert finish(child) == 0


def test_choices_piped_into_chatcore_chat(tmp_path: Path):
    (tmp_path / "guess.yaml").write_text(CONFIG, encoding="utf-8")
    result = run_chatcore_piped(tmp_path, "tell me a joke\n3\n3\n", config="guess.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        DID_YOU_MEAN,
        "  1. what is your name",
        "  2. what can you do",
        "  3. 你叫什么名字",
        "→ 你叫什么名字",
        "我是猜测机器人。",
        "got the number 3",
    ]


@pytest.mark.parametrize("no_color", ["", "1"], ids=["colors", "NO_COLOR"])
def test_choices_take_the_reply_colour_or_none(tmp_path: Path, monkeypatch, no_color):
    monkeypatch.setenv("NO_COLOR", no_color)
    (tmp_path / "guess.yaml").write_text(CONFIG, encoding="utf-8")
    child = spawn(tmp_path, config="guess.yaml")
    child.expect_exact(PROMPT)
    child.sendline("tell me a joke")
    child.expect_exact("3. 你叫什么名字")
    seen = child.before
    child.expect_exact(PROMPT)
    child.sendcontrol("d")
    assert finish(child) == 0
    cyan = "\x1b[0;36m"  # repl.colors.reply, "ansicyan"
    assert (cyan + "       1. what is your name" in seen) is not bool(no_color), repr(seen)
    assert (cyan in seen) is not bool(no_color)
