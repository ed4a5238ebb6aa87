"""The ablation switches one part off at a time and keeps everything else as trained."""

from __future__ import annotations

from chatcore.builtin.qa.eval.ablation import VARIANTS, variant_settings
from chatcore.builtin.qa.train.training import TrainSettings


def test_each_variant_switches_off_one_part():
    stored = TrainSettings(seed=9, epochs=7).model_dump()
    plain = variant_settings(stored, VARIANTS["no augmentation"])
    assert plain.augment_copies == 0 and plain.model == TrainSettings().model
    no_encoder = variant_settings(stored, VARIANTS["no pretrained encoder (LSTM + subwords)"])
    assert not (no_encoder.model.use_sentence or no_encoder.model.retrieval)
    assert no_encoder.model.use_lstm and no_encoder.model.use_grams
    encoder_only = variant_settings(stored, VARIANTS["encoder only (no LSTM, no subwords)"])
    assert not (encoder_only.model.use_lstm or encoder_only.model.use_grams)
    assert encoder_only.model.use_sentence and encoder_only.model.retrieval
    three = variant_settings(stored, VARIANTS["three networks (ensemble)"])
    assert three.ensemble == 3 and plain.ensemble == stored["ensemble"] == 1
    variants = [variant_settings(stored, change) for change in VARIANTS.values()]
    assert all(s.seed == 9 and s.epochs == 7 and not s.decoder.enabled for s in variants)
    assert len({s.model_dump_json() for s in variants}) == len(VARIANTS)


def test_a_network_that_reads_nothing_is_refused():
    import pytest
    from pydantic import ValidationError

    stored = TrainSettings(model={"use_sentence": False, "retrieval": False}).model_dump()
    with pytest.raises(ValidationError, match="use_lstm, use_grams or use_sentence"):
        variant_settings(stored, VARIANTS["encoder only (no LSTM, no subwords)"])
