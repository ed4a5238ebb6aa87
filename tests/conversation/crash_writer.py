"""Child process for test_crash.py: writes turns in a loop and prints ``ACK <n>`` after each
write returned, until it is killed."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from chatcore.builtin.conversation.sqlite import SqliteStore
from chatcore.store import Turn


def expected(run: str, n: int) -> Turn:
    """The turn number ``n`` of a run: sizes vary so some writes span several pages."""
    body = f"{run}/{n} " + "é😀x" * (n % 40) * 50
    return Turn(f"crash:{n % 7}", f"user{n % 3}", body, f"reply {run}/{n}", confidence=n / 1000)


async def main(path: str, run: str) -> None:
    store = SqliteStore(Path(path))
    await store.open()
    n = 0
    while True:
        await store.append_turn(expected(run, n))
        sys.stdout.write(f"ACK {n}\n")
        sys.stdout.flush()
        n += 1


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
