"""Built-in plugin: chatcore_repl (being built)."""
