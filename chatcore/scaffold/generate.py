"""Writes a plugin package from the templates of one component kind."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from chatcore.errors import ChatcoreError
from chatcore.scaffold import templates

KINDS = ("filter", "frontend", "responder", "store")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{1,40}$")


@dataclass(frozen=True)
class Names:
    """The names one plugin name implies, for the templates."""

    name: str  # chatcore plugin / entry-point name: "shout"
    distribution: str  # "chatcore-shout"
    module: str  # "chatcore_shout"
    component: str  # "shout"
    cls: str  # "Shout"

    @classmethod
    def of(cls, name: str) -> Names:
        if not NAME_PATTERN.match(name):
            raise ChatcoreError(
                f"invalid plugin name {name!r}: use 2-41 lowercase letters, digits, '-' or '_', "
                "starting with a letter"
            )
        snake = name.replace("-", "_")
        title = "".join(part.title() for part in re.split(r"[-_]", name))
        return cls(name, f"chatcore-{name}", f"chatcore_{snake}", snake, title)


def new_plugin(name: str, kind: str, directory: Path) -> Path:
    """Create ``directory/chatcore-<name>`` and return it; refuses to overwrite anything."""
    if kind not in KINDS:
        raise ChatcoreError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    names = Names.of(name)
    root = Path(directory) / names.distribution
    if root.exists():
        raise ChatcoreError(f"{root} already exists; choose another name or directory")
    files = {
        "pyproject.toml": templates.PYPROJECT,
        "README.md": templates.README,
        f"{names.module}/__init__.py": templates.MODULES[kind],
        f"tests/test_{names.component}.py": templates.TESTS[kind],
    }
    for relative, template in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = Template(template).substitute(vars(names), kind=kind)
        path.write_text(text.lstrip("\n"), encoding="utf-8")
    return root
