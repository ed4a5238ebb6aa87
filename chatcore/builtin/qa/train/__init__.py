"""Training: the fit, its batches, calibration of confidence and fallback, the sampled softmax for
large banks, and the generation head's training."""
