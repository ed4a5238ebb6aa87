"""TensorFlow's start-up noise, quieted in one place.

TensorFlow reads these variables once, when it is imported, so they are set before anything
can import it: by the command line's entry, by the QA package, by the benchmarks and by the
tests. Each is set only when the environment does not already name it, so a developer who
wants TensorFlow's logs back sets ``TF_CPP_MIN_LOG_LEVEL=0`` and gets them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",  # no C++ info and warning lines (errors still show)
    "TF_ENABLE_ONEDNN_OPTS": "0",  # no oneDNN banner, and numerics that do not vary by run
}


def quiet_tensorflow() -> None:
    """Set ``QUIET_ENV`` in this process's environment where it is not set; call before
    TensorFlow is imported (later it has no effect)."""
    for name, value in QUIET_ENV.items():
        os.environ.setdefault(name, value)


def quiet_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment for a subprocess: ``environ`` (this process's by default) with
    ``QUIET_ENV`` added where it names none of them."""
    return {**QUIET_ENV, **(os.environ if environ is None else environ)}
