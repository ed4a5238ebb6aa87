"""Built-in plugin: the ``repl`` frontend, a prompt_toolkit chat prompt in the terminal.

prompt_toolkit is imported only when the REPL runs, so loading the plugin costs nothing.
"""

from __future__ import annotations

from typing import Any

from chatcore.hookspecs import hookimpl


@hookimpl
def chatcore_register_frontends(register) -> None:
    from chatcore.builtins.repl.settings import ReplSettings

    register(
        "repl",
        build_frontend,
        settings=ReplSettings,
        description="terminal chat prompt (history, completion, multi-line); plain when piped",
    )


def build_frontend(settings: Any, runtime: Any) -> Any:
    """The REPL for ``chatcore chat``; ``--verbose`` comes from the runtime's CLI options."""
    from chatcore.builtins.repl.frontend import ReplFrontend

    frontend = ReplFrontend(settings, runtime)
    if frontend.interactive:
        _preload_prompt_toolkit()
    return frontend


def _preload_prompt_toolkit() -> None:
    """Import prompt_toolkit now, before the engine starts loading the QA model on another
    thread: the two imports would share one GIL and the prompt would appear later
    (bench/startup.py: about 0.1 s to the prompt, 0.2 s to the first key echoed)."""
    import prompt_toolkit.patch_stdout  # noqa: F401

    import chatcore.builtins.repl.session  # noqa: F401
