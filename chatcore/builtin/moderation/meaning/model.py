"""The trained meaning classifier as NumPy arrays: two dense layers over the features, the
classes clean + the lexicon's categories. Shipped in the package (``meaning.npz``) with a
manifest naming its sha256, checked at load: a file that is not the one trained here is
refused with its path (``chatcore train-meaning`` rebuilds it, the plugin's README)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from chatcore.errors import ChatcoreError

CLEAN = "clean"


class MeaningModelError(ChatcoreError):
    """The meaning classifier's files are missing or not the ones trained."""

    exit_code = 6


def shipped_dir() -> Path:
    return Path(str(resources.files("chatcore.builtin.moderation") / "data" / "meaning"))


@dataclass(frozen=True)
class MeaningModel:
    weights: dict[str, np.ndarray]
    classes: tuple[str, ...]  # index 0 is CLEAN
    threshold: float  # offensive probability that blocks on its own (chosen on dev data)
    overrule: float  # below this a lexicon hit is taken for an innocent sense

    @classmethod
    def load(cls, folder: Path | None = None) -> MeaningModel:
        folder = Path(folder) if folder is not None else shipped_dir()
        manifest_path, weights_path = folder / "manifest.json", folder / "meaning.npz"
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            data = weights_path.read_bytes()
        except (OSError, ValueError) as exc:
            raise MeaningModelError(f"{folder}: no meaning classifier here ({exc})") from None
        digest = hashlib.sha256(data).hexdigest()
        if digest != manifest.get("sha256"):
            raise MeaningModelError(
                f"{weights_path}: not the file its manifest names (sha256 {digest[:12]}...); "
                "rebuild it with: chatcore train-meaning"
            )
        try:
            with np.load(weights_path, allow_pickle=False) as arrays:
                weights = {name: arrays[name].astype(np.float32) for name in arrays.files}
            model = cls(
                weights,
                tuple(manifest["classes"]),
                float(manifest["threshold"]),
                float(manifest["overrule"]),
            )
            model.check()
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise MeaningModelError(f"{folder}: not a meaning classifier ({exc!r})") from None
        return model

    def check(self) -> None:
        """ValueError unless the arrays fit together and the thresholds are probabilities."""
        from chatcore.builtin.moderation.meaning.features import DIM

        w = self.weights
        hidden = w["dense_1"].shape[1]
        shapes = {
            "dense_1": (DIM, hidden),
            "bias_1": (hidden,),
            "dense_2": (hidden, len(self.classes)),
            "bias_2": (len(self.classes),),
        }
        for name, shape in shapes.items():
            if w[name].shape != shape:
                raise ValueError(f"{name} has shape {w[name].shape}, not {shape}")
        if self.classes[:1] != (CLEAN,) or not 0 < self.threshold < 1:
            raise ValueError("classes must start with clean; 0 < threshold < 1")
        if not 0 <= self.overrule < 1:
            raise ValueError("0 <= overrule < 1")

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Class probabilities, one row per text."""
        w = self.weights
        hidden = np.maximum(features @ w["dense_1"] + w["bias_1"], 0.0)
        logits = hidden @ w["dense_2"] + w["bias_2"]
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def judge(self, features: np.ndarray) -> list[tuple[float, str]]:
        """(offensive probability, the likeliest offensive category) per text."""
        probs = self.probabilities(features)
        offensive = 1.0 - probs[:, 0]
        categories = probs[:, 1:].argmax(axis=1) + 1
        return [
            (float(p), self.classes[int(c)]) for p, c in zip(offensive, categories, strict=True)
        ]
