"""The ``chatcore`` console script's entry: the command line, with an interrupt during its
imports (Ctrl-C right after starting) ending like one anywhere else, exit 130 and no
traceback. This module and the package's ``__init__`` import nothing, so the window in which
Python itself would print the traceback is its own start-up alone."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from chatcore.cli import main as run
    except KeyboardInterrupt:
        from chatcore.errors import INTERRUPTED_EXIT

        sys.exit(INTERRUPTED_EXIT)
    run()
