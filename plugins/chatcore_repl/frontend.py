"""The ``repl`` frontend: one conversation per local user and config, in a prompt_toolkit
prompt when the terminal is interactive, plain lines in and out when it is not."""

from __future__ import annotations

import getpass
import hashlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chatcore.errors import ConfigError
from chatcore.types import Message, Reply
from chatcore_repl.local import LOCAL_COMMANDS, LocalCommands, Outcome
from chatcore_repl.render import is_silent, reply_fragments

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


class ReplFrontend:
    """``await run(engine)`` chats until /quit, Ctrl-D or end of input. ``input``, ``output``
    and ``printer`` replace the terminal in tests; ``interactive`` forces the mode."""

    def __init__(self, settings: Any, runtime: Any, **terminal: Any):
        self.settings = settings
        self.config = runtime.config
        self.verbose = bool(runtime.cli_options.get("verbose"))
        self.user_id = settings.user_id or local_user()
        self.chat_id = settings.chat_id or default_chat_id(self.user_id, runtime.config.source)
        default_history = Path(runtime.data_dir) / "repl" / "history"
        history = settings.history_file
        self.history_path = history.expanduser() if history else default_history
        self.terminal = terminal
        interactive = terminal.get("interactive")
        self.interactive = _is_tty() if interactive is None else interactive

    @property
    def chat_key(self) -> str:
        return f"{CHANNEL}:{self.chat_id}"

    def message(self, text: str) -> Message:
        return Message(CHANNEL, self.chat_id, self.user_id, text)

    async def run(self, engine: Any) -> None:
        local = LocalCommands(engine, self.chat_key, self.verbose)
        if not self.interactive:
            from chatcore_repl.piped import run_piped

            await run_piped(self, engine, local)
            return
        await self._run_interactive(engine, local)

    async def _run_interactive(self, engine: Any, local: LocalCommands) -> None:
        from prompt_toolkit.patch_stdout import patch_stdout

        from chatcore_repl.stderr import stderr_above_prompt

        session = self._session(engine)
        printer = self.terminal.get("printer") or _terminal_printer(session)
        self._banner(engine, printer)
        with patch_stdout(raw=True), stderr_above_prompt():
            while await self._prompt_once(session, engine, local, printer):
                pass
        printer([("class:banner", "Bye. The conversation is saved; run chatcore chat to go on.\n")])

    def _session(self, engine: Any) -> Any:
        from chatcore_repl.session import build_session

        entries = {name: c.description for name, c in engine.commands.items()}
        entries.update({name: text for name, (_, text) in LOCAL_COMMANDS.items()})
        input, output = self.terminal.get("input"), self.terminal.get("output")
        try:
            return build_session(
                self.settings, entries, self.history_path, input=input, output=output
            )
        except ValueError as exc:
            raise ConfigError(self.config.error(("repl", "newline_key"), str(exc))) from None

    def _banner(self, engine: Any, printer: Callable) -> None:
        from chatcore_repl.render import banner_lines, describe_model

        model, languages = describe_model(engine)
        if not languages:
            languages = sorted(engine.settings.fallback)
        keys = self.settings.newline_key
        lines = banner_lines(model, languages, self.history_path, NEWLINE_NAMES.get(keys, keys))
        printer([("class:banner", "\n".join(lines) + "\n")])

    async def _prompt_once(self, session: Any, engine: Any, local: Any, printer: Any) -> bool:
        """Read and answer one input; False when the user leaves."""
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
            return _show_outcome(outcome, session.output, printer)
        if text.strip():
            reply = await self._ask(engine, text, session.output)
            if not is_silent(reply):
                printer(reply_fragments(reply, self.settings.reply_prefix, local.verbose))
        return True

    async def _ask(self, engine: Any, text: str, output: Any) -> Reply:
        from chatcore_repl.spinner import spinner

        async with spinner(output, self.settings.spinner_delay):
            return await engine.handle(self.message(text))


def _show_outcome(outcome: Outcome, output: Any, printer: Callable) -> bool:
    if outcome.clear:
        output.erase_screen()
        output.cursor_goto(0, 0)
        output.flush()
    if outcome.text:
        printer([("class:command", outcome.text + "\n")])
    return not outcome.quit


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
