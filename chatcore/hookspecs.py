"""Every hook a chatcore plugin can implement, grouped by phase.

Plugins implement hooks with ``@chatcore.hookimpl``. The ``register`` callbacks follow one
signature for every component kind::

    register(name, factory, *, settings=None, description="", **options)

``factory(settings, runtime)`` builds the component; ``settings`` is an instance of the
``settings`` model (a ``chatcore.Settings`` subclass) validated from the config section named
after the component. Registration hooks run once per plugin manager; a plugin that raises is
named in the error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from collections.abc import Callable

    import click

    from chatcore.contracts import EngineView
    from chatcore.registry import Register
    from chatcore.types import Message, Reply

hookspec = pluggy.HookspecMarker("chatcore")
hookimpl = pluggy.HookimplMarker("chatcore")


# --- registration: plugins contribute components ------------------------------------------


@hookspec
def chatcore_register_frontends(register: Register) -> None:
    """Register frontends (REPL, Telegram, HTTP, ...).

    The factory returns a ``chatcore.Frontend``: ``async run(engine)`` serves until cancelled
    (``chatcore.serve_until_cancelled`` waits for that); see ``chatcore.contracts``.
    """


@hookspec
def chatcore_register_filters(register: Register) -> None:
    """Register content filters.

    The factory returns a ``chatcore.Filter``, ``async check(text, message) -> Verdict``;
    the config's ``filters.input`` and ``filters.output`` lists pick which run, in order.
    """


@hookspec
def chatcore_register_responders(register: Register) -> None:
    """Register responders.

    The factory returns a ``chatcore.Responder``,
    ``async respond(message, context) -> Reply | None``; ``context`` is the recent turns of
    the conversation, oldest first. ``None`` passes the message to the next responder in the
    config's ``responders`` list.
    """


@hookspec
def chatcore_register_stores(register: Register) -> None:
    """Register conversation stores (implementations of ``chatcore.store.ConversationStore``)."""


@hookspec
def chatcore_register_commands(register: Register) -> None:
    """Register chat commands such as ``/help``.

    Here ``factory`` is the handler, ``async handler(ctx: CommandContext) -> str | Reply``;
    options: ``usage`` (argument synopsis) and ``admin_only`` (bool).
    """


@hookspec
def chatcore_register_messages(register: Callable[[dict[str, dict[str, str]]], None]) -> None:
    """Register the texts the plugin says to users: ``register(MESSAGES)``, a mapping of
    message id -> language -> ``str.format`` template, every id with an ``"en"`` text.

    Commands look them up with ``ctx.text(message_id, **fields)``, frontends with
    ``engine.messages.text(message_id, language, **fields)``; the config's ``messages:``
    section overrides them (see ``chatcore.messages``).
    """


@hookspec
def chatcore_register_cli(cli: click.Group) -> None:
    """Add sub-commands to the ``chatcore`` command line (a click group).

    Keep imports inside the command functions so ``chatcore --help`` stays instant.
    """


# --- lifecycle ------------------------------------------------------------------------------


@hookspec
def chatcore_startup(engine: EngineView) -> Any:
    """Called once after the engine and its components are built, before the first message.

    May return an awaitable, which is awaited.
    """


@hookspec
def chatcore_shutdown(engine: EngineView) -> Any:
    """Called once when the engine stops, before the store is closed. May return an awaitable."""


# --- observers: logging, metrics, audit -------------------------------------------------------


@hookspec
def chatcore_on_message(message: Message, engine: EngineView) -> None:
    """Called for every incoming message before the pipeline runs. Return values are ignored;
    an exception is logged and never reaches the user."""


@hookspec
def chatcore_on_reply(message: Message, reply: Reply, engine: EngineView) -> None:
    """Called with every reply (answers, command output, refusals, errors) after it is stored.

    ``reply.verdicts`` holds every filter decision. Exceptions are logged and swallowed.
    """
