"""Serving: the predictor, its NumPy forward pass and cache, generation, and the responder the
engine calls."""
