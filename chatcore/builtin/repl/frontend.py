"""The ``repl`` frontend: one conversation per local user and config, in a prompt_toolkit
prompt when the terminal is interactive, plain lines in and out when it is not.

The prompt comes up before the engine is ready (``accepts_pending_engine``: the CLI passes a
future of the engine it builds meanwhile), so slow filters or models never delay typing.
"""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import partial
from pathlib import Path
from typing import Any

from chatcore.builtin.repl.choices import Choices
from chatcore.builtin.repl.local import LOCAL_COMMANDS, LocalCommands, Outcome
from chatcore.builtin.repl.outlet import ReplOutlet, outlet_open
from chatcore.builtin.repl.render import picked_line, reply_fragments, width
from chatcore.errors import ConfigError
from chatcore.terminal_text import printable
from chatcore.types import Message, Reply

CHANNEL = "repl"
NEWLINE_NAMES = {"escape enter": "Meta-Enter (Esc Enter)"}


def local_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "local"


def default_chat_id(user: str, config_path: Path | None) -> str:
    """One chat per OS user and config file, stable across sessions."""
    where = str(Path(config_path).resolve()) if config_path else "(built-in defaults)"
    return f"{user}-{hashlib.sha256(where.encode()).hexdigest()[:12]}"


def as_future(engine: Any) -> asyncio.Future:
    """An engine or a future of one, as a future."""
    if isinstance(engine, asyncio.Future):
        return engine
    future = asyncio.get_running_loop().create_future()
    future.set_result(engine)
    return future


