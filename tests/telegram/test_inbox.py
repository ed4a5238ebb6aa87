"""The durable inbox and the update queue on a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from chatcore.builtin.telegram.inbox import DurableUpdateQueue, Inbox


@dataclass
class FakeUpdate:
    update_id: int

    def to_json(self) -> str:
        return json.dumps({"update_id": self.update_id, "message": {"text": "hi"}})


async def test_update_is_committed_before_it_is_queued(tmp_path):
    inbox = Inbox(tmp_path / "inbox.sqlite3").open()
    queue = DurableUpdateQueue(inbox)
    await queue.put(FakeUpdate(1))
    with sqlite3.connect(tmp_path / "inbox.sqlite3") as other:  # another connection sees it
        assert other.execute("SELECT update_id, done_at FROM telegram_inbox").fetchall() == [
            (1, None)
        ]
    assert queue.qsize() == 1


async def test_duplicates_are_dropped_while_queued_and_after_done(tmp_path):
    inbox = Inbox(tmp_path / "inbox.sqlite3").open()
    queue = DurableUpdateQueue(inbox)
    await queue.put(FakeUpdate(1))
    await queue.put(FakeUpdate(1))  # redelivered while still queued
    assert queue.qsize() == 1
    queue.finish(1, "answered")
    await queue.put(FakeUpdate(1))  # redelivered after it was answered
    assert queue.qsize() == 1
    assert inbox.outcomes() == {1: "answered"}


async def test_restart_replays_unfinished_once_even_if_telegram_resends(tmp_path):
    path = tmp_path / "inbox.sqlite3"
    first = DurableUpdateQueue(Inbox(path).open())
    for update_id in (1, 2, 3):
        await first.put(FakeUpdate(update_id))
    first.finish(1, "answered")
    first.finish(2, None)  # failed: kept for the next start
    first.inbox.close()  # the process dies here

    inbox = Inbox(path).open()
    assert [u for u, _ in inbox.unfinished()] == [2, 3]
    queue = DurableUpdateQueue(inbox)
    for update_id, raw in inbox.unfinished():
        assert raw["update_id"] == update_id
        queue.replay(FakeUpdate(update_id))
    for update_id in (1, 2, 3):  # Telegram had not seen the confirmation: all come again
        await queue.put(FakeUpdate(update_id))
    assert [queue.get_nowait().update_id for _ in range(queue.qsize())] == [2, 3]


async def test_other_items_pass_through(tmp_path):
    queue = DurableUpdateQueue(Inbox(tmp_path / "inbox.sqlite3").open())
    marker = object()
    await queue.put(marker)  # e.g. the Application's stop signal
    assert queue.get_nowait() is marker
    assert queue.inbox.outcomes() == {}
