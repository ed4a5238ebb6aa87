"""The Telegram frontend, a built-in plugin shaped like a third-party one."""
