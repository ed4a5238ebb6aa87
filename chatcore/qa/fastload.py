"""A cache of the NumPy forward pass's arrays, so serving needs no TensorFlow after the first
load of a model (importing TensorFlow alone takes ~3 s and most of the process's memory).

An entry is written only after the NumPy pass was checked against the Keras model, and its
key covers everything that decides the arithmetic: the model file's hash, the source of the
network code (model.py, layers.py, fastforward.py) and the Keras version. Any change misses
the cache, and the next load goes through Keras and checks again. Writes are atomic; an
unreadable entry is ignored. The entry lives in the model directory as a dot-file (the hashed
file list does not include it), so it goes away with the model it belongs to; a read-only
model directory only costs each load its speed.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from chatcore.qa import modeldir
from chatcore.qa.fastforward import NumpyEnsemble, NumpyForward, from_arrays

log = logging.getLogger(__name__)
VERSION = "1"
PREFIX = ".fastpath-"
SOURCES = ("model.py", "layers.py", "fastforward.py")


def cache_path(files: modeldir.ModelFiles) -> Path:
    return files.path / f"{PREFIX}{key(files)}.npz"


def key(files: modeldir.ModelFiles) -> str:
    digest = hashlib.sha256(VERSION.encode())
    digest.update(str(files.metadata.get("files", {}).get("model.keras")).encode())
    here = Path(__file__).parent
    for name in SOURCES:
        digest.update((here / name).read_bytes())
    try:
        digest.update(importlib.metadata.version("keras").encode())
    except importlib.metadata.PackageNotFoundError:
        digest.update(b"no keras")
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
        for old in path.parent.glob(f"{PREFIX}*.npz"):  # from older code or Keras versions
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.info("cannot write the fast-path cache %s: %s", path, exc)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
