"""Built-in plugin: the LSTM question-answering responder (being built: issue 3)."""
