"""Built-in plugin: the ``web`` frontend (chat page, embeddable widget, operator console)."""
