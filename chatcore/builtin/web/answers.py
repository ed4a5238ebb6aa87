"""The console's "Taught answers": what ``chatcore answers`` does, from the browser. It reads
and appends to the same taught log (chatcore.builtin.qa.teach.log) as the command line and the
running bots, so a change made here or there shows in both and reaches every bot within
``qa.taught.poll_seconds``. Every change is made by "console".
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from chatcore.builtin.qa.teach.changes import in_force, undo_of
from chatcore.builtin.qa.teach.guard import engine_refusal
from chatcore.builtin.qa.teach.log import ANSWER, Change, Item, Knowledge
from chatcore.contracts import EngineView
from chatcore.errors import StoreError

from .pages import json_body

log = logging.getLogger("chatcore.web.admin")
WHO = "console"
NO_LOG = "no qa model here: nothing was taught"
Handler = Callable[["Answers", web.Request], Awaitable[web.Response]]


def _store_errors(handler: Handler) -> Handler:
    """A change when the log cannot be read or written (its file, Redis) is a 503 saying why,
    not a bare 500: nothing was changed."""

    @functools.wraps(handler)
    async def guarded(self: Answers, request: web.Request) -> web.Response:
        try:
            return await handler(self, request)
        except StoreError as exc:
            log.error("console: %s", exc)
            return _error(str(exc), 503)

    return guarded


class Answers:
    """The "Taught answers" API handlers (the console guards them: session, CSRF for changes)."""

    def __init__(self, engine: EngineView, taught_log: Any) -> None:
        self.engine = engine
        self.taught_log = taught_log  # None without a qa model
        # one console change at a time: an undo clicked twice must not undo twice
        self._changing = asyncio.Lock()

    # --- lists -------------------------------------------------------------------------------

    async def items(self) -> list[dict[str, Any]]:
        """What stands now, as ``chatcore answers list`` shows it, in the order first changed."""
        knowledge = Knowledge.fold(await self._changes())
        return [_item_json(item) for item in _listed(knowledge)]

    async def history(self) -> list[dict[str, Any]]:
        """Every change, newest first, with whether it is in force (not undone, not an undo)."""
        changes = await self._changes()
        standing = {c.seq for c in in_force(changes)}
        return [_change_json(c, c.seq in standing) for c in reversed(changes)]

    # --- changes -----------------------------------------------------------------------------

    @_store_errors
    async def edit(self, request: web.Request) -> web.Response:
        """A taught item or an overridden model answer gets a new text (``answers edit``)."""
        self._log()
        body = await json_body(request)
        target, answer = body.get("target"), body.get("answer")
        if not isinstance(target, str) or not target:
            return _error("give the target to edit", 400)
        if not isinstance(answer, str) or not answer.strip():
            return _error("the answer is empty", 400)
        refused = await engine_refusal(self.engine, answer, "web")
        if refused:
            return _error(refused, 422)
        async with self._changing:
            item = await self._known(target)
            if item is None:
                return _unknown(target)
            text, original = answer.strip(), _original(item)
            change = Change("edit", target, answer=text, original=original, who=WHO)
            return await self._append(change, "edited")

    @_store_errors
    async def delete(self, request: web.Request) -> web.Response:
        """A taught item or a model answer is gone: its questions fall back (``answers delete``)."""
        self._log()
        target = (await json_body(request)).get("target")
        if not isinstance(target, str) or not target:
            return _error("give the target to delete", 400)
        async with self._changing:
            item = await self._known(target)
            if item is None:
                return _unknown(target)
            if item.deleted:
                return _error(f"{target} is deleted already", 409)
            change = Change("delete", target, original=_original(item), who=WHO)
            return await self._append(change, "deleted")

    @_store_errors
    async def undo(self, request: web.Request) -> web.Response:
        """Change ``change`` (absent or null: the last in force) is undone (``answers undo``)."""
        self._log()
        seq = (await json_body(request)).get("change")
        if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool)):
            return _error("change is a change's number (or absent: the last one)", 400)
        async with self._changing:
            try:
                undo = undo_of(await self._changes(), seq, WHO)
            except ValueError as exc:
                return _error(str(exc), 409)
            return await self._append(undo, f"change {undo.undoes} undone")

    # --- the log -----------------------------------------------------------------------------

    def _log(self) -> Any:
        """The taught log, or the 404 (as JSON, like the console's other errors) saying why
        there is none."""
        if self.taught_log is None:
            error = json.dumps({"error": NO_LOG})
            raise web.HTTPNotFound(text=error, content_type="application/json")
        return self.taught_log

    async def _changes(self) -> list[Change]:
        return await asyncio.to_thread(self._log().since, 0)

    async def _known(self, target: str) -> Item | None:
        """The item the list shows for ``target``, or None: only what stands can change."""
        knowledge = Knowledge.fold(await self._changes())
        return next((i for i in _listed(knowledge) if i.target == target), None)

    async def _append(self, change: Change, done: str) -> web.Response:
        seq = await asyncio.to_thread(self._log().append, change)
        log.info("console: %s %s (change %d)", change.target, done, seq)
        return web.json_response({"target": change.target, "change": seq, "undoes": change.undoes})


def _listed(knowledge: Knowledge) -> list[Item]:
    """The items that stand: those with an answer, or deleted. A taught item whose ``add`` was
    undone has none and is not listed (its other changes still show in the history)."""
    return [i for i in knowledge.items.values() if i.deleted or i.answer]


def _state(item: Item) -> str:
    """As ``chatcore answers list`` says it: deleted, edited (a model answer given a new
    text) or taught."""
    return "deleted" if item.deleted else "edited" if item.original else "taught"


def _original(item: Item) -> str | None:
    """A model answer's text, carried by every change to it: were the change that first named
    it undone, ``chatcore train`` would still find the answer's class by it."""
    return item.original if item.target.startswith(ANSWER) else None


def _item_json(item: Item) -> dict[str, Any]:
    return {
        "target": item.target,
        "state": _state(item),
        "questions": list(item.questions),
        "answer": item.answer,
        "original": item.original,
        "changed_by": item.changed_by,
        "changed_at": item.changed_at,
    }


def _change_json(change: Change, standing: bool) -> dict[str, Any]:
    return {
        "seq": change.seq,
        "at": change.at,
        "who": change.who,
        "op": change.op,
        "target": change.target,
        "question": change.question,
        "answer": change.answer,
        "original": change.original,
        "undoes": change.undoes,
        "in_force": standing,
    }


def _unknown(target: str) -> web.Response:
    return _error(f"no taught or edited answer {target!r} (see the list)", 404)


def _error(text: str, status: int) -> web.Response:
    return web.json_response({"error": text}, status=status)
