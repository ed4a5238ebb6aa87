"""Logs never carry users' personal data, at any level.

Two layers, both installed by ``setup_logging``:
- libraries that log whole requests and updates at DEBUG (python-telegram-bot logs every
  update it receives, users' text included; httpx and httpcore log bodies and headers) are
  kept at INFO even when chatcore's level is DEBUG;
- every record is masked when it is created (before any handler or formatter sees it): e-mail
  addresses and long digit runs (card, phone, account and ID numbers) become ``<email>`` and
  ``<number>``. Both patterns try each start once, so masking stays linear in the text.
"""

from __future__ import annotations

import logging
import re

from chatcore.terminal_text import printable

PAYLOAD_LOGGERS = ("telegram", "httpx", "httpcore", "hpack", "aiohttp.access", "aiohttp.server")
# An address starts where a run of local-part characters starts (the lookbehind) and every
# run is taken whole (possessive), so each start is tried once and scanning stays linear; a
# bounded run ({1,64}) was retried at every position of a long run, 64 steps a character.
_LOCAL = r"[A-Za-z0-9._%+-]"
EMAIL = re.compile(rf"(?<!{_LOCAL}){_LOCAL}++@[A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)++")
# The first digit comes before the lookbehind (no digit before it) so the engine can skip to
# digits quickly; a leading lookbehind made it try every position.
NUMBER = re.compile(r"[0-9](?<![0-9]{2})(?:[ .-]?[0-9]){6,30}(?![0-9])")


def mask(text: str) -> str:
    """``text`` with e-mail addresses and runs of 7 or more digits masked, and control
    characters made visible (log lines reach the operator's terminal)."""
    return printable(NUMBER.sub("<number>", EMAIL.sub("<email>", text)))


def mask_record(record: logging.LogRecord) -> None:
    """Mask the record's message (arguments merged in) and exception text in place."""
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: leave it for logging to report
        return
    masked = mask(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask(record.exc_text)


def install(level: int) -> None:
    """Cap the payload loggers at INFO and mask every record from now on (idempotent)."""
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.INFO))
    factory = logging.getLogRecordFactory()
    if getattr(factory, "masks_pii", False):
        return

    def masking_factory(*args, **kwargs) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        mask_record(record)
        return record

    masking_factory.masks_pii = True  # type: ignore[attr-defined]
    if hasattr(factory, "token_filter"):  # keep the Telegram token filter findable
        masking_factory.token_filter = factory.token_filter  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masking_factory)
