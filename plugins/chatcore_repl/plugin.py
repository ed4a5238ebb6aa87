"""Built-in plugin: the ``repl`` frontend, a prompt_toolkit chat prompt in the terminal.

prompt_toolkit is imported only when the REPL runs, so loading the plugin costs nothing.
"""

from __future__ import annotations

from typing import Any

from chatcore.hookspecs import hookimpl


@hookimpl
def chatcore_register_frontends(register) -> None:
    from chatcore_repl.settings import ReplSettings

    register(
        "repl",
        build_frontend,
        settings=ReplSettings,
        description="terminal chat prompt (history, completion, multi-line); plain when piped",
    )


def build_frontend(settings: Any, runtime: Any) -> Any:
    """The REPL for ``chatcore chat``; ``--verbose`` comes from the runtime's CLI options."""
    from chatcore_repl.frontend import ReplFrontend

    return ReplFrontend(settings, runtime)
