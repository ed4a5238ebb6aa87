"""The store for several bot workers sharing state: Redis through ``redis.asyncio``.

Each chat's turns are one list (``<prefix>turns:<chat_key>``); every entry is
``"<created_at> <conversation> <id> <turn json>"``. Appending is one Lua script, so the read of
the conversation number, the push, the trim to ``max_turns_per_chat``, the retention pruning and
the TTL refresh happen atomically: two workers writing (even the same chat) never lose or
interleave a turn. A chat idle for longer than the retention expires as a whole (TTL).

A turn with a ``message_id`` first claims ``<prefix>turnmsg:<len(chat_key)>:<chat_key>:<id>``
(SET NX, in the same script, kept 7 days or the retention if longer): a message re-run by another
worker stores no second turn. The rate limit is shared by every worker: a sliding window on the
sorted set ``<prefix>rate:<key>``, checked and counted by one script.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from typing import Any

from pydantic import Field

from chatcore.builtin.conversation.common import StoreLimits, prepare_turn
from chatcore.errors import StoreError
from chatcore.store import ConversationStore, Turn

MESSAGE_ID_SECONDS = 7 * 86400  # a message id is remembered at least this long

APPEND = """
if KEYS[4] and not redis.call('SET', KEYS[4], '1', 'NX', 'EX', ARGV[6]) then return 0 end
local conv = redis.call('GET', KEYS[2]) or '0'
local id = redis.call('INCR', KEYS[3])
redis.call('RPUSH', KEYS[1], ARGV[1] .. ' ' .. conv .. ' ' .. id .. ' ' .. ARGV[2])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[3]), -1)
if ARGV[5] ~= '' then
  local cutoff = tonumber(ARGV[5])
  for i = 1, 100 do
    local head = redis.call('LINDEX', KEYS[1], 0)
    if not head or tonumber(string.match(head, '^(%S+)')) >= cutoff then break end
    redis.call('LPOP', KEYS[1])
  end
end
if tonumber(ARGV[4]) > 0 then
  for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
