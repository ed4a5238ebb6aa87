"""Built-in plugin: chatcore_moderation (being built)."""
