"""Built-in plugin: the ``web`` frontend (``chatcore serve web``) and ``chatcore web
hash-password``. aiohttp is imported when the frontend is built, so loading the plugin is
free; building it needs the ``chatcore[web]`` extra."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from chatcore.errors import ConfigError
from chatcore.extras import require
from chatcore.hookspecs import hookimpl


@hookimpl
def chatcore_register_frontends(register) -> None:
    from chatcore.builtin.web.settings import WebSettings

    register(
        "web",
        build_frontend,
        settings=WebSettings,
        description="chat page, embeddable widget and operator console (aiohttp, WebSocket)",
    )


@hookimpl
def chatcore_register_cli(cli) -> None:
    cli.add_command(web_group)


def build_frontend(settings: Any, runtime: Any) -> Any:
    require("web", "the web frontend")
    from chatcore.builtin.web.frontend import WebFrontend
    from chatcore.builtin.web.security import signing_key, stored_password

    directory = settings.data_path or runtime.data_dir / "web"
    secret = settings.secret.get_secret_value() if settings.secret else None
    password = settings.admin_password.get_secret_value() if settings.admin_password else None
    try:
        password_hash = stored_password(password) if password else None
    except ValueError as exc:  # never echo the value
        raise ConfigError(runtime.config.error(("web", "admin_password"), str(exc))) from None
    return WebFrontend(
        settings,
        signing_key(secret, directory),
        password_hash,
        _model_dir(runtime),
        _taught_log(runtime),
    )


def _taught_log(runtime: Any) -> Any:
    """Where the console's teaching goes: the qa responder's taught log, if it has one."""
    if "qa" not in runtime.config.core.responders:
        return None
    from chatcore.builtin.qa.serve.responder import QASettings
    from chatcore.builtin.qa.teach.where import open_log

    settings = runtime.settings_for("qa") or QASettings()
    return open_log(settings, runtime) if settings.taught.enabled else None


def _model_dir(runtime: Any) -> Path | None:
    """The QA model the console's model card describes, if the qa responder is in use."""
    if "qa" not in runtime.config.core.responders:
        return None
    from chatcore.builtin.qa.serve.responder import default_model_dir

    settings = runtime.settings_for("qa")
    if settings is not None and settings.model_dir is not None:
        return settings.model_dir.expanduser()
    return default_model_dir(runtime)


@click.group("web")
def web_group() -> None:
    """The web frontend's tools (serve it with `chatcore serve web`)."""


@web_group.command("hash-password")
def hash_password_command() -> None:
    """Read a console password (asked twice, not shown; or one line from a pipe) and print
    its hash for CHATCORE_WEB_ADMIN_PASSWORD, so the plain password is stored nowhere."""
    import sys

    from chatcore.builtin.web.security import hash_password

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters", param_hint="password")
    click.echo(hash_password(password))
