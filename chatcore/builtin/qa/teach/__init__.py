"""Teaching the bot while it runs: taught questions and answers, edits and deletions of the
model's answers, kept as a versioned log every process follows (no retraining, no restart)."""
