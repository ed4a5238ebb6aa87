"""The user's cache folder for files derived from installed packages (unpacked weights, compiled
term lists): anything in it can be deleted and is rebuilt on the next load.

A write is atomic (a temporary file renamed into place), and a failure to write only costs
the next load its speed, so a read-only home still works. The folder is created private
(0700) and files are written 0600; a file is read back only when it is ``trusted``: owned by
this user, in a folder of this user, neither writable by anyone else (a cache pointed at a
shared place must not let another user swap an entry in)."""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """``$CHATCORE_CACHE_DIR``, else the platform's cache folder for chatcore."""
    if os.environ.get("CHATCORE_CACHE_DIR"):
        return Path(os.environ["CHATCORE_CACHE_DIR"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("chatcore"))


def write_atomic(target: Path, write: Callable[[BinaryIO], None]) -> bool:
    """Write ``target`` through ``write(file)``; False (logged) when it cannot be written."""
    tmp = None
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as out:  # mkstemp: 0600
            write(out)
        os.replace(tmp, target)
        return True
    except OSError as exc:
        log.info("cannot write the cache file %s: %s", target, exc)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        return False


def trusted(path: Path) -> bool:
    """Whether ``path`` and its folder belong to this user and only this user may write them."""
    try:
        for item in (path, path.parent):
            info = item.stat()
            if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return False
    except OSError:
        return False
    return True


def sealed(payload: bytes) -> bytes:
    """``payload`` behind its SHA-256, so a damaged cache file is noticed (``unsealed``)."""
    return hashlib.sha256(payload).digest() + payload


def unsealed(data: bytes) -> bytes | None:
    """The payload of a ``sealed`` file, or None when it does not match its digest."""
    digest, payload = data[:32], data[32:]
    return payload if len(data) > 32 and hashlib.sha256(payload).digest() == digest else None
