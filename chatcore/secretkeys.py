"""Secrets never live in a config file: every settings field typed ``SecretStr`` (a bot token,
a webhook secret, passwords to come) must be given as ``${VAR}`` from the environment. A literal
value, or a ``${VAR:-default}`` whose default would be the secret, is refused when the config
is loaded, so ``config check`` says so too, and the value is never echoed."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, SecretStr

KeyPath = tuple[Any, ...]


def secret_fields(model: type[BaseModel], prefix: KeyPath = ()) -> Iterator[KeyPath]:
    """Key paths of the ``SecretStr`` fields of ``model`` and of its nested settings."""
    for name, info in model.model_fields.items():
        path = (*prefix, name)
        kinds = _kinds(info.annotation)
        if SecretStr in kinds:
            yield path
        for kind in kinds:
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                yield from secret_fields(kind, path)


def _kinds(annotation: Any) -> list[Any]:
    """The types an annotation allows (``SecretStr | None`` -> [SecretStr, NoneType])."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return [kind for arg in typing.get_args(annotation) for kind in _kinds(arg)]
    return [annotation]


def literal_secrets(
    raw: dict[str, Any], paths: Iterator[KeyPath], from_env: set[KeyPath], defaulted: set[KeyPath]
) -> list[tuple[KeyPath, str]]:
    """(path, problem) for each secret given in the file itself."""
    problems = []
    for path in paths:
        if not _present(raw, path):
            continue
        if path not in from_env:
            problems.append((path, "a literal secret in a config file leaks; use ${VARIABLE}"))
        elif path in defaulted:
            problems.append(
                (path, "a ${VARIABLE:-default} puts the secret in the file; drop the default")
            )
    return problems


def _present(raw: Any, path: KeyPath) -> bool:
    for part in path:
        if not isinstance(raw, dict) or part not in raw:
            return False
        raw = raw[part]
    return raw not in (None, "")
