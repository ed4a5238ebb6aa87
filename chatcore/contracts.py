"""What a component of each kind must be: the contracts plugins implement and the core calls.

They are ``typing.Protocol`` classes, so a plugin implements one by shape, without importing
or subclassing anything (the store contract, ``chatcore.store.ConversationStore``, is an
abstract class instead, since it brings optional methods with a default). Type checkers
check a plugin against them; ``isinstance`` works for the runtime-checkable ones, which the
core uses to tell the optional frontend abilities apart.

Every filter and responder may also have any of ``start()``, ``ready()`` and ``close()`` (plain
or async): the engine calls ``start`` before the first message, ``ready`` before a frontend
says it serves (a model loads and is checked there), ``close`` when it stops. Stores have
``open()`` and ``close()``. A component that acts outside a request (sends to a chat unasked,
like the handoff plugin) may have ``attach(engine)``, called with the ``EngineView`` before
``start``. A responder may have ``async after_fallback(message, reply, context)``: when the
reply is a fallback, each such responder in order may return a Reply to send instead (the
first one wins), e.g. to hand the chat to a person after several fallbacks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

if TYPE_CHECKING:
    from chatcore.messages import Catalogue
    from chatcore.store import ConversationStore, Turn
    from chatcore.types import Message, Reply, Verdict

SettingsT = TypeVar("SettingsT", contravariant=True)
ProductT = TypeVar("ProductT", covariant=True)

Notify = Callable[..., list[Any]]
"""``notify(hook_name, **kwargs)``: run an observer hook in every plugin, each on its own (one
that raises is logged and the others still run); returns their results, awaitables included.
The engine gets one from the runtime instead of the plugin manager itself."""


class EngineView(Protocol):
    """What frontends, commands and hooks may use of the engine."""

    store: ConversationStore
    commands: Mapping[str, Command]
    messages: Catalogue  # the texts users see: ``messages.text(message_id, language)``
    services: dict[str, Any]  # what components offer others by name (e.g. "handoff")

    async def handle(self, message: Message) -> Reply:
        """Answer one message; never raises for a plugin's fault."""
        ...

    def add_outlet(self, channel: str, outlet: Outlet) -> Callable[[], None]:
        """Let ``push`` reach the chats of ``channel`` through ``outlet`` while a frontend
        runs; returns the function that removes it again."""
        ...

    def can_push(self, chat_key: str) -> bool:
        """Whether ``push`` can reach the chat from this process."""
        ...

    async def push(self, chat_key: str, reply: Reply) -> Reply:
        """Send ``reply`` to a chat unasked, through its channel's outlet, after the output
        filters (returns what was sent; raises ``chatcore.errors.Unreachable`` when no outlet
        of the channel is in this process)."""
        ...

    def say(self, message_id: str, language: str | None, **fields: object) -> str:
        """A text of the message catalogue in a language (None: the default language)."""
        ...


class Outlet(Protocol):
    """How a frontend sends to one of its chats at any time (an operator's answer relayed to a
    user, a notice that a person took or left the chat). ``chat_id`` is the frontend's own id
    (the part of the chat key after ``channel:``)."""

    async def push(self, chat_id: str, reply: Reply) -> None: ...


@runtime_checkable
class Frontend(Protocol):
    """Brings messages to the engine and its replies back to people, until it returns or is
    cancelled (cancelled means: stop now, cleanly). A reply with ``silent`` set (a muted user)
    must show nothing."""

    async def run(self, engine: EngineView) -> None: ...


@runtime_checkable
class PendingEngineFrontend(Frontend, Protocol):
    """A frontend that shows itself before the engine is ready (the REPL's prompt comes up
    while the model loads): ``run`` gets a future of the engine instead of the engine, and
    the flag says so."""

    accepts_pending_engine: bool

    async def run(self, engine: asyncio.Future[EngineView]) -> None: ...  # type: ignore[override]


@runtime_checkable
class EnginelessFrontend(Frontend, Protocol):
    """A frontend that needs no engine of its own (a gateway that only queues messages for
    workers, a supervisor of worker processes): ``run`` gets None and no model is loaded."""

    needs_engine: bool


@dataclass(frozen=True)
class Incoming:
    """What a queued payload asks of a worker: a ``message`` for the engine, or a ``note`` to
    send as it is (a frontend's own notice, e.g. "I only understand text"), or neither (an
    update to ignore)."""

    message: Message | None = None
    note: str = ""


class Enqueue(Protocol):
    """Puts one received payload on the shared queue, durably, before it returns; False when
    ``dedupe`` was queued before (a redelivery, to be confirmed and dropped)."""

    async def __call__(self, channel: str, chat_key: str, payload: str, dedupe: str) -> bool: ...


class QueuedChannel(Protocol):
    """A frontend split in two halves for several workers (``chatcore serve NAME --workers N``):
    a gateway receives and queues, workers answer. A frontend offers one by registering
    ``queued=factory`` next to its own factory; ``factory(settings, runtime)`` builds this.

    The gateway calls ``receive`` (serve until cancelled; confirm each payload to its sender
    only after ``enqueue`` returned; call ``ready`` once receiving). Workers call ``open``
    once, then for each queued payload ``read`` (JSON text the gateway made) and, with the
    reply's text, ``deliver``; ``deliver`` raising leaves the payload queued for a retry."""

    name: str

    async def receive(
        self, enqueue: Enqueue, commands: Mapping[str, Command], ready: Callable[[], None]
    ) -> None: ...

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def read(self, payload: str, engine: EngineView) -> Incoming: ...

    async def deliver(self, payload: str, text: str) -> None: ...


@runtime_checkable
class Interruptible(Protocol):
    """A frontend that handles Ctrl-C itself (drops the reply being awaited): ``interrupt``
    returns whether the frontend should stop."""

    def interrupt(self) -> bool: ...


class Filter(Protocol):
    """Decides about a text: the user's (input) or the reply's (output)."""

    async def check(self, text: str, message: Message) -> Verdict: ...


class Responder(Protocol):
    """Answers a message, given the recent turns of its conversation (oldest first); None
    lets the next responder try."""

    async def respond(self, message: Message, context: list[Turn]) -> Reply | None: ...


class Factory(Protocol[SettingsT, ProductT]):
    """Builds a component from its validated settings (None when it declares none) and the
    runtime it is built for."""

    def __call__(self, settings: SettingsT, runtime: Any, /) -> ProductT: ...


CommandHandler = Callable[["CommandContext"], Awaitable["str | Reply"]]
"""A chat command: an async function of a ``chatcore.CommandContext``, returning the reply's
text (or a whole ``Reply``)."""


@dataclass(frozen=True)
class Command:
    """A registered command, as the engine and frontends see it."""

    name: str
    handler: CommandHandler
    description: str = ""
    usage: str = ""
    admin_only: bool = False
    plugin: str = ""


@dataclass(frozen=True)
class CommandContext:
    """What a command handler gets: the message, its arguments and the engine."""

    message: Message
    name: str
    args: str
    engine: EngineView
    language: str

    @property
    def store(self):
        return self.engine.store

    def text(self, message_id: str, **fields: object) -> str:
        """A text of the message catalogue (``chatcore.messages``) in the reply language."""
        return self.engine.messages.text(message_id, self.language, **fields)
