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

from chatcore.tfquiet import quiet_tensorflow

HERE = Path(__file__).parent
SKIP = {"__init__", "__main__", "common", "epochs", "synthetic"}  # helpers, not benchmarks


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


def _previous_sections(exclude: list[str]) -> list[str]:
    """Sections of benchmarks not run this time, so a partial run keeps the others."""
    path = HERE / "RESULTS.md"
    if not path.exists():
        return []
    parts = path.read_text(encoding="utf-8").split("\n## ")[1:]
    return [f"## {p}" for p in parts if p.split("\n", 1)[0].strip() not in exclude]


def available() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if p.stem not in SKIP)


def main(argv: list[str]) -> None:
    quiet_tensorflow()
    if any(a.startswith("-") for a in argv) or set(argv) - set(available()):
        print(f"{__doc__}\nbenchmarks: {' '.join(available())}")
        sys.exit(0 if {"-h", "--help"} & set(argv) else 2)
    names = argv or available()
    sections = []
    for name in names:
        print(f"## {name}\n", flush=True)
        sections.append(f"## {name}\n\n{run(name)}")
    stamp = f"{time.strftime('%Y-%m-%d %H:%M')} UTC on {machine()}"
    kept = _previous_sections(exclude=names)
    header = "# Benchmark results\n\nEach section: when and where it was last measured.\n"
    sections = [s.replace("\n\n", f"\n\n_{stamp}_\n\n", 1) for s in sections]
    (HERE / "RESULTS.md").write_text("\n".join([header, *kept, *sections]), encoding="utf-8")
    print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main(sys.argv[1:])
