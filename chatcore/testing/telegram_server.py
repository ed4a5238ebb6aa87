"""A fake Telegram Bot API server on 127.0.0.1, for testing bots without the internet.

Point python-telegram-bot (or any Bot API client) at ``server.api_base_url``; inject updates
with ``server.text(...)`` and friends; read what the bot sent from ``server.sent``; press its
inline buttons with ``server.press(...)``; inject faults (429, 5xx, slow answers, dropped
connections) with ``server.fault(...)``. See docs/telegram.md. aiohttp is a test dependency,
imported here only.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, web

DEFAULT_TOKEN = "123456789:TEST-fake-token-for-chatcore-tests"
STRING_PARAMS = frozenset(
    {"text", "caption", "url", "secret_token", "description", "title", "callback_query_id"}
)  # never JSON-decoded: a text "42" or a query id "0042" must stay the string it was
REGISTERED = object()  # deliver(): use the secret token the bot registered with setWebhook


@dataclass
class Fault:
    """One injected fault: ``kind`` is ``status`` (HTTP error), ``retry_after`` (429),
    ``slow`` (delay, then answer) or ``drop`` (close the connection, no answer)."""

    kind: str
    method: str | None = None
    chat_id: int | None = None
    times: int | None = 1  # None: forever
    status: int = 502
    retry_after: int = 1
    delay: float = 0.0
    hits: int = 0

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.chat_id is None or str(params.get("chat_id")) == str(self.chat_id)


@dataclass
class Call:
    """One request the bot made: method, decoded parameters and when it arrived."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakeTelegramServer:
    """The Bot API subset a bot needs (getMe, getUpdates with long polling and offsets,
    sendMessage, sendChatAction, setMyCommands, webhooks, inline keyboards: editMessageText,
    editMessageReplyMarkup, answerCallbackQuery), plus a test API. The token's digits before
    ':' are the bot's user id, as on Telegram."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, bot_username: str = "chatcore_test_bot"):
        self.token = token
        self.bot = {"id": int(token.split(":")[0]), "is_bot": True, "first_name": "Chatcore"}
        self.bot |= {"username": bot_username, "can_join_groups": True}
        self.bot |= {"can_read_all_group_messages": False, "supports_inline_queries": False}
        self.calls: list[Call] = []
        self.sent: list[dict[str, Any]] = []  # messages the bot sent, as the API returned them
        self.answered_callbacks: dict[str, dict[str, Any]] = {}  # query id -> the answer
        self.faults: list[Fault] = []
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.webhook: dict[str, Any] = {}
        self.confirmed_offset = 0
        self._pending: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._queries: dict[str, dict[str, Any]] = {}  # callback queries pushed by press()
        self._query_ids = itertools.count(4_000_000_000_000_000_001)  # digits, as Telegram's
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self, port: int = 0) -> FakeTelegramServer:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=0.1
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def api_base_url(self) -> str:
        """What to configure as ``telegram.api_base_url``."""
        return f"http://127.0.0.1:{self.port}"

    # --- injecting updates -------------------------------------------------------------------

    def user(self, user_id: int, language_code: str = "en", **extra: Any) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"} | {
            "language_code": language_code,
            **extra,
        }

    def chat(self, chat_id: int, **extra: Any) -> dict[str, Any]:
        """A private chat for positive ids, a supergroup for negative ones."""
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}", **extra}
        return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}", **extra}

    def message(
        self,
        text: str | None = None,
        *,
        user_id: int = 1,
        chat_id: int | None = None,
        language_code: str = "en",
        reply_to: dict[str, Any] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """A Message object; commands and @mentions in ``text`` get their entities."""
        msg: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id if chat_id is not None else user_id),
            "from": self.user(user_id, language_code),
            **fields,
        }
        if text is not None:
            msg["text"] = text
            if entities := _entities(text):
                msg["entities"] = entities
        if reply_to is not None:
            msg["reply_to_message"] = reply_to
        return msg

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue an update ``{"update_id": .., kind: payload}`` for getUpdates; returns it."""
        update = {"update_id": next(self._update_ids), kind: payload}
        self._pending.append(update)
        asyncio.get_running_loop().create_task(self._notify())
        return update

    def redeliver(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update again with the same update_id, as Telegram does after a crash."""
        self._pending.append(update)
        asyncio.get_running_loop().create_task(self._notify())
        return update

    def text(self, text: str, **kwargs: Any) -> dict[str, Any]:
        """A user writes ``text`` (private chat unless ``chat_id`` is negative)."""
        return self.push("message", self.message(text, **kwargs))

    def mention(self, text: str, **kwargs: Any) -> dict[str, Any]:
        """A group message that mentions the bot by @username."""
        return self.text(f"@{self.bot['username']} {text}", **kwargs)

    def reply_to_bot(self, text: str, *, chat_id: int, **kwargs: Any) -> dict[str, Any]:
        """A message that replies to something the bot said in ``chat_id``."""
        original = {"message_id": 1, "date": int(time.time()), "chat": self.chat(chat_id)}
        original |= {"from": self.bot, "text": "an earlier answer"}
        return self.text(text, chat_id=chat_id, reply_to=original, **kwargs)

    def sticker(self, **kwargs: Any) -> dict[str, Any]:
        sticker = {"file_id": "st1", "file_unique_id": "st1u", "type": "regular"}
        sticker |= {"width": 512, "height": 512, "is_animated": False, "is_video": False}
        return self.push("message", self.message(sticker=sticker, **kwargs))

    def photo(self, **kwargs: Any) -> dict[str, Any]:
        size = {"file_id": "ph1", "file_unique_id": "ph1u", "width": 90, "height": 90}
        return self.push("message", self.message(photo=[size], **kwargs))

    def voice(self, **kwargs: Any) -> dict[str, Any]:
        voice = {"file_id": "vo1", "file_unique_id": "vo1u", "duration": 2}
        return self.push("message", self.message(voice=voice, **kwargs))

    def edited(self, text: str, **kwargs: Any) -> dict[str, Any]:
        return self.push("edited_message", self.message(text, edit_date=int(time.time()), **kwargs))

    def channel_post(self, text: str, chat_id: int = -1009) -> dict[str, Any]:
        chat = {"id": chat_id, "type": "channel", "title": "A channel"}
        post = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat}
        return self.push("channel_post", post | {"text": text})

    def new_members(self, user_ids: list[int], *, chat_id: int) -> dict[str, Any]:
        members = [self.user(u) for u in user_ids]
        return self.push("message", self.message(chat_id=chat_id, new_chat_members=members))

    def press(
        self,
        message: dict[str, Any],
        data: str | None = None,
        *,
        user_id: int | None = None,
        text: str | None = None,
        language_code: str = "en",
    ) -> dict[str, Any]:
        """A user presses an inline button of ``message`` (a dict from ``sent``): queues a
        ``callback_query`` update with ``data``, or with the callback_data of the button
        labelled ``text``. ``data`` is not checked against the keyboard, so a press on a
        keyboard the bot has since edited away (a race real users win) can be simulated.
        ``user_id`` defaults to the private chat's user, else 1."""
        if (data is None) == (text is None):
            raise ValueError("press() needs exactly one of data and text")
        if text is not None:
            found = [b for row in self.buttons(message) for b in row if b.get("text") == text]
            if not found or "callback_data" not in found[0]:
                raise LookupError(f"no callback button {text!r} on message {message['message_id']}")
            data = found[0]["callback_data"]
        chat_id = message["chat"]["id"]
        if user_id is None:
            user_id = chat_id if chat_id > 0 else 1
        query = {
            "id": str(next(self._query_ids)),
            "from": self.user(user_id, language_code),
            "message": copy.deepcopy(message),  # as it was when pressed, not after later edits
            "chat_instance": str(abs(chat_id) * 7919 + 1),  # stable per chat, opaque as on Telegram
            "data": data,
        }
        self._queries[query["id"]] = query
        return self.push("callback_query", query)

    # --- reading what the bot did --------------------------------------------------------------

    def texts(self, chat_id: int | None = None) -> list[str]:
        """Texts of the messages the bot sent (to one chat), in order."""
        return [m["text"] for m in self.sent if chat_id is None or m["chat"]["id"] == chat_id]

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def last_sent(self, chat_id: int | None = None) -> dict[str, Any]:
        """The latest message the bot sent (to ``chat_id``), the live dict that edits update;
        LookupError if there is none, so a test fails on the cause, not on a ``None``."""
        for message in reversed(self.sent):
            if chat_id is None or message["chat"]["id"] == chat_id:
                return message
        raise LookupError(f"the bot sent nothing{'' if chat_id is None else f' to {chat_id}'}")

    @staticmethod
    def buttons(message: dict[str, Any]) -> list[list[dict[str, Any]]]:
        """The inline keyboard's rows of buttons (``text``, ``callback_data``, ``url``, ...);
        ``[]`` when the message has none or it was edited away."""
        return list((message.get("reply_markup") or {}).get("inline_keyboard") or [])

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until ``predicate()`` is truthy (checked on every request); return its value."""
        async with asyncio.timeout(timeout):
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result

    async def wait_for_texts(
        self, count: int, chat_id: int | None = None, timeout: float = 10.0
    ) -> list[str]:
        """Wait until the bot sent at least ``count`` messages (to ``chat_id``)."""
        return await self.wait_for(lambda: len(self.texts(chat_id)) >= count, timeout) and (
            self.texts(chat_id)
        )

    # --- faults ------------------------------------------------------------------------------

    def fault(self, kind: str, method: str | None = None, **options: Any) -> Fault:
        """Inject a fault, e.g. ``fault("retry_after", "sendMessage", chat_id=5, retry_after=2)``,
        ``fault("status", "getUpdates", status=502, times=2)``, ``fault("drop", "sendMessage")``,
        ``fault("slow", "sendMessage", delay=1.0, times=None)``."""
        rule = Fault(kind, method, **options)
        self.faults.append(rule)
        return rule

    # --- webhook delivery ------------------------------------------------------------------------

    async def deliver(self, update: dict[str, Any], secret_token: Any = REGISTERED) -> int:
        """POST an update to the registered webhook, as Telegram does; returns the HTTP status.
        ``secret_token`` defaults to the one the bot registered; ``None`` omits the header."""
        if secret_token is REGISTERED:
            secret_token = self.webhook.get("secret_token")
        headers = {"Content-Type": "application/json"}
        if secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        async with ClientSession() as session:
            url = self.webhook["url"]
            async with session.post(url, data=json.dumps(update), headers=headers) as resp:
                return resp.status

    # --- the HTTP side ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append(Call(method, params))
        await self._notify()
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        for rule in self.faults:
            if rule.matches(method, params):
                rule.hits += 1
                answer = await self._apply(rule, request)
                if answer is not None:
                    return answer
                break
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        result = await handler(params)
        await self._notify()
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    async def _apply(self, rule: Fault, request: web.Request) -> web.StreamResponse | None:
        if rule.kind == "slow":
            await asyncio.sleep(rule.delay)
            return None
        if rule.kind == "retry_after":
            description = f"Too Many Requests: retry after {rule.retry_after}"
            return _error(429, description, {"retry_after": rule.retry_after})
        if rule.kind == "drop":
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("fault: dropped connection")
        return _error(rule.status, "Bad Gateway" if rule.status == 502 else "Server error")

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook.get("url"):
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        if offset > 0:  # confirms every update below it, as Telegram does
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if timeout > 0 and not self._pending:
            with contextlib.suppress(TimeoutError):
                await self.wait_for(lambda: self._pending, timeout)
        return self._pending[:limit]

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message = {"message_id": next(self._message_ids), "date": int(time.time())}
        message |= {"chat": self.chat(chat_id), "from": self.bot, "text": str(params["text"])}
        reply = params.get("reply_parameters") or {}
        if reply.get("message_id") or params.get("reply_to_message_id"):
            message["reply_to_message_id"] = reply.get("message_id") or int(
                params["reply_to_message_id"]
            )
        if params.get("message_thread_id"):
            message["message_thread_id"] = int(params["message_thread_id"])
        if params.get("parse_mode"):
            message["parse_mode"] = params["parse_mode"]
        if markup := _inline_markup(params):
            message["reply_markup"] = markup
        self.sent.append(message)
        return message

    def _find_sent(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """The message in ``sent`` an edit names by chat_id and message_id (inline_message_id,
        for messages sent via inline mode, is not supported: there are none here)."""
        chat_id, message_id = params.get("chat_id"), params.get("message_id")
        for message in self.sent:
            same_chat = str(message["chat"]["id"]) == str(chat_id)
            if same_chat and str(message["message_id"]) == str(message_id):
                return message
        return None

    def _set_markup(self, message: dict[str, Any], params: dict[str, Any]) -> None:
        """An edit without ``reply_markup`` removes the keyboard, as on Telegram."""
        if markup := _inline_markup(params):
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())

    async def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        message = self._find_sent(params)
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        message["text"] = str(params["text"])
        if params.get("parse_mode"):
            message["parse_mode"] = params["parse_mode"]
        else:
            message.pop("parse_mode", None)
        self._set_markup(message, params)
        return message  # edited in place: ``sent`` and earlier references see the new state

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        """As on Telegram, an edit that changes nothing is refused ("message is not
        modified"), which bots use to tell a second press of a button from the first."""
        message = self._find_sent(params)
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        if _inline_markup(params) == message.get("reply_markup"):
            return _error(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup of "
                "the message",
            )
        self._set_markup(message, params)
        return message

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        """Only queries from ``press()`` can be answered, each once: Telegram rejects a second
        answer with the same error as an unknown id, and a bot that answers twice has a bug."""
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._queries or query_id in self.answered_callbacks:
            return _error(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        show_alert = params.get("show_alert") in (True, "true", "True", 1)
        answer: dict[str, Any] = {"text": params.get("text"), "show_alert": show_alert}
        for key in ("url", "cache_time"):
            if params.get(key) is not None:
                answer[key] = params[key]
        self.answered_callbacks[query_id] = answer
        return True

    async def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        self.commands[scope] = list(params.get("commands") or [])
        return True

    async def _api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        return self.commands.get(json.dumps({"type": "default"}), [])

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            return _error(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": params.get("url", ""), "secret_token": params.get("secret_token")}
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        if str(params.get("drop_pending_updates")).lower() == "true":
            self._pending.clear()
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        info = {"url": self.webhook.get("url", ""), "has_custom_certificate": False}
        return info | {"pending_update_count": len(self._pending)}

    async def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    _api_logOut = _api_close


async def _params(request: web.Request) -> dict[str, Any]:
    """Bot API parameters from a query string, a form or a JSON body; JSON-encoded values
    (objects, lists, numbers, booleans) are decoded, plain strings stay strings."""
    raw: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        raw |= await request.json()
        return raw
    if request.body_exists:
        raw |= dict(await request.post())
    return {k: v if k in STRING_PARAMS else _decode(v) for k, v in raw.items()}


def _decode(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _inline_markup(params: dict[str, Any]) -> dict[str, Any] | None:
    """``reply_markup`` if it is an inline keyboard with buttons: Telegram's Message carries only
    those (a reply keyboard, ForceReply or an empty keyboard are not returned)."""
    markup = _decode(params.get("reply_markup"))
    if isinstance(markup, dict) and markup.get("inline_keyboard"):
        return markup
    return None


def _error(code: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)


def _entities(text: str) -> list[dict[str, Any]]:
    """bot_command and mention entities, with offsets in UTF-16 code units as Telegram counts."""
    entities = []
    position = 0
    for word in text.split(" "):
        kind = None
        if word.startswith("/") and position == 0 and len(word) > 1:
            kind = "bot_command"
        elif word.startswith("@") and len(word) > 1:
            kind = "mention"
        if kind:
            entities.append({"type": kind, "offset": position, "length": _utf16(word)})
        position += _utf16(word) + 1
    return entities


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
