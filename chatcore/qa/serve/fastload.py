"""A cache of the NumPy forward pass's arrays, so serving needs no TensorFlow after the first load
of a model (importing TensorFlow alone takes ~3 s and most of the process's memory).

An entry is written only after the NumPy pass was checked against the Keras model. Its key is
the model file's hash and ``VERSION``, which names the layout of the cached arrays: a change to
what ``fastforward.weights`` extracts or how ``NumpyForward`` reads it must bump it. Any other
model misses the cache, and its first load goes through Keras and checks again. Writes are
atomic; an unreadable entry is ignored. The entry lives in the model directory as a dot-file
(the hashed file list does not include it), so it goes away with the model it belongs to; a
read-only model directory only costs each load its speed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from chatcore.qa.model import modeldir
from chatcore.qa.serve.fastforward import NumpyEnsemble, NumpyForward, from_arrays

log = logging.getLogger(__name__)
VERSION = "2"
PREFIX = ".fastpath-"


def cache_path(files: modeldir.ModelFiles) -> Path:
    return files.path / f"{PREFIX}{key(files)}.npz"


def key(files: modeldir.ModelFiles) -> str:
    digest = hashlib.sha256(VERSION.encode())
    digest.update(str(files.metadata.get("files", {}).get("model.keras")).encode())
    return digest.hexdigest()[:32]


def load(files: modeldir.ModelFiles) -> NumpyForward | NumpyEnsemble | None:
    """The checked NumPy pass of this model, if cached."""
    path = cache_path(files)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            forward = from_arrays({name: data[name] for name in data.files})
        return forward
    except (OSError, ValueError, KeyError) as exc:
        log.warning("ignoring unreadable fast-path cache %s: %s", path, exc)
        return None


def store(files: modeldir.ModelFiles, forward: NumpyForward | NumpyEnsemble) -> None:
    """Cache a checked NumPy pass; a failure only costs the next load its speed."""
    path, tmp = cache_path(files), None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=PREFIX, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **forward.arrays)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        for old in path.parent.glob(f"{PREFIX}*.npz"):  # other models or cache versions
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.info("cannot write the fast-path cache %s: %s", path, exc)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
