"""The REPL's pure parts: chat identity, reply rendering, the spinner, /clear."""

from __future__ import annotations

import asyncio
from pathlib import Path

from prompt_toolkit.output import DummyOutput

from chatcore.builtin.repl.frontend import default_chat_id
from chatcore.builtin.repl.render import reply_fragments, reply_plain
from chatcore.builtin.repl.spinner import spinner
from chatcore.types import Reply


class RecordingOutput(DummyOutput):
    def __init__(self) -> None:
        self.written: list[str] = []
        self.erased = False

    def write_raw(self, data: str) -> None:
        self.written.append(data)

    def erase_screen(self) -> None:
        self.erased = True


def test_one_chat_per_user_and_config(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert default_chat_id("ann", a) == default_chat_id("ann", Path(str(a)))
    assert default_chat_id("ann", a) != default_chat_id("ann", b)
    assert default_chat_id("ann", a) != default_chat_id("bob", a)
    assert default_chat_id("ann", None).startswith("ann-")


def test_rendering_kinds_prefixes_and_verbose_markers():
    answer = Reply("line one\nline two", confidence=0.42, fallback=True, source="qa")
    text = "".join(t for _, t in reply_fragments(answer, "bot> ", verbose=True))
    assert text == "bot> line one\n     line two\n     (confidence 0.42, fallback, source qa)\n"
    refusal = Reply("No.", kind="refusal", source="moderation")
    assert reply_fragments(refusal, "bot> ", False)[0] == ("class:refusal", "bot> [refused] No.")
    command = Reply("pong", kind="command")
    assert reply_fragments(command, "> ", True) == [("class:command", "> pong"), ("", "\n")]
    assert reply_plain(answer, False) == "line one\nline two"
    assert Reply("", kind="muted").silent and not answer.silent


async def test_spinner_only_for_slow_replies_and_erased_after():
    output = RecordingOutput()
    async with spinner(output, delay=0.2):
        await asyncio.sleep(0.01)
    assert output.written == []
    async with spinner(output, delay=0.01, interval=0.01):
        await asyncio.sleep(0.1)
    assert any("thinking…" in w for w in output.written)
    assert output.written[-1] == "\r"  # back to the line start; the line is then erased


async def test_clear_erases_the_screen(tmp_path):
    from prompt_toolkit.input import create_pipe_input

    from chatcore.builtin.repl.frontend import ReplFrontend
    from tests.repl.conftest import Screen, runtime_for

    runtime = runtime_for(tmp_path)
    output = RecordingOutput()
    with create_pipe_input() as pipe:
        frontend = ReplFrontend(
            runtime.settings_for("repl"), runtime, input=pipe, output=output,
            printer=Screen(), interactive=True,
        )  # fmt: skip
        async with runtime.build_engine() as engine:
            pipe.send_text("/clear\r\x04")
            await asyncio.wait_for(frontend.run(engine), 10)
    assert output.erased
