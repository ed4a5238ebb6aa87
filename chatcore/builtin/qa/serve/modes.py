"""``qa.mode``: which head answers. ``select`` picks from the answer bank; ``generate`` writes
the answer with the decoder; ``hybrid`` selects when selection is confident and otherwise
generates, and a generation below its own confidence threshold (chosen on validation data,
stored in ``generator.json``) still falls back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chatcore.builtin.qa.data.bank import REJECT
from chatcore.builtin.qa.errors import ModelFormatError

MODES = ("select", "generate", "hybrid")


def load_answerer(
    path: Path,
    mode: str = "select",
    threshold: float | None = None,
    min_similarity: float | None = None,
) -> Any:
    """What answers in ``mode``: the Predictor itself for ``select`` (no decoder loaded),
    else a ModeAnswerer. A directory without a generation head is refused by name."""
    from chatcore.builtin.qa.model.modeldir import train_command
    from chatcore.builtin.qa.serve.generate import Generator
    from chatcore.builtin.qa.serve.predictor import Predictor

    if mode not in MODES:
        raise ValueError(f"qa.mode must be one of {', '.join(MODES)}, not {mode!r}")
    predictor = Predictor.load(path, threshold=threshold, min_similarity=min_similarity)
    if mode == "select":
        return predictor
    generator = Generator.load(predictor.files)
    if generator is None:
        raise ModelFormatError(
            f"{Path(path) / 'metadata.json'}: qa.mode {mode!r} needs the generation head, and "
            f"this model directory has none (select-only); use qa.mode: select or retrain with: "
            f"{train_command(Path(path))} --generator"
        )
    return ModeAnswerer(predictor, generator, mode)


class ModeAnswerer:
    """``predict``/``predict_many`` like a Predictor, answering in ``generate`` or ``hybrid``."""

    def __init__(self, predictor: Any, generator: Any, mode: str):
        self.predictor = predictor
        self.generator = generator
        self.mode = mode

    def predict_many(self, texts: list[str]) -> list[Any]:
        if self.mode == "generate":
            return [_prediction(g) for g in self.generator.generate_many(texts)]
        selected = self.predictor.predict_many(texts)
        unsure = [i for i, p in enumerate(selected) if p.fallback]
        if unsure:
            generated = self.generator.generate_many([texts[i] for i in unsure])
            for i, g in zip(unsure, generated, strict=True):
                selected[i] = _prediction(g)
        return selected

    def predict(self, text: str) -> Any:
        return self.predict_many([text])[0]


def _prediction(generated: Any) -> Any:
    from chatcore.builtin.qa.serve.predictor import Prediction

    answers = (generated.text,) if generated.text else ()
    return Prediction(REJECT, generated.confidence, generated.fallback, answers)
