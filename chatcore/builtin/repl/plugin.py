"""Built-in plugin: the ``repl`` frontend, a prompt_toolkit chat prompt in the terminal.

prompt_toolkit is imported only when the REPL runs, so loading the plugin costs nothing; the
interactive prompt needs the ``chatcore[repl]`` extra, piped chat (plain lines) does not.
"""

from __future__ import annotations

from typing import Any

from chatcore.extras import require
from chatcore.hookspecs import hookimpl


@hookimpl
def chatcore_register_frontends(register) -> None:
    from chatcore.builtin.repl.settings import ReplSettings

    register(
        "repl",
        build_frontend,
        settings=ReplSettings,
        description="terminal chat prompt (history, completion, multi-line); plain when piped",
    )


def build_frontend(settings: Any, runtime: Any) -> Any:
    """The REPL for ``chatcore chat``; ``--verbose`` comes from the runtime's CLI options."""
    from chatcore.builtin.repl.frontend import ReplFrontend

    frontend = ReplFrontend(settings, runtime)
    if frontend.interactive:
        require("repl", "the interactive chat prompt (repl frontend)")
        _preload_prompt_toolkit()
    return frontend


def _preload_prompt_toolkit() -> None:
    """Import prompt_toolkit now, before the engine starts loading the QA model on another
    thread: the two imports would share one GIL, and the prompt and the first keys echoed
    would come later (bench/startup.py measures the time to the prompt)."""
    import prompt_toolkit.patch_stdout  # noqa: F401

    import chatcore.builtin.repl.session  # noqa: F401
