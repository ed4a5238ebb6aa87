"""A cache of the NumPy forward pass's arrays, so serving needs no TensorFlow after the first load
of a model (importing TensorFlow is most of a first load's time and of the process's memory:
bench/RESULTS.md, startup and peak RSS).

An entry is written only after the NumPy pass was checked against the Keras model. Its key is
the model file's hash and ``VERSION``, which names the layout of the cached arrays: a change to
what ``fastforward.weights`` extracts or how ``NumpyForward`` reads it must bump it. Any other
model misses the cache, and its first load goes through Keras and checks again. The entry lives
in the model directory as a dot-file (the hashed file list does not include it), so it goes away
with the model it belongs to; its name ends with the SHA-256 of its bytes, checked before it is
read, so a truncated or altered entry is never served from: it is deleted and the load goes
through Keras, which writes a fresh one. Writes are atomic; temporary files a killed writer left
are removed by the next load. A read-only model directory only costs each load its speed.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from chatcore.builtin.qa.model import modeldir
from chatcore.builtin.qa.serve.fastforward import NumpyEnsemble, NumpyForward, from_arrays

log = logging.getLogger(__name__)
VERSION = "2"
PREFIX = ".fastpath-"
DIGEST = 16  # hex characters of the content's SHA-256 in an entry's name
STALE_SECONDS = 3600  # a temporary file this old belongs to a writer that was killed


def key(files: modeldir.ModelFiles) -> str:
    digest = hashlib.sha256(VERSION.encode())
    digest.update(str(files.metadata.get("files", {}).get("model.keras")).encode())
    return digest.hexdigest()[:32]


def entries(files: modeldir.ModelFiles) -> list[Path]:
    """This model's cache entries (normally at most one)."""
    return sorted(files.path.glob(f"{PREFIX}{key(files)}-*.npz"))


def load(files: modeldir.ModelFiles) -> NumpyForward | NumpyEnsemble | None:
    """The checked NumPy pass of this model, if a sound entry is cached."""
    remove_leftovers(files.path)
    for path in entries(files):
        forward = _read_verified(path)
        if forward is not None:
            return forward
    return None


def _read_verified(path: Path) -> NumpyForward | NumpyEnsemble | None:
    """The entry's forward pass, or None (and the entry deleted) when its bytes do not match
    the hash in its name or it cannot be read: any damage means rebuilding, never serving."""
    try:
        content = path.read_bytes()
        if _digest(content) != path.stem.rsplit("-", 1)[-1]:
            raise ValueError("its content does not match the hash in its name")
        with np.load(io.BytesIO(content), allow_pickle=False) as data:
            return from_arrays({name: data[name] for name in data.files})
    except Exception as exc:  # whatever the damage, the entry is not used
        log.warning("ignoring unreadable fast-path cache %s (%s); rebuilding it", path, exc)
        _unlink(path)
        return None


def store(files: modeldir.ModelFiles, forward: NumpyForward | NumpyEnsemble) -> None:
    """Cache a checked NumPy pass; a failure only costs the next load its speed."""
    buffer = io.BytesIO()
    np.savez(buffer, **forward.arrays)
    content = buffer.getvalue()
    path = files.path / f"{PREFIX}{key(files)}-{_digest(content)}.npz"
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=PREFIX, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        for old in path.parent.glob(f"{PREFIX}*.npz"):  # other models or cache versions
            if old != path:
                _unlink(old)
    except OSError as exc:
        log.info("cannot write the fast-path cache %s: %s", path, exc)
        if tmp is not None:
            _unlink(Path(tmp))


def remove_leftovers(folder: Path) -> None:
    """Delete temporary files of writers that were killed (older than ``STALE_SECONDS``)."""
    cutoff = time.time() - STALE_SECONDS
    for tmp in folder.glob(f"{PREFIX}*.tmp"):
        try:
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()
        except OSError:
            continue


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:DIGEST]


def _unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        log.debug("cannot remove %s", path, exc_info=True)
