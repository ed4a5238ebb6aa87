"""The ablation switches one part off at a time and keeps everything else as trained."""

from __future__ import annotations

from chatcore.qa.ablation import VARIANTS, variant_settings
from chatcore.qa.train import TrainSettings


def test_each_variant_switches_off_one_part():
    stored = TrainSettings(seed=9, epochs=7).model_dump()
    lstm_only = variant_settings(stored, VARIANTS["LSTM alone (no subwords)"])
    grams_only = variant_settings(stored, VARIANTS["subwords alone (no LSTM)"])
    plain = variant_settings(stored, VARIANTS["no augmentation"])
    assert (lstm_only.model.use_grams, lstm_only.model.use_lstm) == (False, True)
    assert (grams_only.model.use_grams, grams_only.model.use_lstm) == (True, False)
    assert plain.augment_copies == 0 and plain.model.use_grams and plain.model.use_lstm
    assert all(s.seed == 9 and s.epochs == 7 for s in (lstm_only, grams_only, plain))
    made_up = variant_settings(stored, VARIANTS["made-up words only in negatives"])
    assert not made_up.real_word_negatives and made_up.augment_copies == stored["augment_copies"]
    assert plain.real_word_negatives and plain.bucket_by_length
    one = variant_settings(stored, VARIANTS["one network (no ensemble)"])
    assert one.ensemble == 1 and plain.ensemble == stored["ensemble"] > 1


def test_settings_stored_before_a_switch_existed_keep_their_behaviour():
    switches = {"bucket_by_length", "real_word_negatives", "ensemble"}
    old = TrainSettings(seed=9).model_dump(exclude=switches)
    restored = TrainSettings.from_stored(old)
    assert restored.seed == 9 and restored.ensemble == 1
    assert not restored.bucket_by_length and not restored.real_word_negatives
    assert TrainSettings.from_stored(TrainSettings().model_dump()).real_word_negatives
