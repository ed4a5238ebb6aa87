"""The ``telegram`` config section. The token comes from the environment, never a literal."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from chatcore.settings import Settings, secret_from_env

TOKEN_ENV = "CHATCORE_TELEGRAM_TOKEN"
WEBHOOK_SECRET_ENV = "CHATCORE_TELEGRAM_WEBHOOK_SECRET"


class WebhookSettings(Settings):
    listen: str = Field("127.0.0.1", description="address the webhook server binds to")
    port: int = Field(8443, ge=1, le=65535)
    url: str | None = Field(None, description="public URL Telegram posts to (default: local)")
    path: str = Field("telegram", description="URL path of the webhook")
    secret_token: SecretStr | None = Field(
        default_factory=secret_from_env(WEBHOOK_SECRET_ENV),
        description=f"checked on every request (default: ${WEBHOOK_SECRET_ENV})",
    )


class GroupSettings(Settings):
    reply_on: list[Literal["mention", "reply", "command", "all"]] = Field(
        default_factory=lambda: ["mention", "reply", "command"],
        description="when to answer in groups: mentioned, replied to, a command, or always",
    )


class RateLimitSettings(Settings):
    overall_per_second: float = Field(30, ge=0, description="messages per second, all chats")
    group_per_minute: float = Field(20, ge=0, description="messages per minute in one group")
    chat_interval: float = Field(1.0, ge=0, description="seconds between messages in one chat")
    max_retries: int = Field(3, ge=0, description="retries of a message after a 429")


class RetrySettings(Settings):
    attempts: int = Field(5, ge=1, description="tries per request on timeouts, 5xx, resets")
    backoff: float = Field(0.5, ge=0, description="first delay; doubles each retry")
    max_backoff: float = Field(30.0, ge=0)


class TelegramSettings(Settings):
    """The Telegram frontend: connection, access control, rate limits and reliability."""

    token: SecretStr | None = Field(
        default_factory=secret_from_env(TOKEN_ENV),
        description=f"bot token: ${{{TOKEN_ENV}}} (default: that variable)",
    )
    api_base_url: str = Field("https://api.telegram.org", description="Bot API server")
    mode: Literal["polling", "webhook"] = "polling"
    poll_timeout: int = Field(30, ge=0, description="long-polling timeout in seconds")
    webhook: WebhookSettings = Field(default_factory=WebhookSettings)
    groups: GroupSettings = Field(default_factory=GroupSettings)
    allowed_user_ids: list[int] = Field(default_factory=list, description="empty: everyone")
    allowed_chat_ids: list[int] = Field(default_factory=list, description="empty: every chat")
    admin_ids: list[int] = Field(default_factory=list, description="may use admin commands")
    feedback_buttons: bool = Field(
        True, description="👍/👎 buttons under answers; a press rates the answer (like /good)"
    )
    rate_limits: RateLimitSettings = Field(default_factory=RateLimitSettings)
    retries: RetrySettings = Field(default_factory=RetrySettings)
    request_timeout: float = Field(10.0, gt=0, description="seconds per Bot API request")
    typing_delay: float = Field(0.5, ge=0, description="show 'typing' when a reply takes longer")
    max_concurrent_updates: int = Field(64, ge=1)
    inbox_path: Path | None = Field(None, description="default: <data_dir>/telegram/")
    max_replays: int = Field(3, ge=0, description="restarts that retry an unanswered update")
    shutdown_grace: float = Field(10.0, ge=0, description="seconds to finish replies on stop")

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> TelegramSettings:
        if self.mode == "webhook" and self.webhook.secret_token is None:
            raise ValueError(f"webhook mode needs webhook.secret_token (set ${WEBHOOK_SECRET_ENV})")
        return self
