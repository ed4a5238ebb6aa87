"""A tiny model trained once per test session on a tiny fixture (seconds, not minutes)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

FIXTURES = Path(__file__).parent / "fixtures"
TINY = FIXTURES / "tiny.yml"


def tiny_settings(**overrides):
    from chatcore.qa.model import ModelConfig
    from chatcore.qa.train import TrainSettings

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
    from chatcore.qa import data, hygiene

    return hygiene.check(data.load_file(TINY)).kept


@pytest.fixture(scope="session")
def tiny_trained():
    from chatcore.qa.train import train

    return train(tiny_pairs(), tiny_settings())


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_trained, tmp_path_factory) -> Path:
    from chatcore.qa import modeldir

    return modeldir.save(tiny_trained, tmp_path_factory.mktemp("models") / "tiny")


@pytest.fixture(scope="session")
def tiny_predictor(tiny_model_dir):
    from chatcore.qa.predictor import Predictor

    return Predictor.load(tiny_model_dir)