end
return id
"""

RECENT = """
local conv = redis.call('GET', KEYS[2]) or '0'
local entries = redis.call('LRANGE', KEYS[1], -tonumber(ARGV[1]), -1)
local pattern = '^%S+ ' .. conv .. ' '
local current = {}
for _, entry in ipairs(entries) do
  if string.find(entry, pattern) then current[#current + 1] = entry end
end
return current
"""

PRUNE = """
local cutoff = tonumber(ARGV[1])
local removed = 0
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head or tonumber(string.match(head, '^(%S+)')) >= cutoff then break end
  redis.call('LPOP', KEYS[1])
  removed = removed + 1
end
return removed
"""

ALLOW = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
"""

FORGET = """
local items = redis.call('LRANGE', KEYS[1], 0, -1)
local kept, removed = {}, 0
for _, item in ipairs(items) do
  local body = string.match(item, '^%S+ %S+ %S+ (.*)$')
  local ok, turn = pcall(cjson.decode, body)
  if ok and turn.user_id == ARGV[1] then removed = removed + 1 else kept[#kept + 1] = item end
end
if removed > 0 then
  local ttl = redis.call('PTTL', KEYS[1])
  redis.call('DEL', KEYS[1])
  for i = 1, #kept, 1000 do
    redis.call('RPUSH', KEYS[1], unpack(kept, i, math.min(i + 999, #kept)))
  end
  if ttl > 0 and #kept > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
end
redis.call('DEL', KEYS[2], KEYS[3])
return removed
"""


class RedisSettings(StoreLimits):
    url: str = Field("redis://127.0.0.1:6379/0", description="may use ${REDIS_URL}")
    key_prefix: str = Field("chatcore:", description="namespace of every key this store writes")


class RedisStore(ConversationStore):
    def __init__(self, settings: RedisSettings, clock=time.time) -> None:
        self.settings = settings
        self.clock = clock
        self._client: Any = None
        self._scripts: dict[str, Any] = {}

    async def open(self) -> None:
        """Connect and check the server answers, so a wrong URL fails at startup."""
        if self._client is not None:
            return
        import redis.asyncio as aioredis
        from redis.exceptions import RedisError

        # a pool that waits for a free connection when all are busy (the default one fails at
        # once, which would fail a reply in a burst of concurrent chats)
        pool = aioredis.BlockingConnectionPool.from_url(
            self.settings.url, decode_responses=True, max_connections=128, timeout=20
        )
        client = aioredis.Redis(connection_pool=pool)
        try:
            await client.ping()
        except RedisError as exc:
            await client.aclose()
            where = _masked(self.settings.url)
            raise StoreError(f"redis store: cannot reach {where}: {exc}") from exc
        self._client = client
        self._scripts = {n: client.register_script(s) for n, s in _SCRIPTS.items()}

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def _redis(self) -> Any:
        if self._client is None:
            await self.open()
        return self._client

    def _key(self, kind: str, chat_key: str, user_id: str | None = None) -> str:
        if user_id is None:
            return f"{self.settings.key_prefix}{kind}:{chat_key}"
        return f"{self.settings.key_prefix}{kind}:{len(chat_key)}:{chat_key}:{user_id}"

    def _chat_keys_of(self, chat_key: str) -> list[str]:
        return [self._key(k, chat_key) for k in ("turns", "conv", "seq")]

    def _message_key(self, turn: Turn) -> list[str]:
        """The key claimed by a turn's message id (none without one)."""
        if turn.message_id is None:
            return []
        return [self._key("turnmsg", turn.chat_key, turn.message_id)]

    @property
    def _ttl(self) -> int:
        retention = self.settings.retention_seconds
        return 0 if retention is None else max(1, int(retention))

    # --- turns -----------------------------------------------------------------------------

    async def append_turn(self, turn: Turn) -> None:
        await self._redis()
        stored = prepare_turn(turn, self.settings.max_text_chars)
        body = stored.to_dict()
        for generated in ("chat_key", "conversation", "id"):
            body.pop(generated)
        retention = self.settings.retention_seconds
        cutoff = "" if retention is None else repr(self.clock() - retention)
        args = [repr(float(stored.created_at)), _dumps(body)]
        args += [self.settings.max_turns_per_chat, self._ttl, cutoff]
        args.append(max(MESSAGE_ID_SECONDS, self._ttl))
        keys = self._chat_keys_of(turn.chat_key) + self._message_key(turn)
        await self._scripts["append"](keys=keys, args=args)

    async def recent_turns(self, chat_key: str, limit: int) -> list[Turn]:
        if limit <= 0:
            return []
        await self._redis()
        keys = [self._key("turns", chat_key), self._key("conv", chat_key)]
        entries = await self._scripts["recent"](keys=keys, args=[limit])
        return [_parse(chat_key, entry) for entry in entries]

    async def all_turns(self, chat_key: str) -> list[Turn]:
        client = await self._redis()
        entries = await client.lrange(self._key("turns", chat_key), 0, -1)
        return [_parse(chat_key, entry) for entry in entries]

    async def chat_keys(self) -> list[str]:
        client = await self._redis()
        head = self._key("turns", "")
        pattern = _glob_escape(head) + "*"
        return sorted({key[len(head) :] async for key in client.scan_iter(match=pattern)})

    async def reset(self, chat_key: str) -> None:
        client = await self._redis()
        async with client.pipeline(transaction=True) as pipe:
            pipe.incr(self._key("conv", chat_key))
            if self._ttl:
                pipe.expire(self._key("conv", chat_key), self._ttl)
            await pipe.execute()

    async def forget_user(self, chat_key: str, user_id: str) -> int:
        await self._redis()
        keys = [self._key("turns", chat_key), self._key("strikes", chat_key, user_id)]
        keys.append(self._key("mute", chat_key, user_id))
        deleted = int(await self._scripts["forget"](keys=keys, args=[user_id]))
        await self._drop_feedback(chat_key)
        return deleted

    async def _drop_feedback(self, chat_key: str) -> None:
        """Verdicts go with their turns."""
        client = await self._redis()
        key = self._key("feedback", chat_key)
        present = {str(t.id) for t in await self.all_turns(chat_key)}
        gone = [turn for turn in await client.hkeys(key) if turn not in present]
        if gone:
            await client.hdel(key, *gone)

    async def set_feedback(self, chat_key: str, turn_id: int, user_id: str, value: int) -> bool:
        if turn_id not in {t.id for t in await self.all_turns(chat_key)}:
            return False
        client = await self._redis()
        key = self._key("feedback", chat_key)
        async with client.pipeline(transaction=True) as pipe:
            pipe.hset(key, str(turn_id), str(value))
            if self._ttl:
                pipe.expire(key, self._ttl)
            await pipe.execute()
        return True

    async def feedback(self, chat_key: str) -> dict[int, int]:
        """Verdicts of turns still stored (a forgotten or pruned turn's is left to expire)."""
        client = await self._redis()
        stored = await client.hgetall(self._key("feedback", chat_key))
        present = {t.id for t in await self.all_turns(chat_key)}
        found = {int(turn): int(value) for turn, value in stored.items()}
        return {turn: value for turn, value in found.items() if turn in present and value}

    async def prune(self, before: float) -> int:
        removed = 0
        for chat_key in await self.chat_keys():
            key = self._key("turns", chat_key)
            removed += int(await self._scripts["prune"](keys=[key], args=[repr(before)]))
            await self._drop_feedback(chat_key)
        return removed

    # --- shared limits ---------------------------------------------------------------------

    async def allow_message(self, key: str, limit: int, period: float, now: float) -> bool:
        """The rate limit every worker on this server shares: one script checks and counts."""
        await self._redis()
        member = f"{now!r}:{uuid.uuid4().hex}"  # unique: two events at one time both count
        args = [repr(float(now)), repr(float(period)), limit, member]
        args.append(max(1, math.ceil(period * 1000)))
        rate_key = f"{self.settings.key_prefix}rate:{key}"
        return bool(await self._scripts["allow"](keys=[rate_key], args=args))

    # --- settings, strikes, mutes ----------------------------------------------------------

    async def get_setting(self, chat_key: str, key: str) -> str | None:
        client = await self._redis()
        return await client.hget(self._key("settings", chat_key), key)

    async def set_setting(self, chat_key: str, key: str, value: str | None) -> None:
        client = await self._redis()
        if value is None:
            await client.hdel(self._key("settings", chat_key), key)
        else:
            await client.hset(self._key("settings", chat_key), key, value)

    async def add_strike(self, chat_key: str, user_id: str, at: float) -> None:
        client = await self._redis()
        key = self._key("strikes", chat_key, user_id)
        async with client.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {f"{at!r}:{time.perf_counter_ns()}": at})
            if self._ttl:
                pipe.expire(key, self._ttl)
            await pipe.execute()

    async def count_strikes(self, chat_key: str, user_id: str, since: float) -> int:
        client = await self._redis()
        return int(await client.zcount(self._key("strikes", chat_key, user_id), since, "+inf"))

    async def set_muted_until(self, chat_key: str, user_id: str, until: float) -> None:
        client = await self._redis()
        key = self._key("mute", chat_key, user_id)
        if until <= 0:
            await client.delete(key)
            return
        # kept for the retention after it ends: the engine counts strikes since the last mute
        ttl = self._ttl and self._ttl + max(0, int(until - self.clock()))
        await client.set(key, repr(float(until)), ex=ttl or None)

    async def muted_until(self, chat_key: str, user_id: str) -> float:
        client = await self._redis()
        value = await client.get(self._key("mute", chat_key, user_id))
        return float(value) if value else 0.0


_SCRIPTS = {"append": APPEND, "recent": RECENT, "prune": PRUNE, "forget": FORGET, "allow": ALLOW}


def _dumps(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)


def _parse(chat_key: str, entry: str) -> Turn:
    _, conversation, turn_id, body = entry.split(" ", 3)
    data = json.loads(body)
    return Turn(chat_key=chat_key, conversation=int(conversation), id=int(turn_id), **data)


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


def _masked(url: str) -> str:
    """The URL without its password, for error messages."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"


def build_redis_store(settings: RedisSettings, runtime: Any) -> RedisStore:
    return RedisStore(settings)
