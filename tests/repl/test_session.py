"""The interactive loop through a real prompt_toolkit pipe input: keys in, fragments out."""

from __future__ import annotations

import stat

import pytest

from chatcore.errors import ConfigError

CTRL_D, CTRL_C, CTRL_R, ESC = "\x04", "\x03", "\x12", "\x1b"
UP, RIGHT = "\x1b[A", "\x1b[C"


async def test_answers_refusals_and_banner(repl_drive, tmp_path):
    screen = await repl_drive("hello\r你好\rbadword!\r" + CTRL_D)
    replies = screen.styled("class:reply")
    assert "bot> Hello! I am the test bot." in replies
    assert "bot> 你好！我是测试机器人。" in replies
    assert "bot> [refused] Sorry, I can't respond" in screen.styled("class:refusal")
    banner = screen.styled("class:banner")
    assert "parrot-test" in banner and "en, zh" in banner
    assert str(tmp_path / "repl" / "history") in banner
    assert "/help" in banner and "/quit" in banner and "Ctrl-D" in banner
    assert "confidence" not in screen.text  # not verbose


async def test_ctrl_c_drops_the_line_and_keeps_chatting(repl_drive):
    screen = await repl_drive("abc" + CTRL_C + "hello\r" + CTRL_D)
    assert "abc" not in screen.text
    assert "Hello! I am the test bot." in screen.text


async def test_quit_command_ends_the_session(repl_drive):
    screen = await repl_drive("/quit\rhello\r")
    assert "Hello" not in screen.text
    assert "Bye" in screen.text


async def test_verbose_shows_confidence_and_fallback(repl_drive):
    screen = await repl_drive("/verbose on\rmystery\rhello\r/verbose off\rhello\r" + CTRL_D)
    meta = screen.styled("class:meta")
    assert "(confidence 0.10, fallback, source parrot)" in meta
    assert "(confidence 0.90, source parrot)" in meta
    assert meta.count("confidence") == 2  # off again for the last reply
    assert "Verbose replies are on." in screen.styled("class:command")


async def test_verbose_flag_from_the_command_line(tmp_path):
    from chatcore.builtin.repl.frontend import ReplFrontend
    from tests.repl.conftest import runtime_for

    runtime = runtime_for(tmp_path)
    runtime.cli_options["verbose"] = True
    assert ReplFrontend(runtime.settings_for("repl"), runtime).verbose is True


async def test_bad_verbose_argument_shows_usage(repl_drive):
    screen = await repl_drive("/verbose loud\r" + CTRL_D)
    assert "Usage: /verbose on|off" in screen.text


async def test_engine_commands_pass_through(repl_drive):
    screen = await repl_drive("/ping\r/help\r" + CTRL_D)
    assert "pong" in screen.styled("class:command")
    assert "/ping - answer pong" in screen.text


async def test_meta_enter_inserts_a_newline(repl_drive):
    screen = await repl_drive("line one" + ESC + "\rline two\r" + CTRL_D)
    assert "got 2 lines: line one" in screen.text


async def test_configured_newline_key(repl_drive):
    screen = await repl_drive("first\x0fsecond\x0fthird\r" + CTRL_D, repl={"newline_key": "c-o"})
    assert "got 3 lines: first" in screen.text


async def test_bad_newline_key_names_the_setting(repl_drive):
    with pytest.raises(ConfigError, match=r"repl\.newline_key.*not a key sequence"):
        await repl_drive(CTRL_D, repl={"newline_key": "hyper-q"})


async def test_pasted_lines_are_one_message(repl_drive):
    pasted = "\r".join(f"pasted line {i}" for i in range(50))
    screen = await repl_drive(f"{ESC}[200~{pasted}{ESC}[201~\r" + CTRL_D)
    assert "got 50 lines: pasted line 0" in screen.text
    assert screen.text.count("bot>") == 1


async def test_history_file_is_private_and_recalled(repl_drive, tmp_path):
    await repl_drive("hello\r" + CTRL_D)
    history = tmp_path / "repl" / "history"
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    assert "+hello" in history.read_text(encoding="utf-8")
    screen = await repl_drive(UP + "\r" + CTRL_D)  # a new session recalls it
    assert "Hello! I am the test bot." in screen.text


async def test_configured_history_file(repl_drive, tmp_path):
    path = tmp_path / "elsewhere" / "hist"
    await repl_drive("你好\r" + CTRL_D, repl={"history_file": str(path)})
    assert "你好" in path.read_text(encoding="utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_ctrl_r_searches_history(repl_drive):
    screen = await repl_drive(["hello\rsomething else\r", CTRL_R, "hel", "\r", "\r", CTRL_D])
    assert screen.text.count("Hello! I am the test bot.") == 2


async def test_auto_suggestion_from_history(repl_drive):
    screen = await repl_drive(["hello\r", "he", RIGHT, "\r", CTRL_D])
    assert screen.text.count("Hello! I am the test bot.") == 2


async def test_vi_mode(repl_drive):
    # type, Esc to normal mode, 0 to the line start, i to insert before it
    screen = await repl_drive("hello" + ESC + "0ix\r" + CTRL_D, repl={"editing_mode": "vi"})
    assert "echo: xhello" in screen.text


async def test_tab_completes_plugin_commands(repl_drive):
    screen = await repl_drive(["/pi", "\t", "\r", CTRL_D])
    assert "pong" in screen.text


async def test_save_writes_a_markdown_transcript(repl_drive, tmp_path):
    out = tmp_path / "notes" / "chat.md"
    screen = await repl_drive(f"hello\r你好\r/save {out}\r/save\r" + CTRL_D)
    assert f"Saved 2 turn(s) to {out}." in screen.text
    assert "Usage: /save FILE" in screen.text
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# chatcore conversation")
    assert "**You:**\n\n> hello\n" in text and "> 你好！我是测试机器人。" in text


async def test_save_to_an_unwritable_place_says_so(repl_drive, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    screen = await repl_drive(f"/save {blocker}/sub/chat.md\r" + CTRL_D)
    assert "Could not save to" in screen.text
    assert blocker.read_text() == "x"


async def test_muted_replies_print_nothing(repl_drive):
    # three blocked messages mute the user; the muted message gets an empty reply
    keys = "badword\r" * 3 + "hello\r" + CTRL_D
    screen = await repl_drive(keys)
    assert "Hello! I am the test bot." not in screen.text
    assert screen.text.count("bot>") == 3


def test_completer_lists_engine_and_repl_commands():
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from chatcore.builtin.repl.session import SlashCompleter

    completer = SlashCompleter({"ping": "answer pong", "quit": "leave", "help": "commands"})

    def complete(text: str) -> list[tuple[str, str]]:
        found = completer.get_completions(Document(text), CompleteEvent())
        return [(c.text, c.display_meta_text) for c in found]

    assert complete("/") == [("/help", "commands"), ("/ping", "answer pong"), ("/quit", "leave")]
    assert complete("/P") == [("/ping", "answer pong")]
    assert complete("/ping ") == [] and complete("hello /p") == [] and complete("/x") == []
