"""Keep the prompt intact when something writes to file descriptor 2 directly.

``patch_stdout`` only replaces ``sys.stdout``/``sys.stderr``. TensorFlow's C++ logging (the
QA model loads in the background while the user types), and logging handlers created before
the prompt started, write to descriptor 2 itself and would print over the input line. While
the prompt runs, descriptor 2 is a pipe; a thread hands what arrives to ``write`` (the
patched ``sys.stderr``), which prints it above the prompt.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator

CHUNK = 4096


def _pump(read_fd: int, write: Callable[[str], object]) -> None:
    """Forward the pipe's bytes as text until every write end is closed."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        while chunk := pipe.read(CHUNK):
            _forward(write, decoder.decode(chunk))
        _forward(write, decoder.decode(b"", final=True))


def _forward(write: Callable[[str], object], text: str) -> None:
    if not text:
        return
    with contextlib.suppress(Exception):  # a closed terminal must not kill the thread noisily
        write(text)
        flush = getattr(write, "__self__", None)
        if flush is not None and hasattr(flush, "flush"):
            flush.flush()


@contextlib.contextmanager
def stderr_above_prompt(write: Callable[[str], object] | None = None) -> Iterator[None]:
    """Route descriptor 2 through ``write`` (default: the current ``sys.stderr.write``) for
    the duration; restore it after, delivering whatever was still in the pipe."""
    write = write or sys.stderr.write
    _flush_python_stderr()
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 at all: nothing to protect
        yield
        return
    read_fd, write_fd = os.pipe()
    os.dup2(write_fd, 2)
    os.close(write_fd)
    pump = threading.Thread(target=_pump, args=(read_fd, write), daemon=True, name="repl-stderr")
    pump.start()
    try:
        yield
    finally:
        _flush_python_stderr()
        os.dup2(saved, 2)  # closes the pipe's last write end: the pump drains and stops
        os.close(saved)
        pump.join(timeout=2)


def _flush_python_stderr() -> None:
    """Text Python buffered for descriptor 2 goes where it was meant to before the switch."""
    with contextlib.suppress(Exception):
        sys.__stderr__.flush()
