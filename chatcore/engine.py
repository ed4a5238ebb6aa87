"""The engine: every message runs through one pipeline.

limits -> commands -> input filters -> responder -> output filters -> store.
Messages of one chat are handled in arrival order; different chats run concurrently.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Generic, TypeVar

from chatcore.commands import parse_command
from chatcore.contracts import Command, CommandContext, Filter, Notify, Outlet, Responder
from chatcore.errors import Unreachable
from chatcore.language import detect_language
from chatcore.limits import RateLimiter
from chatcore.messages import Catalogue
from chatcore.settings import EngineSettings, FiltersSettings
from chatcore.store import ConversationStore, Turn
from chatcore.types import Action, Message, Reply, Verdict

log = logging.getLogger(__name__)
ComponentT = TypeVar("ComponentT")


@dataclass
class Named(Generic[ComponentT]):
    """A built component with the name it was configured under."""

    name: str
    component: ComponentT


@dataclass
class _Outcome:
    """The pipeline's result before observers: the reply and the turn to store."""

    reply: Reply
    turn: Turn | None = None


@dataclass
class Engine:
    store: ConversationStore
    responders: list[Named[Responder]]
    input_filters: list[Named[Filter]] = field(default_factory=list)
    output_filters: list[Named[Filter]] = field(default_factory=list)
    commands: dict[str, Command] = field(default_factory=dict)
    settings: EngineSettings = field(default_factory=EngineSettings)
    filter_settings: FiltersSettings = field(default_factory=FiltersSettings)
    messages: Catalogue = field(default_factory=Catalogue)  # every text users see
    notify: Notify | None = None  # runs an observer hook in every plugin (the runtime's)
    clock: Callable[[], float] = time.time
    # True: a turn the store could not keep makes ``handle`` raise instead of replying (a
    # queue worker then retries the message, so no answer goes out unstored); False, the
    # default for one process: the user still gets the answer and the operator a log line.
    strict_store: bool = False
    # what components offer to commands and frontends by name (the handoff plugin's inbox):
    # filled by the components themselves in ``attach(engine)``
    services: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        limit = self.settings.rate_limit
        self._rate_limiter = RateLimiter(limit.messages, limit.per_seconds)
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._chat_waiters: dict[str, int] = {}
        self._observers: set[asyncio.Task] = set()  # async observer hooks still running
        self._outlets: dict[str, Outlet] = {}  # channel -> how to reach its chats unasked
        self._started = False

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the store and components, then run the startup hooks."""
        if self._started:
            return
        started: list[Named] = []
        try:
            await self.store.open()
            for named in self._components():
                attach = getattr(named.component, "attach", None)
                if callable(attach):
                    attach(self)
            for named in self._components():
                started.append(named)  # closed even if its own start fails half-way
                await _maybe_call(named.component, "start")
            await self._lifecycle("chatcore_startup")
        except BaseException:  # a failed start leaves nothing open
            await self._close(started)
            raise
        self._started = True

    async def ready(self) -> None:
        """Wait until every component can serve (a model loaded and checked); raises what
        stops one, so no frontend says it is ready in front of a model that cannot load.
        Components say so with an optional ``async ready()``."""
        for named in self._components():
            await _maybe_call(named.component, "ready")

    async def stop(self) -> None:
        """Run the shutdown hooks, close components, then the store."""
        if not self._started:
            return
        self._started = False
        await self._lifecycle("chatcore_shutdown")
        if self._observers:
            await asyncio.gather(*self._observers, return_exceptions=True)
        await self._close(self._components())

    async def _close(self, components: list[Named]) -> None:
        for named in components:
            try:
                await _maybe_call(named.component, "close")
            except Exception:
                log.exception("component %r failed to close", named.name)
        await self.store.close()

    async def __aenter__(self) -> Engine:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _components(self) -> list[Named]:
        """Each component once, though a filter may serve both input and output."""
        unique = {id(n.component): n for n in [*self.responders, *self.input_filters]}
        for named in self.output_filters:
            unique.setdefault(id(named.component), named)
        return list(unique.values())

    async def _lifecycle(self, hook: str) -> None:
        if self.notify is None:
            return
        for result in self.notify(hook, engine=self):
            if inspect.isawaitable(result):
                try:
                    await result
                except Exception:
                    log.exception("a plugin failed in %s", hook)

    # --- the pipeline ----------------------------------------------------------------------

    async def handle(self, message: Message) -> Reply:
        """Answer one message. Never raises for a plugin's fault: the user gets a polite reply."""
        started = time.perf_counter()
        self._observe("chatcore_on_message", message=message)
        async with self._chat_lock(message.chat_key):
            try:
                outcome = await self._run(message)
            except Exception:
                log.exception("pipeline failed for chat %s", message.chat_key)
                outcome = _Outcome(self._error_reply(message.language))
            if outcome.turn is not None and not outcome.reply.unstored:
                await self._store(outcome.turn)
        reply = replace(outcome.reply, latency_ms=(time.perf_counter() - started) * 1000)
        self._observe("chatcore_on_reply", message=message, reply=reply)
        return reply

    async def _store(self, turn: Turn) -> None:
        """Store a turn; when the store cannot (disk full, database locked too long) the user
        still gets the answer already computed (unless ``strict_store``: then it raises, for a
        caller that can retry the message), and the operator one line per turn lost
        (the store's write is atomic: nothing half-written)."""
        try:
            await self.store.append_turn(turn)
        except Exception as exc:
            log.error("could not store a turn of chat %s: %s", turn.chat_key, _one_line(exc))
            if self.strict_store:
                raise

    async def _run(self, message: Message) -> _Outcome:
        message, truncated = self._truncate(message)
        admin = self.is_admin(message)
        if not admin:
            limited = await self._check_limits(message)
            if limited is not None:
                return _Outcome(limited)
        language = await self.language_for(message)
        message = replace(message, language=language)
        command = parse_command(message.text)
        if command is not None:
            return _Outcome(await self._run_command(message, *command, admin=admin))
        return await self._answer(message, truncated, admin)

    async def _answer(self, message: Message, truncated: bool, admin: bool) -> _Outcome:
        context = await self._context(message)
        await self._prepare(message, context)
        verdicts, text = await self._filter("input", self.input_filters, message.text, message)
        if any(v.action is Action.BLOCK for v in verdicts):
            refusal = await self._refuse(message, admin, verdicts)
            return _Outcome(refusal, self._turn(message, refusal, truncated, redacted=True))
        message = replace(message, text=text)
        reply = await self._respond(message, context)
        out_verdicts, reply_text = await self._filter(
            "output", self.output_filters, reply.text, message
        )
        if any(v.action is Action.BLOCK for v in out_verdicts):
            reply_text = self.fallback_text(message.language)
            reply = replace(reply, fallback=True, kind="refusal", choices=())
        reply = replace(reply, text=reply_text, verdicts=(*verdicts, *out_verdicts))
        if reply.fallback:
            reply = await self._after_fallback(message, await self._offer(reply, message), context)
        return _Outcome(reply, self._turn(message, reply, truncated))

    async def _offer(self, reply: Reply, message: Message) -> Reply:
        """A fallback's choices ("did you mean ...?"), each passed by the output filters like
        any text the user is shown; with none left it is the plain fallback."""
        kept = []
        for choice in dict.fromkeys(reply.choices):
            verdicts, _ = await self._filter("output", self.output_filters, choice, message)
            if not verdicts:
                kept.append(choice)
        if not kept:
            return replace(reply, choices=())
        text = self.say("fallback.choices", message.language)
        return replace(reply, text=text, choices=tuple(kept))

    async def _after_fallback(self, message: Message, reply: Reply, context: list[Turn]) -> Reply:
        """Responders with ``after_fallback`` may replace a fallback (the first that returns
        a Reply wins): what they say passes the output filters too."""
        for named in self.responders:
            hook = getattr(named.component, "after_fallback", None)
            if hook is None:
                continue
            try:
                instead = await hook(message, reply, context)
            except Exception:
                log.exception("responder %r failed after a fallback", named.name)
                continue
            if instead is None:
                continue
            checked, blocked = await self._checked(
                replace(instead, source=instead.source or named.name), message
            )
            return replace(reply, verdicts=checked.verdicts) if blocked else checked
        return reply

    async def _checked(self, reply: Reply, message: Message) -> tuple[Reply, bool]:
        """A reply through the output filters (masked as they mask) and whether one blocked
        it."""
        verdicts, text = await self._filter("output", self.output_filters, reply.text, message)
        blocked = any(v.action is Action.BLOCK for v in verdicts)
        return replace(reply, text=text, verdicts=(*reply.verdicts, *verdicts)), blocked

    # --- replies sent unasked ----------------------------------------------------------------

    def add_outlet(self, channel: str, outlet: Outlet) -> Callable[[], None]:
        """Let ``push`` reach ``channel``'s chats through ``outlet``; returns its remover."""
        self._outlets[channel] = outlet

        def remove() -> None:
            if self._outlets.get(channel) is outlet:
                del self._outlets[channel]

        return remove

    def can_push(self, chat_key: str) -> bool:
        """Whether a frontend of the chat's channel runs in this process (``push`` works)."""
        return chat_key.partition(":")[0] in self._outlets

    async def push(self, chat_key: str, reply: Reply) -> Reply:
        """Send a reply to a chat unasked, after the output filters; returns what was sent,
        or, when a filter blocks it, the reply with ``kind="refusal"`` and nothing is sent.
        Raises Unreachable when no frontend of the chat's channel runs in this process."""
        channel, _, chat_id = chat_key.partition(":")
        outlet = self._outlets.get(channel)
        if outlet is None:
            raise Unreachable(
                f"cannot reach {chat_key}: no {channel!r} frontend runs in this process"
            )
        probe = Message(channel, chat_id, "", reply.text, language=reply.language)
        checked, blocked = await self._checked(reply, probe)
        if blocked:
            return replace(checked, text="", kind="refusal")
        await outlet.push(chat_id, checked)
        return checked

    async def _context(self, message: Message) -> list[Turn]:
        """The chat's recent turns that still count: at most ``context_turns``, none older
        than ``context_max_age_seconds``."""
        if self.settings.context_turns == 0:
            return []
        turns = await self.store.recent_turns(message.chat_key, self.settings.context_turns)
        max_age = self.settings.context_max_age_seconds
        if max_age <= 0:
            return turns
        oldest = self.clock() - max_age
        return [turn for turn in turns if turn.created_at >= oldest]

    def _truncate(self, message: Message) -> tuple[Message, bool]:
        cap = self.settings.max_message_chars
        if len(message.text) <= cap:
            return message, False
        return replace(message, text=message.text[:cap]), True

    def is_admin(self, message: Message) -> bool:
        return message.is_admin or message.user_id in self.settings.admins

    async def language_for(self, message: Message) -> str:
        """The chat's pinned language (``/lang``), else the frontend's hint, else detected."""
        pinned = await self.store.get_setting(message.chat_key, "lang")
        if pinned:
            return pinned
        default = message.language or self.settings.default_language
        return detect_language(message.text, default)

    async def _check_limits(self, message: Message) -> Reply | None:
        muted_until = await self.store.muted_until(message.chat_key, message.user_id)
        if muted_until > self.clock():
            return Reply("", kind="muted", source="limits")
        if not await self._allow(f"{message.channel}:{message.user_id}"):
            default = message.language or self.settings.default_language
            text = self.say("rate_limited", detect_language(message.text, default))
            return Reply(text, kind="limited", source="limits")
        return None

    async def _allow(self, key: str) -> bool:
        """The rate limit: the store's when it shares one across workers, else in process."""
        limit = self.settings.rate_limit
        now = self.clock()
        shared = await self.store.allow_message(key, limit.messages, limit.per_seconds, now)
        return self._rate_limiter.allow(key) if shared is None else shared

    async def _refuse(self, message: Message, admin: bool, verdicts: list[Verdict]) -> Reply:
        """A blocked message: count a strike and mute after too many; one notice per mute."""
        text = self.say("refusal", message.language)
        # a filter's own failure (fail-closed) is not the user's fault: no strike for it
        earned = any(v.action is Action.BLOCK and v.category != "filter-error" for v in verdicts)
        if not admin and earned:
            strikes = self.settings.strikes
            now = self.clock()
            await self.store.add_strike(message.chat_key, message.user_id, now)
            # strikes that led to an earlier mute are spent: after it expires, start afresh
            last_mute = await self.store.muted_until(message.chat_key, message.user_id)
            since = max(now - strikes.window_seconds, last_mute)
            count = await self.store.count_strikes(message.chat_key, message.user_id, since)
            if count >= strikes.max_strikes and strikes.mute_seconds > 0:
                until = now + strikes.mute_seconds
                await self.store.set_muted_until(message.chat_key, message.user_id, until)
                text = self.say("muted", message.language)
        return Reply(
            text, confidence=1.0, kind="refusal", source="moderation", verdicts=tuple(verdicts)
        )

    async def _filter(
        self, stage: str, filters: Sequence[Named], text: str, message: Message
    ) -> tuple[list[Verdict], str]:
        """Run filters in order; MASK rewrites the text for the next filter, BLOCK stops."""
        verdicts: list[Verdict] = []
        for named in filters:
            verdict = await self._check_one(stage, named, text, message)
            if verdict.action is not Action.ALLOW:
                verdicts.append(verdict)
            if verdict.action is Action.MASK and verdict.masked is not None:
                text = verdict.masked
            if verdict.action is Action.BLOCK:
                break
        return verdicts, text

    async def _check_one(self, stage: str, named: Named, text: str, message: Message) -> Verdict:
        try:
            verdict = await named.component.check(text, message)
            return replace(verdict, filter=verdict.filter or named.name, stage=stage)
        except Exception:
            log.exception("%s filter %r failed", stage, named.name)
            closed = getattr(self.filter_settings.on_error, stage) == "closed"
            action = Action.BLOCK if closed else Action.FLAG
            return Verdict(action, category="filter-error", filter=named.name, stage=stage)

    async def _prepare(self, message: Message, context: list[Turn]) -> None:
        """The responders' optional ``prepare(message, context)`` (plain or async), before
        the input filters read the message: a quick word of what a responder will need, so
        work the filters do anyway can include it. A failure here is logged; ``respond``
        still runs."""
        for named in self.responders:
            prepare = getattr(named.component, "prepare", None)
            if prepare is None:
                continue
            try:
                prepared = prepare(message, context)
                if inspect.isawaitable(prepared):
                    await prepared
            except Exception:
                log.exception("responder %r failed to prepare", named.name)

    async def _respond(self, message: Message, context: list[Turn]) -> Reply:
        for named in self.responders:
            try:
                reply = await named.component.respond(message, context)
            except Exception:
                log.exception("responder %r failed", named.name)
                return self._error_reply(message.language)
            if reply is None:
                continue
            if not reply.source:
                reply = replace(reply, source=named.name)
            if reply.fallback:
                reply = replace(reply, text=self.fallback_text(message.language))
            return replace(reply, language=message.language)
        return Reply(self.fallback_text(message.language), 0.0, True, "fallback")

    def say(self, message_id: str, language: str | None, **fields: object) -> str:
        """A text of the catalogue in a language (none given: the default language)."""
        return self.messages.text(message_id, language or self.settings.default_language, **fields)

    def fallback_text(self, language: str | None) -> str:
        return self.say("fallback", language)

    def _error_reply(self, language: str | None) -> Reply:
        text = self.say("error_reply", language)
        return Reply(text, confidence=0.0, fallback=True, source="engine", kind="error")

    async def _run_command(self, message: Message, name: str, args: str, *, admin: bool) -> Reply:
        command = self.commands.get(name)
        if command is None:
            text = self.say("unknown_command", message.language, name=name)
            return Reply(text, kind="command", source="commands")
        if command.admin_only and not admin:
            text = self.say("admin_only", message.language, name=name)
            return Reply(text, kind="refusal", source=f"command:{name}")
        ctx = CommandContext(message, name, args, self, message.language or "en")
        try:
            result = await command.handler(ctx)
        except Exception:
            log.exception("command /%s (plugin %r) failed", name, command.plugin)
            return self._error_reply(message.language)
        if isinstance(result, Reply):
            return result
        return Reply(str(result), kind="command", source=f"command:{name}")

    def _turn(
        self, message: Message, reply: Reply, truncated: bool, redacted: bool = False
    ) -> Turn:
        user_text = message.text
        if redacted:
            user_text = next((v.snippet for v in reply.verdicts if v.snippet), "[blocked]")
        return Turn(
            chat_key=message.chat_key,
            user_id=message.user_id,
            user_text=user_text,
            reply_text=reply.text,
            confidence=reply.confidence,
            fallback=reply.fallback,
            source=reply.source,
            verdicts=[v.to_dict() for v in reply.verdicts],
            language=message.language,
            truncated=truncated,
            created_at=message.received_at,
            message_id=message.message_id,
        )

    # --- helpers ---------------------------------------------------------------------------

    def _observe(self, hook: str, **kwargs: Any) -> None:
        """Observers never delay the reply: an async one runs as a task, its errors logged."""
        if self.notify is None:
            return
        for result in self.notify(hook, engine=self, **kwargs):
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._observers.add(task)
                task.add_done_callback(partial(_observer_done, self._observers, hook))

    @asynccontextmanager
    async def _chat_lock(self, chat_key: str) -> AsyncIterator[None]:
        """One lock per chat, dropped when nobody waits, so idle chats cost nothing."""
        lock = self._chat_locks.setdefault(chat_key, asyncio.Lock())
        self._chat_waiters[chat_key] = self._chat_waiters.get(chat_key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._chat_waiters[chat_key] -= 1
            if self._chat_waiters[chat_key] == 0:
                del self._chat_waiters[chat_key]
                del self._chat_locks[chat_key]


def _one_line(exc: BaseException) -> str:
    from chatcore.errors import file_system_problem

    if isinstance(exc, OSError):
        return file_system_problem(exc)
    return f"{type(exc).__name__}: {exc}"


def _observer_done(running: set[asyncio.Task], hook: str, task: asyncio.Task) -> None:
    running.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("an async %s observer failed", hook, exc_info=task.exception())


async def _maybe_call(component: Any, method: str) -> None:
    func = getattr(component, method, None)
    if func is None:
        return
    result = func()
    if inspect.isawaitable(result):
        await result
