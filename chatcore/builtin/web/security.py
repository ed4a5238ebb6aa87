"""Signed chat tokens, the console's password, sessions and login limits.

Only the standard library: HMAC-SHA256 signs tokens, scrypt hashes the password (memory-hard,
so a leaked hash is slow to attack), ``secrets`` makes every id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chatcore.errors import ConfigError

SCRYPT_PREFIX = "scrypt$"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
KEY_FILE = "secret.key"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ChatTokens:
    """A chat's token is ``<random id>.<signature>``: the id is 128 random bits, and only this
    server can sign one, so a browser can neither guess another's chat nor pick its own id."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def issue(self) -> tuple[str, str]:
        """A new chat: (its id, its token)."""
        chat_id = _b64(secrets.token_bytes(16))
        return chat_id, f"{chat_id}.{self._sign(chat_id)}"

    def chat_id(self, token: object) -> str | None:
        """The chat id a token names, or None if it is not one this server signed."""
        if not isinstance(token, str) or len(token) > 100 or token.count(".") != 1:
            return None
        chat_id, signature = token.split(".")
        if hmac.compare_digest(signature, self._sign(chat_id)):
            return chat_id
        return None

    def _sign(self, chat_id: str) -> str:
        mac = hmac.new(self._key, b"chat:" + chat_id.encode(), hashlib.sha256)
        return _b64(mac.digest()[:16])


def signing_key(configured: str | None, directory: Path) -> bytes:
    """The key tokens are signed with: from the config (any text, hashed to a key) or a random
    key made once and kept in ``directory`` (readable by its owner only), so tokens survive a
    restart. Several processes behind one address must share ``web.secret``."""
    if configured:
        return hashlib.sha256(b"chatcore-web:" + configured.encode()).digest()
    path = directory / KEY_FILE
    directory.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(fd, "w") as out:  # a new file: written whole before anyone trusts it
        out.write(secrets.token_hex(32))
        out.flush()
        os.fsync(out.fileno())
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ConfigError(f"{path}: not a chatcore web key (delete it to make a new one)")
    return key


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``scrypt$<salt>$<hash>``, what ``chatcore web hash-password`` prints."""
    salt = salt or secrets.token_bytes(16)
    digest = _scrypt(password, salt)
    return f"{SCRYPT_PREFIX}{_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash made by ``hash_password``."""
    try:
        _, salt, digest = stored.split("$")
        expected = _unb64(digest)
        salt_bytes = _unb64(salt)
    except ValueError:
        return False
    return hmac.compare_digest(_scrypt(password, salt_bytes), expected)


def stored_password(value: str) -> str:
    """The configured password as a hash: a hash stays as it is, a plain password is hashed
    now, so the plain text is not kept in memory beyond start-up."""
    if value.startswith(SCRYPT_PREFIX):
        if value.count("$") != 2:
            raise ValueError("an admin_password starting with 'scrypt$' must be a whole hash")
        return value
    return hash_password(value)


def _scrypt(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )


@dataclass
class Session:
    csrf: str
    expires: float


class Sessions:
    """Console logins, kept in this process (a restart logs everyone out)."""

    def __init__(self, lifetime: float, clock: Callable[[], float] = time.time) -> None:
        self._lifetime = lifetime
        self._clock = clock
        self._sessions: dict[str, Session] = {}

    def create(self) -> tuple[str, Session]:
        self._drop_expired()
        session_id = secrets.token_urlsafe(32)
        session = Session(secrets.token_urlsafe(32), self._clock() + self._lifetime)
        self._sessions[session_id] = session
        return session_id, session

    def get(self, session_id: str | None) -> Session | None:
        session = self._sessions.get(session_id or "")
        if session is None or session.expires <= self._clock():
            return None
        return session

    def end(self, session_id: str | None) -> None:
        self._sessions.pop(session_id or "", None)

    def _drop_expired(self) -> None:
        now = self._clock()
        for key in [k for k, s in self._sessions.items() if s.expires <= now]:
            del self._sessions[key]


class LoginLimiter:
    """At most ``attempts`` wrong passwords per address in ``window`` seconds; more are
    refused without checking the password, so guessing costs the guesser the window."""

    def __init__(
        self, attempts: int, window: float, clock: Callable[[], float] = time.time
    ) -> None:
        self._attempts = attempts
        self._window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, address: str) -> float:
        """Seconds until ``address`` may try again; 0 when it may now."""
        failures = self._recent(address)
        if not failures:
            del self._failures[address]  # an address that stopped failing costs nothing
        if len(failures) < self._attempts:
            return 0.0
        return max(0.0, failures[0] + self._window - self._clock())

    def failed(self, address: str) -> None:
        self._recent(address).append(self._clock())

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)

    def _recent(self, address: str) -> deque[float]:
        failures = self._failures.setdefault(address, deque())
        while failures and failures[0] <= self._clock() - self._window:
            failures.popleft()
        return failures
