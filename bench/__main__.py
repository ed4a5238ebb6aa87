"""Run every benchmark module's ``main()`` and write the tables to bench/RESULTS.md.

python -m bench              # all
python -m bench store qa     # some
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
SKIP = {"__init__", "__main__", "common"}


def machine() -> str:
    cpus = os.cpu_count()
    return f"{platform.machine()}, {cpus} cores, Python {platform.python_version()}"


def run(name: str) -> str:
    """One benchmark's table; its output is echoed as it runs."""
    module = importlib.import_module(f"bench.{name}")
    buffer = io.StringIO()
    tee = _Tee(sys.stdout, buffer)
    with contextlib.redirect_stdout(tee):
        module.main()
    return buffer.getvalue()


class _Tee(io.TextIOBase):
    def __init__(self, *streams):
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)


def main(argv: list[str]) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    names = argv or sorted(p.stem for p in HERE.glob("*.py") if p.stem not in SKIP)
    sections = []
    for name in names:
        print(f"## {name}\n", flush=True)
        sections.append(f"## {name}\n\n{run(name)}")
    header = f"# Benchmark results\n\n{time.strftime('%Y-%m-%d %H:%M')} UTC on {machine()}.\n"
    (HERE / "RESULTS.md").write_text("\n".join([header, *sections]), encoding="utf-8")
    print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main(sys.argv[1:])
