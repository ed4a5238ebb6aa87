"""``chatcore eval --ablation``: retrain without each part and score every variant on the
same cases, to show what each part adds. Trains on the default corpus with the model's stored
settings; takes a few minutes per variant."""

from __future__ import annotations

from typing import Any

VARIANTS: dict[str, dict[str, Any]] = {
    "no pretrained encoder (LSTM + subwords)": {
        "model": {"use_sentence": False, "retrieval": False, "cosine_scale": 16.0}
    },
    "encoder vector as a feature, no retrieval head": {"model": {"retrieval": False}},
    "retrieval head, no encoder vector as a feature": {"model": {"use_sentence": False}},
    "no LSTM (subwords + encoder)": {"model": {"use_lstm": False}},
    "no subwords (LSTM + encoder)": {"model": {"use_grams": False}},
    "encoder only (no LSTM, no subwords)": {"model": {"use_lstm": False, "use_grams": False}},
    "no augmentation": {"augment_copies": 0},
    "three networks (ensemble)": {"ensemble": 3},
}


def variant_settings(stored: dict[str, Any], change: dict[str, Any]):
    """The stored training settings with one part switched off."""
    from chatcore.builtin.qa.train.training import TrainSettings

    values = {**stored, **{k: v for k, v in change.items() if k != "model"}}
    values["model"] = {**stored.get("model", {}), **change.get("model", {})}
    values["decoder"] = {**stored.get("decoder", {}), "enabled": False}  # scores select only
    return TrainSettings.model_validate(values)


def run_ablation(stored: dict[str, Any], cases: list) -> dict[str, dict[str, Any]]:
    """Score of each variant (same fields as the main systems)."""
    import tempfile
    from pathlib import Path

    from chatcore.builtin.qa.data import hygiene, sources
    from chatcore.builtin.qa.eval.scoring import model_scorer, score
    from chatcore.builtin.qa.model import modeldir
    from chatcore.builtin.qa.serve.predictor import Predictor
    from chatcore.builtin.qa.train.training import train

    pairs = hygiene.check(sources.load_files(sources.default_data_files())).kept
    results = {}
    for name, change in VARIANTS.items():
        try:
            settings = variant_settings(stored, change)
        except ValueError:  # pydantic's ValidationError: nothing left for the network to read
            continue
        with tempfile.TemporaryDirectory() as tmp:
            path = modeldir.save(train(pairs, settings), Path(tmp) / "m")
            predictor = Predictor.load(path)
            exact = [
                type(cases[0])(q, frozenset(predictor.bank.answers(i)), "", "exact")
                for q, i in predictor.bank.labelled_questions()
            ]
            results[name] = score(model_scorer(predictor), cases, exact)
    return results
