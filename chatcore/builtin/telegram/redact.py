"""Keep the bot token out of every log line, at every level.

httpx and python-telegram-bot log request URLs, which contain the token
(``https://api.telegram.org/bot<token>/getUpdates``), and exception texts can repeat them.
``install_token_filter`` wraps the logging record factory, so every record from every logger
is redacted when it is created, before any handler, filter or formatter sees it.
"""

from __future__ import annotations

import logging
import urllib.parse

REDACTED = "<token>"


class TokenFilter(logging.Filter):
    """Replaces known secrets in a record's message, exception text and stack."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def add(self, secret: str) -> None:
        """Redact ``secret``, its URL-encoded form and, for a bot token, its secret half
        alone (another filter may already have changed the public bot id before it)."""
        if secret:
            self.secrets.update({secret, urllib.parse.quote(secret, safe="")})
            _, _, half = secret.partition(":")
            if len(half) >= 8:
                self.secrets.add(half)

    def redact(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):  # the whole token first
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it for logging to report
            return True
        if any(secret in message for secret in self.secrets):
            record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install_token_filter(secret: str) -> TokenFilter:
    """Redact ``secret`` from all log records from now on (idempotent, process-wide)."""
    factory = logging.getLogRecordFactory()
    token_filter: TokenFilter | None = getattr(factory, "token_filter", None)
    if token_filter is None:
        token_filter = TokenFilter()
        previous = factory

        def redacting_factory(*args, **kwargs) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            redacting_factory.token_filter.filter(record)  # type: ignore[attr-defined]
            return record

        redacting_factory.token_filter = token_filter  # type: ignore[attr-defined]
        if getattr(previous, "masks_pii", False):  # keep chatcore.logmask's marker findable
            redacting_factory.masks_pii = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(redacting_factory)
    token_filter.add(secret)
    return token_filter
