"""Tokens, password hashes, sessions, the login limiter and the key file."""

from __future__ import annotations

import stat

import pytest

from chatcore.builtin.web.security import (
    ChatTokens,
    LoginLimiter,
    Sessions,
    check_password,
    hash_password,
    signing_key,
    stored_password,
)
from chatcore.errors import ConfigError


def test_tokens_are_signed_random_and_refused_when_altered():
    tokens = ChatTokens(b"k" * 32)
    chat_id, token = tokens.issue()
    assert tokens.chat_id(token) == chat_id
    assert tokens.issue()[0] != chat_id
    other_key = ChatTokens(b"j" * 32)
    for forged in (
        other_key.issue()[1],
        chat_id + "." + token.split(".")[1][::-1],
        "x" + token,
        token + ".x",
        None,
        42,
        "a" * 200,
    ):
        assert tokens.chat_id(forged) is None


def test_password_hashes_check_the_password_and_never_contain_it():
    stored = hash_password("s3cret-phrase")
    assert stored.startswith("scrypt$") and "s3cret" not in stored
    assert check_password("s3cret-phrase", stored)
    assert not check_password("s3cret-phrasE", stored)
    assert not check_password("s3cret-phrase", "scrypt$broken")
    assert stored_password(stored) == stored  # a hash from the environment stays as it is
    plain = stored_password("plain words")
    assert plain != "plain words" and check_password("plain words", plain)
    with pytest.raises(ValueError):
        stored_password("scrypt$only-half")


def test_the_limiter_refuses_after_the_attempts_until_the_window_passes():
    now = [1000.0]
    limiter = LoginLimiter(3, 60, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.retry_after("1.2.3.4") == 0
        limiter.failed("1.2.3.4")
    assert limiter.retry_after("1.2.3.4") == pytest.approx(60)
    assert limiter.retry_after("5.6.7.8") == 0  # another address is not punished
    now[0] += 61
    assert limiter.retry_after("1.2.3.4") == 0


def test_sessions_expire():
    now = [0.0]
    sessions = Sessions(60, clock=lambda: now[0])
    session_id, session = sessions.create()
    assert sessions.get(session_id) is session and sessions.get("guess") is None
    now[0] = 61
    assert sessions.get(session_id) is None


def test_the_signing_key_is_made_once_kept_private_and_a_corrupt_one_is_named(tmp_path):
    key = signing_key(None, tmp_path / "web")
    path = tmp_path / "web" / "secret.key"
    assert signing_key(None, tmp_path / "web") == key and len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert signing_key("from config", tmp_path / "other") != key
    path.write_text("not hex")
    with pytest.raises(ConfigError, match=str(path)):
        signing_key(None, tmp_path / "web")
