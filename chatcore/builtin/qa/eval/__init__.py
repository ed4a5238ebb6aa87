"""Evaluation: dev and test sets, scoring, the nearest-question baselines, the ablation, and the
report."""
