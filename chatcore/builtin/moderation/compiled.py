"""Compiled lexicons kept in the user's cache folder: compiling the built-in lists (with their
spelled-out, wildcard and pinyin variants) takes about a second, which one-shot commands such as
``chatcore ask`` would pay on every run; reading the compiled automaton back takes a tenth.

An entry's name is a hash of everything that decides its content: the settings, the text of
every list it reads (built-in and the user's), the source of this package and the versions of
the libraries that build it. The file is sealed with its SHA-256 (chatcore.cachedir): a damaged
entry is rebuilt, never used. It is a pickle, written and read only by chatcore in the user's
own cache folder."""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import pickle
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from chatcore.builtin.moderation.lexicon import Lexicon
from chatcore.builtin.moderation.settings import LexiconSettings

log = logging.getLogger("chatcore.moderation")
VERSION = "1"
LIBRARIES = ("pyahocorasick", "pypinyin", "zhconv")


def cached(settings: LexiconSettings, build: Callable[[], Lexicon]) -> Lexicon:
    """The compiled lexicon for ``settings``, from the cache when it holds a sound entry."""
    from chatcore.cachedir import cache_dir, sealed, trusted, unsealed, write_atomic

    key = entry_key(settings)
    if key is None:  # a list cannot be read: building reports it with its path
        return build()
    path = cache_dir() / f"lexicon-{key}.pickle"
    try:
        if path.exists() and not trusted(path):
            raise OSError("not this user's own file in a private folder; compiling anew")
        payload = unsealed(path.read_bytes())
        if payload is not None:
            lexicon = pickle.loads(payload)
            if isinstance(lexicon, Lexicon):
                return lexicon
        log.warning("rebuilding the damaged lexicon cache %s", path)
    except FileNotFoundError:
        pass
    except (OSError, pickle.UnpicklingError, AttributeError, ImportError, EOFError) as exc:
        log.warning("rebuilding the unreadable lexicon cache %s: %s", path, exc)
    lexicon = build()
    data = sealed(pickle.dumps(lexicon, protocol=pickle.HIGHEST_PROTOCOL))
    write_atomic(path, lambda out: out.write(data))
    return lexicon


def entry_key(settings: LexiconSettings) -> str | None:
    """The hash naming the cache entry; None when a user's list cannot be read."""
    digest = hashlib.sha256()

    def part(data: bytes) -> None:  # each part behind its length: no two inputs run together
        digest.update(len(data).to_bytes(8, "big") + data)

    part(VERSION.encode())
    part(sys.version.encode())  # unicodedata, which the normalisation folds with, comes with it
    part(settings.model_dump_json().encode())
    package = resources.files("chatcore.builtin.moderation")
    for item in sorted(package.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".py"):
            part(item.name.encode())
            part(item.read_bytes())
    data = package / "data"
    for lang in settings.languages if settings.builtin else []:
        for kind in ("terms", "allow"):
            resource = data / f"{kind}_{lang}.txt"
            part(resource.read_bytes() if resource.is_file() else b"-")
    for kind, paths in (("lists", settings.lists), ("allow_lists", settings.allow_lists)):
        part(kind.encode())
        for path in paths:
            try:
                part(Path(path).expanduser().read_bytes())
            except OSError:
                return None
    for library in LIBRARIES:
        try:
            part(importlib.metadata.version(library).encode())
        except importlib.metadata.PackageNotFoundError:
            part(b"-")
    return digest.hexdigest()[:32]