class ReplFrontend:
    """``await run(engine)`` chats until /quit, Ctrl-D or end of input. ``input``, ``output``
    and ``printer`` replace the terminal in tests; ``interactive`` forces the mode."""

    accepts_pending_engine = True

    def __init__(self, settings: Any, runtime: Any, **terminal: Any):
        self.settings = settings
        self.runtime = runtime
        self.verbose = bool(runtime.cli_options.get("verbose"))
        self.user_id = settings.user_id or local_user()
        self.chat_id = settings.chat_id or default_chat_id(self.user_id, runtime.config.source)
        default_history = Path(runtime.data_dir) / "repl" / "history"
        history = settings.history_file
        self.history_path = history.expanduser() if history else default_history
        self.terminal = terminal
        self._asking: asyncio.Future | None = None  # the reply being awaited
        self._serving: asyncio.Task | None = None
        self.choices = Choices()  # of the reply shown last: a number typed next picks one
        interactive = terminal.get("interactive")
        self.interactive = _is_tty() if interactive is None else interactive

    @property
    def chat_key(self) -> str:
        return f"{CHANNEL}:{self.chat_id}"

    def message(self, text: str) -> Message:
        return Message(CHANNEL, self.chat_id, self.user_id, text)

    def outlet(
        self, ready: asyncio.Future, show: Callable[[Reply], None]
    ) -> AbstractContextManager[None]:
        """A context in which ``engine.push`` to this chat reaches ``show`` (from when the
        engine in ``ready`` is built): how each mode prints replies sent unasked."""
        return outlet_open(ready, CHANNEL, ReplOutlet(self.chat_id, show))

    async def run(self, engine: Any) -> None:
        """Serve ``engine`` (an Engine, or a future of a started one)."""
        ready = as_future(engine)
        self._serving = asyncio.current_task()
        local = LocalCommands(ready, self.chat_key, self.verbose)
        if not self.interactive:
            from chatcore.builtin.repl.piped import run_piped

            await run_piped(self, await asyncio.shield(ready), local)
            return
        await self._run_interactive(ready, local)

    async def _run_interactive(self, ready: asyncio.Future, local: LocalCommands) -> None:
        from prompt_toolkit.patch_stdout import patch_stdout

        from chatcore.builtin.repl.stderr import stderr_above_prompt

        session = self._session()
        printer = shown_safely(self.terminal.get("printer") or _terminal_printer(session))
        self._banner(printer)
        announce = asyncio.ensure_future(self._announce_model(ready, printer))
        ready.add_done_callback(lambda future: _abort_prompt_on_error(future, session))
        show = partial(self._show_pushed, session, printer, local)
        try:
            with patch_stdout(raw=True), stderr_above_prompt(), self.outlet(ready, show):
                while await self._prompt_once(session, ready, local, printer):
                    pass
        finally:
            announce.cancel()
        printer([("class:banner", "Bye. The conversation is saved; run chatcore chat to go on.\n")])

    def _session(self) -> Any:
        from chatcore.builtin.repl.session import build_session

        entries = {name: c.description for name, c in self.runtime.commands().items()}
        entries.update({name: text for name, (_, text) in LOCAL_COMMANDS.items()})
        input, output = self.terminal.get("input"), self.terminal.get("output")
        try:
            return build_session(
                self.settings, entries, self.history_path, input=input, output=output
            )
        except ValueError as exc:
            config = self.runtime.config
            raise ConfigError(config.error(("repl", "newline_key"), str(exc))) from None

    def _banner(self, printer: Callable) -> None:
        from chatcore.builtin.repl.render import banner_lines

        keys = self.settings.newline_key
        lines = banner_lines(self.history_path, NEWLINE_NAMES.get(keys, keys))
        printer([("class:banner", "\n".join(lines) + "\n")])

    async def _announce_model(self, ready: asyncio.Future, printer: Callable) -> None:
        """Say which model answers once the engine is up (printed above the prompt)."""
        from chatcore.builtin.repl.render import describe_model, model_line

        try:
            engine = await asyncio.shield(ready)  # cancelling us must not cancel the build
        except Exception:  # a build error ends the prompt and is reported there
            return
        model, languages = describe_model(engine)
        printer([("class:banner", model_line(model, languages or engine.messages.languages))])

    async def _prompt_once(self, session: Any, ready: Any, local: Any, printer: Any) -> bool:
        """Read and answer one input; False when the user leaves."""
        if ready.done() and ready.exception() is not None:
            raise ready.exception()
        try:
            # Ctrl-C at the prompt is a key (raw mode); a real SIGINT stays the CLI's to handle
            text = await session.prompt_async(
                [("class:prompt", self.settings.prompt)], handle_sigint=False
            )
        except KeyboardInterrupt:  # Ctrl-C: drop the line, keep chatting
            return True
        except EOFError:  # Ctrl-D on an empty line
            return False
        outcome = await local.dispatch(text)
        if outcome is not None:
            if outcome.clear:
                self.choices.offer(None)  # the numbered list is gone from the screen
            return _show_outcome(outcome, session.output, printer)
        if text.strip():
            await self._send(text, ready, session.output, local, printer)
        return True

    async def _send(self, text: str, ready: Any, output: Any, local: Any, printer: Any) -> None:
        """Ask the engine and show its reply. Right after a reply with choices, a number sends
        that choice's text instead, echoed so the user sees what was sent."""
        picked = self.choices.pick(text)
        if picked is not None:
            pad = " " * width(self.settings.prompt)
            printer([("class:meta", pad + picked_line(picked) + "\n")])
            text = picked
        reply = await self._ask(ready, text, output)
        self.choices.offer(reply)
        if reply is None:
            printer([("class:meta", "(cancelled)\n")])
        elif not reply.silent:
            printer(reply_fragments(reply, self.settings.reply_prefix, local.verbose))

    def _show_pushed(self, session: Any, printer: Callable, local: Any, reply: Reply) -> None:
        """A reply pushed unasked: while the prompt runs, ``print_formatted_text`` prints it
        above the prompt and draws the prompt and the line being typed again below it."""
        if not session.app.is_running:  # a reply is awaited: print over "thinking…", not after
            session.output.write_raw("\r")
            session.output.erase_end_of_line()
        self.choices.offer(reply)
        printer(reply_fragments(reply, self.settings.reply_prefix, local.verbose))

    async def _ask(self, ready: asyncio.Future, text: str, output: Any) -> Reply | None:
        """The engine's reply, or None when Ctrl-C dropped it while it was awaited."""
        from chatcore.builtin.repl.spinner import spinner

        self._asking = asyncio.ensure_future(self._handle(ready, text))
        try:
            async with spinner(output, self.settings.spinner_delay):
                return await self._asking
        except asyncio.CancelledError:
            if self._asking.cancelled() and not _cancelling():
                return None  # Ctrl-C dropped the reply; keep chatting
            raise
        finally:
            self._asking = None

    async def _handle(self, ready: asyncio.Future, text: str) -> Reply:
        engine = await asyncio.shield(ready)  # the first message may wait for the start
        return await engine.handle(self.message(text))

    def interrupt(self) -> bool:
        """SIGINT (Ctrl-C outside the prompt): drop the reply being awaited, else stop.
        Returns whether the session stops."""
        if self._asking is not None and not self._asking.done():
            self._asking.cancel()
            return False
        if self._serving is not None:
            self._serving.cancel()
        return True


def _cancelling() -> bool:
    """Whether our own task is being cancelled (shutdown), not just the reply."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _abort_prompt_on_error(future: asyncio.Future, session: Any) -> None:
    """The engine failed to build (e.g. no trained model): end the prompt with that error."""
    if future.cancelled() or future.exception() is None:
        return
    if session.app.is_running:
        session.app.exit(exception=future.exception())


def _show_outcome(outcome: Outcome, output: Any, printer: Callable) -> bool:
    if outcome.clear:
        output.erase_screen()
        output.cursor_goto(0, 0)
        output.flush()
    if outcome.text:
        printer([("class:command", outcome.text + "\n")])
    return not outcome.quit


def shown_safely(printer: Callable) -> Callable:
    """``printer`` with every fragment's text through ``printable``: the one place all the
    interactive output passes, so no reply, command answer or path prints a raw escape."""

    def safe(fragments: list) -> None:
        printer([(style, printable(text)) for style, text in fragments])

    return safe


def _terminal_printer(session: Any) -> Callable:
    from prompt_toolkit import print_formatted_text
    from prompt_toolkit.formatted_text import FormattedText

    def printer(fragments: list) -> None:
        print_formatted_text(
            FormattedText(fragments), end="", style=session.style, output=session.output
        )

    return printer


def _is_tty() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()
