"""The ``telegram`` outlet: how the engine sends to a Telegram chat unasked (an operator's
answer relayed to a user, a handoff notice in the operators' group)."""

from __future__ import annotations

from typing import Any

from chatcore.builtin.telegram.buttons import choices_keyboard
from chatcore.builtin.telegram.sender import send_text
from chatcore.builtin.telegram.settings import TelegramSettings
from chatcore.types import Reply


class TelegramOutlet:
    """Registered with ``engine.add_outlet("telegram", ...)`` while the frontend runs. It takes
    no chat lock: the handler that causes a push may hold the lock of the other chat (an
    operator's message relayed to a user, a user's to the operators), so waiting for it could
    deadlock two chats."""

    def __init__(self, bot: Any, settings: TelegramSettings):
        self.bot = bot
        self.settings = settings

    async def push(self, chat_id: str, reply: Reply) -> None:
        """Send ``reply`` like an answer: split, retried, its choices as buttons."""
        if reply.silent:
            return
        await send_text(
            self.bot,
            int(chat_id),
            reply.text,
            self.settings.retries,
            reply_markup=choices_keyboard(reply.choices),
        )
