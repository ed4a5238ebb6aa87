"""The trained meaning classifier as NumPy arrays: two dense layers over the encoder's
features, the classes clean + the lexicon's categories, and the lexical reader
(lexical.LexicalReader: the letters), whose offensive probabilities are averaged (``mix``:
the encoder's share). Shipped in the package (``meaning.npz``) with a
manifest naming its sha256, checked at load: a file that is not the one trained here is
refused with its path (``chatcore train-meaning`` rebuilds it, the plugin's README)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from chatcore.builtin.moderation.settings import OWN_OVERRULE_CATEGORIES
from chatcore.errors import ChatcoreError

if TYPE_CHECKING:
    from chatcore.builtin.moderation.meaning.lexical import LexicalReader

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
    mix: float = 1.0  # the encoder's share of the offensive probability; the rest: lexical
    short_threshold: float = 1.0  # what a message of one or two words needs (1: never enough)
    clause_threshold: float = 0.0  # what the clause of a listed word needs (0: as overrule)
    # what the words of one category alone need, where more than the overrule (filter)
    category_overrules: dict[str, float] = field(default_factory=dict)

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
                float(manifest.get("mix", 1.0)),
                float(manifest.get("short_threshold", 1.0)),
                float(manifest.get("clause_threshold", 0.0)),
                {str(k): float(v) for k, v in manifest.get("category_overrules", {}).items()},
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
        if not 0 <= self.overrule < 1 or not 0 < self.short_threshold <= 1:
            raise ValueError("0 <= overrule < 1; 0 < short_threshold <= 1")
        if not 0 <= self.clause_threshold <= 1:
            raise ValueError("0 <= clause_threshold <= 1")
        own = self.category_overrules
        if not set(own) <= set(OWN_OVERRULE_CATEGORIES) or not all(
            0 <= v < 1 for v in own.values()
        ):
            raise ValueError(f"category_overrules: of {OWN_OVERRULE_CATEGORIES}, each 0 <= p < 1")
        if not 0 <= self.mix <= 1 or (self.mix < 1 and self.lexical is None):
            raise ValueError("0 <= mix <= 1, and a lexical reader unless mix is 1")
        if self.lexical is not None:
            from chatcore.builtin.moderation.meaning.lexical import BUCKETS

            for name in ("lexical_idf", "lexical_coef"):
                if w[name].shape != (BUCKETS,):
                    raise ValueError(f"{name} has shape {w[name].shape}, not ({BUCKETS},)")

    @cached_property
    def lexical(self) -> LexicalReader | None:
        """The lexical reader, when the model has one."""
        from chatcore.builtin.moderation.meaning.lexical import LexicalReader

        w = self.weights
        if "lexical_coef" not in w:
            return None
        return LexicalReader(w["lexical_idf"], w["lexical_coef"], float(w["lexical_bias"][0]))

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Class probabilities, one row per text."""
        w = self.weights
        hidden = np.maximum(features @ w["dense_1"] + w["bias_1"], 0.0)
        logits = hidden @ w["dense_2"] + w["bias_2"]
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def judge(self, features: np.ndarray, texts: Sequence[str]) -> list[tuple[float, str]]:
        """(offensive probability, the likeliest offensive category) per text: the encoder's
        reading of ``features`` and the lexical reader's of ``texts``, averaged (``mix``)."""
        probs = self.probabilities(features)
        offensive = 1.0 - probs[:, 0]
        if self.lexical is not None and self.mix < 1:
            offensive = self.mix * offensive + (1 - self.mix) * self.lexical.probabilities(texts)
        categories = probs[:, 1:].argmax(axis=1) + 1
        return [
            (float(p), self.classes[int(c)]) for p, c in zip(offensive, categories, strict=True)
        ]
