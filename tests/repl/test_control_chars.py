"""Issue #17 rows 4 and 14: control characters in answers, stored texts and typed keys.

An answer (from training data, here the ``hostile`` test responder) or a chat user's text that
holds escape sequences must reach the operator's terminal shown, never obeyed: piped and
interactive chat, ``ask``, ``plugins``, ``/save``; and text typed at the prompt that parses as a
mouse report must not stop the prompt with "Unhandled exception in event loop".
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pexpect
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from chatcore.builtin.repl.local import transcript_markdown
from chatcore.builtin.repl.render import meta_line, reply_fragments, reply_plain
from chatcore.builtin.repl.testing import drive_repl
from chatcore.cli import build_cli
from chatcore.plugins import PluginInfo
from chatcore.terminal_text import json_text, printable
from chatcore.testing import make_runtime
from chatcore.types import Reply
from tests.repl.conftest import runtime_for
from tests.repl.helpers import hostile_plugin
from tests.repl.helpers.hostile_plugin import ANSWER, MODEL_NAME, READ_AS, SOURCE
from tests.repl.test_e2e import CHATCORE, PROMPT, env_for, finish

# Written out here rather than imported, so the tests do not trust the module they test: C0
# but newline and tab, DEL, C1, the bidi embeddings/overrides/isolates, U+2028/9, surrogates.
RAW = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
SHOWN_ANSWER = r"title\x1b]0;pwned\x07 clear\x1b[2J red\x9b31m flip\u202egalf"
HOSTILE_CONFIG = """\
plugins: {modules: [hostile_plugin]}
responders: [hostile]
filters: {input: [], output: []}
repl: {chat_id: operator}
"""
CTRL_D = "\x04"
ANY_CHAR = st.characters(codec=None, exclude_categories=())  # surrogates and controls too
SAFE_CHAR = st.one_of(
    st.characters(
        exclude_categories=("Cc", "Cs", "Zl", "Zp"),
        exclude_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
    ),
    st.sampled_from("\n\t"),
)


def assert_no_raw(text: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in RAW.findall(text)})
    assert not found, f"raw control characters {found} in {text!r}"


def unescape(shown: str) -> str:
    """What ``printable`` replaced, put back (valid for text without backslashes)."""

    def back(match: re.Match[str]) -> str:
        code = match.group(1)
        return "\r" if code == "r" else chr(int(code[1:], 16))

    return re.sub(r"\\(r|x[0-9a-f]{2}|u[0-9a-f]{4})", back, shown)


# printable() and json_text(): the one output rule


@given(st.text(alphabet=ANY_CHAR))
def test_printable_leaves_no_control_character_and_is_idempotent(text):
    shown = printable(text)
    assert_no_raw(shown)
    assert printable(shown) == shown
    shown.encode("utf-8")  # lone surrogates too: printing never fails


@given(st.text(alphabet=ANY_CHAR.filter(lambda c: c != "\\")))
def test_printable_is_reversible_for_text_without_backslashes(text):
    assert unescape(printable(text)) == text


@given(st.text(alphabet=SAFE_CHAR))
def test_text_without_control_characters_is_unchanged(text):
    assert printable(text) == text


def test_printable_shows_escapes_as_repr_does():
    assert printable("a\x1b]0;t\x07\r\n\tb\x9b\x7f\u202e\u2028\ud800") == (
        "a\\x1b]0;t\\x07\\r\n\tb\\x9b\\x7f\\u202e\\u2028\\ud800"
    )
    assert printable("你好 👋 right-to-left mark\u200f") == "你好 👋 right-to-left mark\u200f"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet=ANY_CHAR),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(alphabet=ANY_CHAR), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(JSON_VALUES, st.sampled_from([None, 2]))
def test_json_text_is_exact_json_with_no_raw_control_character(value, indent):
    text = json_text(value, indent=indent)
    assert_no_raw(text)
    text.encode("utf-8")
    assert json.loads(text) == value


def test_json_text_keeps_other_text_readable():
    assert json_text({"t": "你好\x9b"}) == '{"t": "你好\\u009b"}'


# how the REPL renders replies


def test_replies_and_their_markers_are_shown_escaped():
    reply = Reply(ANSWER, confidence=0.5, source=SOURCE, read_as=READ_AS)
    plain = reply_plain(reply, verbose=True)
    styled = "".join(text for _, text in reply_fragments(reply, "bot> ", verbose=True))
    for shown in (plain, styled, meta_line(reply)):
        assert_no_raw(shown)
    assert plain.splitlines()[0] == SHOWN_ANSWER
    assert r"source hostile\x9b31m, in context, read as: read\x1b[2Jas" in plain


def test_only_a_newline_starts_a_new_reply_line():
    reply = Reply("one\rtwo\u2028three\x0cfour\x85five\nsix")
    assert reply_plain(reply, verbose=False) == "one\\rtwo\\u2028three\\x0cfour\\x85five\nsix"
    styled = "".join(text for _, text in reply_fragments(reply, "bot> ", verbose=False))
    assert styled == "bot> one\\rtwo\\u2028three\\x0cfour\\x85five\n     six\n"


# the REPL, piped and interactive


@pytest.fixture
def hostile_home(tmp_path: Path) -> Path:
    (tmp_path / "hostile.yaml").write_text(HOSTILE_CONFIG, encoding="utf-8")
    return tmp_path


def run_chatcore(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    result = subprocess.run(
        [CHATCORE, *args, "--config", str(home / "hostile.yaml")],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        env=env_for(home),
        cwd=home,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_piped_chat_and_then_history_show_escapes(hostile_home):
    typed = "hello \x1b]2;typed\x07 there"
    chat = run_chatcore(hostile_home, "chat", stdin=f"/verbose on\n{typed}\n/history 5\n")
    assert_no_raw(chat.stdout)
    assert SHOWN_ANSWER in chat.stdout
    assert r"you said: hello \x1b]2;typed\x07 there" in chat.stdout
    assert r"(confidence 0.80, source hostile\x9b31m, in context, read as: read\x1b[2Jas)" in (
        chat.stdout
    )
    assert r"hello \x1b]2;typed\x07 there" in chat.stdout.split("you said")[-1]  # /history

    shown = run_chatcore(hostile_home, "history", "--chat", "repl:operator").stdout
    assert_no_raw(shown)
    assert SHOWN_ANSWER in shown and r"hello \x1b]2;typed\x07 there" in shown
    raw_json = run_chatcore(hostile_home, "history", "--chat", "operator", "--json").stdout
    assert_no_raw(raw_json)
    turns = json.loads(raw_json)
    assert turns[0]["user_text"] == typed  # the store and the JSON keep the exact text
    assert turns[0]["reply_text"] == f"{ANSWER}\nyou said: {typed}"


def test_ask_prints_the_answer_escaped_and_its_json_escaped(hostile_home):
    text = run_chatcore(hostile_home, "ask", "hi").stdout
    assert_no_raw(text)
    assert text.startswith(SHOWN_ANSWER + "\n")
    as_json = run_chatcore(hostile_home, "ask", "hi", "--json").stdout
    assert_no_raw(as_json)
    assert json.loads(as_json)["text"] == f"{ANSWER}\nyou said: hi"
    lines = run_chatcore(hostile_home, "ask", "-", stdin="hi\n\x9bthere\n").stdout
    assert_no_raw(lines)
    assert [json.loads(line)["source"] for line in lines.splitlines()] == [SOURCE, SOURCE]


def test_plugin_strings_are_shown_escaped(tmp_path, monkeypatch):
    info = PluginInfo(
        name="evil\x1b[2J",
        module="evil_plugin",
        distribution="evil\x9b31m",
        version="1.0\x1b]0;pwned\x07",
        hooks=["chatcore_register_responders"],
        components=["responder:x\u202e"],
    )
    monkeypatch.setattr("chatcore.plugins.describe_plugins", lambda *args: [info])
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(build_cli(), ["plugins"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert_no_raw(result.output)
    assert r"evil\x1b[2J (evil\x9b31m 1.0\x1b]0;pwned\x07) [evil_plugin]" in result.output
    as_json = CliRunner().invoke(build_cli(), ["plugins", "--json"]).output
    assert_no_raw(as_json)
    assert json.loads(as_json)[0]["name"] == "evil\x1b[2J"


def hostile_runtime(tmp_path: Path):
    raw = {
        "data_dir": str(tmp_path),
        "responders": ["hostile"],
        "filters": {"input": [], "output": []},
        "store": "memory",
    }
    return make_runtime(raw, plugins=[("hostile_plugin", hostile_plugin)])


async def test_the_interactive_prompt_and_save_show_escapes(tmp_path):
    saved = tmp_path / "chat.md"
    keys = f"/verbose on\rhi\r/save {saved}\r" + CTRL_D
    screen = await drive_repl(hostile_runtime(tmp_path), keys)
    assert_no_raw(screen.text)
    assert f"bot> {SHOWN_ANSWER}" in screen.styled("class:reply")
    assert r"read as: read\x1b[2Jas" in screen.styled("class:meta")
    assert printable(MODEL_NAME) in screen.styled("class:banner")
    transcript = saved.read_text(encoding="utf-8")
    assert_no_raw(transcript)
    assert f"> {SHOWN_ANSWER}" in transcript


def test_a_saved_transcript_shows_escapes():
    from chatcore.store import Turn

    text = transcript_markdown([Turn("repl:x", "me", "a\x1b[2Jb", "c\x9bd\u2028e")])
    assert_no_raw(text)
    assert "> a\\x1b[2Jb" in text and "> c\\x9bd\\u2028e" in text


# row 14: typed text that parses as a mouse report


async def test_typed_text_that_looks_like_a_mouse_report_is_ignored(tmp_path, capsys):
    # ESC [ M and three characters: a mouse report to prompt_toolkit, whose handler raised
    # KeyError on characters no terminal reports ("Unhandled exception in event loop")
    keys = ["ab", "\x1b[Mxyz", "c\r", "hello\r", CTRL_D]
    screen = await drive_repl(runtime_for(tmp_path), keys, pause=0.3)
    out = capsys.readouterr()
    assert "Unhandled exception" not in out.out + out.err
    assert "bot> echo: abc\n" in screen.text
    assert "bot> Hello! I am the test bot." in screen.styled("class:reply")


def test_in_a_terminal_escapes_are_shown_and_typed_escapes_do_not_break_the_prompt(
    hostile_home,
):
    child = pexpect.spawn(
        CHATCORE,
        ["chat", "--config", str(hostile_home / "hostile.yaml")],
        env=env_for(hostile_home),
        cwd=str(hostile_home),
        encoding="utf-8",
        codec_errors="surrogateescape",
        timeout=15,
        dimensions=(24, 100),
    )
    child.expect(PROMPT)
    child.sendline("quiet")
    child.expect("bot> a plain answer")
    child.expect(PROMPT)
    child.send("\x1b[Mxyz")  # row 14
    child.send("\x1b[96;14;13M")  # the urxvt form of a mouse report
    child.sendline("then more")
    child.expect(re.escape(r"red\x9b31m"))
    child.expect(re.escape("you said: then more"))
    child.expect(PROMPT)
    seen = child.before
    child.sendline("/quit")
    assert finish(child) == 0
    output = seen + child.before
    assert "Unhandled exception" not in output and "Press ENTER" not in output
    assert not {"\x07", "\x9b", "\u202e"} & set(output)
