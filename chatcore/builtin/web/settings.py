"""The ``web`` config section: where the chat page listens, who may embed it, the console."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, SecretStr, field_validator

from chatcore.settings import Settings, secret_from_env

ADMIN_PASSWORD_ENV = "CHATCORE_WEB_ADMIN_PASSWORD"
SECRET_ENV = "CHATCORE_WEB_SECRET"
COLOR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")
ORIGIN = re.compile(r"https?://[^/\s?#]+")


class ColorSettings(Settings):
    accent: str = Field("#2563eb", description="buttons and your own bubbles")
    accent_text: str = Field("#ffffff", description="text on the accent color")
    background: str | None = Field(None, description="panel background, light scheme")
    dark_background: str | None = Field(None, description="panel background, dark scheme")

    @field_validator("accent", "accent_text", "background", "dark_background")
    @classmethod
    def _hex(cls, value: str | None) -> str | None:
        if value is not None and not COLOR.fullmatch(value):
            raise ValueError("a color is #rgb or #rrggbb")
        return value


class WidgetSettings(Settings):
    title: str = Field("Chat", max_length=80, description="the panel's heading and page title")
    colors: ColorSettings = Field(default_factory=ColorSettings)


class AdminSettings(Settings):
    session_minutes: float = Field(480, gt=0, description="a console login lasts this long")
    login_attempts: int = Field(5, ge=1, description="wrong passwords per address per window")
    login_window_seconds: float = Field(600, gt=0, description="the window of login_attempts")


class WebSettings(Settings):
    """The chat page, the embeddable widget and the operator console (``chatcore serve web``)."""

    host: str = Field("127.0.0.1", description="address to bind (0.0.0.0 behind a proxy)")
    port: int = Field(8080, ge=0, le=65535, description="0: any free port (logged at start)")
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="sites that may embed the widget, e.g. https://shop.example "
        "(the page's own origin is always allowed; '*' allows every site)",
    )
    admin_password: SecretStr | None = Field(
        default_factory=secret_from_env(ADMIN_PASSWORD_ENV),
        description=f"console password or its scrypt hash (`chatcore web hash-password`); "
        f"${{{ADMIN_PASSWORD_ENV}}} by default; unset: no console",
    )
    secret: SecretStr | None = Field(
        default_factory=secret_from_env(SECRET_ENV),
        description=f"signs chat tokens (${SECRET_ENV}); unset: a key kept in the data dir",
    )
    secure_cookies: bool | None = Field(
        None, description="mark cookies Secure (default: when the request came over https)"
    )
    max_message_chars: int = Field(4000, ge=1, description="longer messages are refused")
    max_connections: int = Field(2000, ge=1, description="open chat sockets at most")
    history_turns: int = Field(200, ge=0, description="turns a reloaded page shows at most")
    widget: WidgetSettings = Field(default_factory=WidgetSettings)
    admin: AdminSettings = Field(default_factory=AdminSettings)
    data_path: Path | None = Field(None, description="default: <data_dir>/web/")

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if origin != "*" and not ORIGIN.fullmatch(origin):
                raise ValueError(f"{origin!r} is not an origin like https://shop.example")
        return [origin.rstrip("/") for origin in origins]
