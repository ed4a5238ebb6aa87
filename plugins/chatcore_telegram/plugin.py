"""Built-in plugin: chatcore_telegram (being built)."""
