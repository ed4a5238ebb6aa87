"""The token: read from the environment, never a literal, never in a log line."""

from __future__ import annotations

import logging

import pytest

import chatcore.builtin.conversation.plugin as conversation_plugin
import chatcore.builtin.core.plugin as core_plugin
import chatcore.builtin.telegram.plugin as telegram_plugin
from chatcore.builtin.telegram.redact import REDACTED, install_token_filter
from chatcore.errors import ChatcoreError, ConfigError
from chatcore.testing import free_port, make_runtime
from chatcore.testing.telegram_server import FakeTelegramServer

from .conftest import TOKEN

PLUGINS = [("core", core_plugin), ("conversation", conversation_plugin)]
PLUGINS += [("telegram", telegram_plugin)]


def runtime(raw, environ=None):
    return make_runtime(raw, plugins=PLUGINS, load_entrypoints=False, environ=environ or {})


def every_line(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


async def test_token_never_logged_at_debug(server: FakeTelegramServer, start_bot, caplog):
    caplog.set_level(logging.DEBUG)
    server.fault("status", "getUpdates", status=502)
    server.fault("drop", "sendMessage")
    bot = await start_bot()
    server.text("hello", user_id=1)
    await server.wait_for_texts(1, chat_id=1, timeout=15)
    logging.getLogger("test").exception("boom %s", "x", exc_info=RuntimeError(f"url {TOKEN}"))
    await bot.stop()
    text = every_line(caplog)
    assert f"/bot{REDACTED}/getMe" in text  # httpx logged the URL, redacted
    assert "Traceback" in text  # exception texts were logged too
    assert TOKEN not in text
    assert TOKEN.split(":")[1] not in text  # not even the secret half


def test_redaction_covers_args_exceptions_and_url_encoding():
    secret = "111:abc/def+ghi"
    install_token_filter(secret)
    factory = logging.getLogRecordFactory()
    record = factory("x", logging.INFO, __file__, 1, "GET %s", (f"/bot{secret}/x",), None)
    assert record.getMessage() == f"GET /bot{REDACTED}/x"
    encoded = factory("x", logging.INFO, __file__, 1, "GET /bot111%3Aabc%2Fdef%2Bghi", (), None)
    assert encoded.getMessage() == f"GET /bot{REDACTED}"
    try:
        raise ValueError(f"failed for {secret}")
    except ValueError as exc:
        failed = factory("x", logging.ERROR, __file__, 1, "oops", (), (type(exc), exc, None))
    assert secret not in logging.Formatter().format(failed)


def test_token_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CHATCORE_TELEGRAM_TOKEN", TOKEN)
    rt = runtime({"data_dir": str(tmp_path)})
    frontend = rt.build("frontend", "telegram")
    assert frontend.inbox.path == tmp_path / "telegram" / "inbox-987654321.sqlite3"
    shown = str(rt.resolved_config()["telegram"])
    assert TOKEN not in shown


def test_missing_token_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("CHATCORE_TELEGRAM_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="CHATCORE_TELEGRAM_TOKEN"):
        runtime({}).build("frontend", "telegram")


def test_literal_token_in_config_is_refused(monkeypatch):
    monkeypatch.delenv("CHATCORE_TELEGRAM_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="literal secret") as err:
        runtime({"telegram": {"token": TOKEN}})  # refused when the config loads
    assert TOKEN not in str(err.value)
    rt = runtime({"telegram": {"token": "${MY_TOKEN}"}}, environ={"MY_TOKEN": TOKEN})
    assert rt.build("frontend", "telegram") is not None
    assert TOKEN not in str(rt.resolved_config())


def test_webhook_mode_needs_a_secret(monkeypatch):
    monkeypatch.delenv("CHATCORE_TELEGRAM_WEBHOOK_SECRET", raising=False)
    with pytest.raises(ConfigError, match="secret_token"):
        runtime({"telegram": {"mode": "webhook"}})


async def test_rejected_token_is_a_clear_error_without_the_token(server, tmp_path):
    wrong = "987654321:WRONG-token-value"
    raw = {"data_dir": str(tmp_path), "telegram": {"token": "${T}"}}
    raw["telegram"]["api_base_url"] = server.api_base_url
    rt = runtime(raw, environ={"T": wrong})
    frontend, engine = rt.build("frontend", "telegram"), rt.build_engine()
    async with engine:
        with pytest.raises(ChatcoreError, match="rejected the bot token") as err:
            await frontend.run(engine)
    assert wrong not in str(err.value) and "WRONG" not in str(err.value)
    assert server.calls_of("getMe")  # it really asked the server


async def test_unusable_inbox_is_a_clear_error(server, tmp_path):
    (tmp_path / "telegram").write_text("a file where the inbox folder should be")
    raw = {"data_dir": str(tmp_path), "telegram": {"token": "${T}"}}
    rt = runtime(raw, environ={"T": TOKEN})
    frontend, engine = rt.build("frontend", "telegram"), rt.build_engine()
    async with engine:
        with pytest.raises(ChatcoreError, match="cannot open the Telegram inbox"):
            await frontend.run(engine)


def test_webhook_secret_must_follow_telegrams_rule(monkeypatch):
    monkeypatch.setenv("CHATCORE_TELEGRAM_TOKEN", TOKEN)
    raw = {"telegram": {"mode": "webhook", "webhook": {"secret_token": "${S}"}}}
    with pytest.raises(ConfigError, match="secret_token: use 1-256") as err:
        runtime(raw, environ={"S": "has:colon"}).build("frontend", "telegram")
    assert "has:colon" not in str(err.value)


@pytest.mark.parametrize("bad", ["nocolonatall-secret", "abc:def", "123:has space", "123:"])
def test_a_malformed_token_is_refused_and_never_names_a_file(monkeypatch, tmp_path, bad):
    """A token without ':' used to become the inbox file's name, printed in errors."""
    raw = {"data_dir": str(tmp_path), "telegram": {"token": "${T}"}}
    with pytest.raises(ConfigError, match="not a bot token") as err:
        runtime(raw, environ={"T": bad}).build("frontend", "telegram")
    assert bad not in str(err.value)
    assert not (tmp_path / "telegram").exists()


async def test_the_webhook_secret_never_reaches_the_log(server, start_bot, caplog):
    caplog.set_level(logging.DEBUG)
    port = free_port()
    hook = {"port": port, "path": "hook", "secret_token": "${TG_HOOK}"}
    bot = await start_bot(mode="webhook", webhook=hook)
    assert server.webhook["secret_token"] == "hook-Secret_for-the-tests"  # it was sent
    await bot.stop()
    assert "hook-Secret_for-the-tests" not in every_line(caplog)


@pytest.fixture
def masked_logging():
    """chatcore's logging setup at DEBUG (what `logging: {level: DEBUG}` gives), undone after."""
    from chatcore import logmask

    factory = logging.getLogRecordFactory()
    levels = {name: logging.getLogger(name).level for name in logmask.PAYLOAD_LOGGERS}
    logmask.install(logging.DEBUG)
    yield
    logging.setLogRecordFactory(factory)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


async def test_users_text_and_card_numbers_stay_out_of_debug_logs(
    server, start_bot, caplog, masked_logging
):
    caplog.set_level(logging.DEBUG)
    bot = await start_bot()
    server.text("my card is 4111 1111 1111 1111, mail me at ann@example.org", user_id=1)
    await server.wait_for_texts(1, chat_id=1, timeout=15)
    logging.getLogger("chatcore.test").debug("user wrote %s", "call 13812345678 or ann@example.org")
    await bot.stop()
    text = every_line(caplog)
    assert "getUpdates" in text  # the libraries still log their requests at INFO
    for secret in ("4111 1111 1111 1111", "4111", "ann@example.org", "13812345678", "my card"):
        assert secret not in text
    assert "<number>" in text and "<email>" in text


@pytest.mark.parametrize(
    ("token", "problem"),
    [("987654321:LITERAL-in-the-file", "literal secret"), ("${UNSET_T:-123456:SECRET}", "default")],
)
def test_config_check_refuses_a_secret_written_in_the_file(tmp_path, token, problem):
    """`config check` said OK for a literal token, and a ${VAR:-default} slipped past serve."""
    import subprocess
    import sys
    from pathlib import Path

    config = tmp_path / "bot.yaml"
    config.write_text(f'telegram:\n  token: "{token}"\n', encoding="utf-8")
    result = subprocess.run(
        [str(Path(sys.executable).with_name("chatcore")), "config", "check", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == ConfigError.exit_code, result.stderr
    assert f"{config}:2" in result.stderr and problem in result.stderr
    assert "LITERAL" not in result.stderr + result.stdout
    assert "SECRET" not in result.stderr + result.stdout


def test_a_secret_from_the_environment_passes_config_check(tmp_path, monkeypatch):
    monkeypatch.setenv("MY_T", TOKEN)
    with pytest.raises(ConfigError, match="default"):
        runtime({"telegram": {"webhook": {"secret_token": "${S:-abc}"}}}, environ={"S": "x"})
    assert runtime({"telegram": {"token": "${MY_T}"}}, environ={"MY_T": TOKEN}) is not None
