"""Training data: reading pair files, their hygiene, tokens, the answer bank, noisy copies, and the
background questions."""
