"""Built-in plugin: hand a chat to a person (operators) and back."""
