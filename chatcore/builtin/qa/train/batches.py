"""Training batches bucketed by length: a tf.data pipeline of (inputs, labels) batches whose
rows have similar word counts, each array cut to the longest row of its batch.

Questions average 6-7 words and are padded to 24, so a batch of mixed lengths runs the LSTM
over mostly padding. The network masks padding, so a row's answer does not depend on which
batch it lands in. Batches are reshuffled every epoch from ``seed`` and the epoch number: the
same seed gives the same batches. The pipeline keeps to one thread of its own: on 2 cores a
tf.data pool beside TensorFlow's own made every other epoch take twice as long.
``python -m bench serving`` times an epoch both ways.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

# Upper bounds (inclusive) of the word-count buckets; longer rows share the last one.
BOUNDS = (2, 3, 4, 5, 6, 7, 8, 10, 12, 16)


def bucket_batches(
    lengths: np.ndarray,
    batch_size: int,
    rng: np.random.Generator | None,
    bounds: Sequence[int] = BOUNDS,
):
    """Row indices per batch: rows grouped by length bucket, shuffled within a bucket and the
    batches shuffled among themselves (``rng`` None keeps the data's order; no ``bounds``,
    one bucket)."""
    keys = np.searchsorted(np.array(bounds, dtype=np.int64), lengths, side="left")
    batches = []
    for key in np.unique(keys):
        rows = np.flatnonzero(keys == key)
        if rng is not None:
            rng.shuffle(rows)
        batches += [rows[i : i + batch_size] for i in range(0, len(rows), batch_size)]
    if rng is not None:
        order = rng.permutation(len(batches))
        batches = [batches[i] for i in order]
    return batches


def trimmed(array: np.ndarray, widths: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``array[rows]`` without the columns that are padding (0) in every row; ``widths`` are
    the rows' non-zero counts (padding is always the tail). Float arrays (sentence vectors)
    are dense: never cut."""
    if array.dtype.kind == "f":
        return array[rows]
    width = int(widths[rows].max(initial=0))
    return array[rows, : max(width, 1)]


def bucketed(
    inputs: Sequence[np.ndarray],
    labels: np.ndarray,
    batch_size: int,
    seed: int | None = None,
    bounds: Sequence[int] = BOUNDS,
) -> Any:
    """A ``tf.data.Dataset`` of ``(tuple(inputs), labels)`` batches; ``seed`` None for a fixed
    order (validation: batched once, replayed every epoch), else reshuffled each epoch. The
    first input's non-zero count is the length that buckets a row; ``bounds=()`` mixes all
    lengths (the baseline)."""
    import tensorflow as tf

    widths = [(a != 0).sum(axis=1) for a in inputs]
    epochs = iter(range(1 << 30))

    def batch(rows: np.ndarray) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        return tuple(trimmed(a, w, rows) for a, w in zip(inputs, widths, strict=True)), labels[rows]

    in_order = bucket_batches(widths[0], batch_size, None, bounds)
    fixed = [batch(rows) for rows in in_order] if seed is None else []

    def batches() -> Iterator[tuple[tuple[np.ndarray, ...], np.ndarray]]:
        if seed is None:
            yield from fixed
            return
        rng = np.random.default_rng([seed, next(epochs)])
        for rows in bucket_batches(widths[0], batch_size, rng, bounds):
            yield batch(rows)

    spec = (
        tuple(tf.TensorSpec((None, None), tf.as_dtype(a.dtype)) for a in inputs),
        tf.TensorSpec((None,), tf.as_dtype(labels.dtype)),
    )
    dataset = tf.data.Dataset.from_generator(batches, output_signature=spec)
    options = tf.data.Options()  # one pipeline thread, no autotuning: see the module docstring
    options.threading.private_threadpool_size = 1
    options.threading.max_intra_op_parallelism = 1
    options.autotune.enabled = False
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(len(in_order))).prefetch(2)
    return dataset.with_options(options)
