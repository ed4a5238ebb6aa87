"""The tiny QA model the suite trains once per session (seconds, not minutes): its data and
settings. The fixtures that train and save it live in tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

TINY = Path(__file__).parent / "qa" / "fixtures" / "tiny.yml"


def tiny_settings(**overrides):
    from chatcore.builtin.qa.model.network import ModelConfig
    from chatcore.builtin.qa.train.training import TrainSettings

    model = ModelConfig(embed_dim=16, lstm_units=16, gram_dim=32, hidden=64, dropout=0.1)
    values = {
        "epochs": 60,
        "patience": 60,
        "augment_copies": 12,
        "batch_size": 32,
        "learning_rate": 1e-2,
        "model": model,
        "seed": 3,
        "ensemble": 2,  # the tests load, serve and cache an ensemble, as the default is
        "decoder": {"enabled": False},  # tests/qa/test_generate.py trains the decoder
    }
    return TrainSettings(**{**values, **overrides})


def tiny_pairs():
    from chatcore.builtin.qa.data import hygiene, sources

    return hygiene.check(sources.load_file(TINY)).kept
