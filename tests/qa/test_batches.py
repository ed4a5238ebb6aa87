"""Training batches bucketed by length: every row once per epoch, similar lengths together,
padding cut, a fresh but reproducible order each epoch; and the masked network gives a row the
same logits however much padding its batch carries."""

from __future__ import annotations

import numpy as np
import pytest

from chatcore.builtin.qa.train.batches import BOUNDS, bucket_batches, bucketed, trimmed


def _ids(lengths: list[int], width: int = 24) -> np.ndarray:
    rows = np.zeros((len(lengths), width), np.int32)
    for i, n in enumerate(lengths):
        rows[i, :n] = np.arange(1, n + 1)
    return rows


def _bucket_of(length: int) -> int:
    return int(np.searchsorted(np.array(BOUNDS), length, side="left"))


def test_every_row_once_and_buckets_never_mix():
    rng = np.random.default_rng(1)
    lengths = rng.integers(0, 25, 1000)
    batches = bucket_batches(lengths, 64, np.random.default_rng(0))
    rows = np.concatenate(batches)
    assert sorted(rows.tolist()) == list(range(1000))
    assert all(len(b) <= 64 for b in batches)
    for batch in batches:
        assert len({_bucket_of(n) for n in lengths[batch]}) == 1


def test_no_bounds_is_one_bucket_in_data_order_without_rng():
    lengths = np.array([24, 1, 7, 3, 12])
    assert [b.tolist() for b in bucket_batches(lengths, 2, None, ())] == [[0, 1], [2, 3], [4]]


def test_trimmed_cuts_the_padding_every_row_shares():
    ids = _ids([2, 5, 0])
    widths = (ids != 0).sum(axis=1)
    assert trimmed(ids, widths, np.array([0, 2])).shape == (2, 2)
    assert trimmed(ids, widths, np.array([0, 1])).shape == (2, 5)
    assert trimmed(ids, widths, np.array([2])).shape == (1, 1)  # never zero columns


@pytest.mark.tf  # a tf.data pipeline (tests/markers.py cannot tell from the names)
def test_dataset_reshuffles_each_epoch_reproducibly():
    lengths = [1, 2, 3, 4, 5, 6, 7, 9, 11, 15, 20, 24] * 10
    words, labels = _ids(lengths), np.arange(len(lengths), dtype=np.int32)
    grams = _ids([n * 3 for n in lengths], width=80)

    def epoch_orders(seed):
        dataset = bucketed((words, grams), labels, 8, seed)
        return [np.concatenate([y.numpy() for _, y in dataset]).tolist() for _ in range(2)]

    first, second = epoch_orders(5)
    assert sorted(first) == sorted(second) == labels.tolist()
    assert first != second  # a new order each epoch
    assert epoch_orders(5) == [first, second]  # the same seed, the same orders
    for (w, g), y in bucketed((words, grams), labels, 8, 5):
        real = (w.numpy() != 0).sum(axis=1)
        assert w.shape[1] == real.max()  # cut to the batch's longest row
        assert g.shape[1] == (g.numpy() != 0).sum(axis=1).max()
        np.testing.assert_array_equal(w.numpy(), words[y.numpy(), : w.shape[1]])


def test_padding_never_changes_the_logits():
    from chatcore.builtin.qa.model.network import ModelConfig, build_model

    config = ModelConfig(embed_dim=8, lstm_units=8, gram_dim=8, hidden=16)
    model = build_model(config, vocab_size=40, buckets=97, classes=5)
    words, grams = _ids([3, 6]), _ids([9, 18], width=80)
    padded = model([words, grams], training=False).numpy()
    for row, n in enumerate((3, 6)):
        alone = model([words[row : row + 1, :n], grams[row : row + 1, : 3 * n]], training=False)
        np.testing.assert_allclose(alone.numpy()[0], padded[row], atol=1e-5)


def test_sentence_vectors_are_never_cut():
    """Dense float inputs keep every column, even where every row of a batch holds a 0.0."""
    vectors = np.ones((3, 5), np.float32)
    vectors[:, 3:] = 0.0
    widths = (vectors != 0).sum(axis=1)
    assert trimmed(vectors, widths, np.array([0, 2])).shape == (2, 5)
