"""The core's layers import one way, no core module imports a plugin, and nothing in the
package imports in a cycle (issue #18). Imports are read from the source (type-only ones
included), so the test needs no import to happen and names the offending line."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "chatcore"

# Lowest first. A core module may import modules of its own layer and of lower ones only.
LAYERS: list[tuple[str, set[str]]] = [
    (
        "foundations",
        {
            "types", "errors", "language", "terminal_text", "safeyaml", "secretkeys",
            "limits", "logmask", "background", "batching", "blas", "cachedir", "settings",
            "messages", "stats", "tfquiet", "serving", "extras",
        },
    ),
    ("contracts", {"contracts", "store", "commands"}),
    ("registry and config", {"registry", "config", "hookspecs", "plugins"}),
    ("engine", {"engine"}),
    ("runtime", {"runtime"}),
    ("entry points", {"cli", "launch", "__main__", "__init__", "testing", "scaffold"}),
]  # fmt: skip
KNOWN = {name for _, names in LAYERS for name in names}
BUILTINS = "builtin"


def layer_of(module: str) -> int:
    """``module`` is a dotted name below ``chatcore`` (``engine``, ``testing.harness``)."""
    head = module.split(".")[0]
    for index, (_, names) in enumerate(LAYERS):
        if head in names:
            return index
    raise AssertionError(
        f"chatcore.{module} is in no layer: add it to LAYERS in {Path(__file__).name}"
    )


def imports_of(path: Path) -> list[tuple[str, int]]:
    """The chatcore modules ``path`` imports (dotted, without ``chatcore.``), with lines."""
    found = []
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            # ``from x import y``: the submodule x.y if there is one, else (resolved later by
            # walking up the dots) the module x that defines the name y
            names = [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if name == "chatcore" or name.startswith("chatcore."):
                found.append((name.removeprefix("chatcore").lstrip("."), node.lineno))
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


def core_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] != BUILTINS)


def resolve(name: str, modules: set[str]) -> str | None:
    """The module an imported dotted name refers to (``x.y.Name`` -> ``x.y``)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


@pytest.mark.parametrize("path", core_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_modules_import_only_their_layer_and_lower_ones(path):
    own = layer_of(module_name(path))
    problems = []
    for name, line in imports_of(path):
        if not name:
            continue  # the package itself: its facade imports nothing eagerly
        if name.split(".")[0] == BUILTINS:
            problems.append(f"line {line}: imports the plugin chatcore.{name}")
        elif name.split(".")[0] in KNOWN and layer_of(name) > own:
            theirs = LAYERS[layer_of(name)][0]
            problems.append(f"line {line}: imports chatcore.{name} (layer {theirs!r})")
    assert not problems, f"{path.relative_to(PACKAGE.parent)} ({LAYERS[own][0]}): {problems}"


def test_no_import_cycles_anywhere_in_the_package():
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(files)
    graph = {
        module: {
            target
            for name, _ in imports_of(path)
            if (target := resolve(name, modules)) not in (None, "", module, "__init__")
        }
        for module, path in files.items()
    }
    cycles = strongly_connected(graph)
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(sorted(c)) for c in cycles)


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative: every component of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def test_the_layer_test_catches_a_back_import(tmp_path, monkeypatch):
    """A deliberately added back-import (the engine importing the runtime) is caught."""
    engine = PACKAGE / "engine.py"
    copy = tmp_path / "chatcore" / "engine.py"
    copy.parent.mkdir()
    copy.write_text(engine.read_text(encoding="utf-8") + "\nfrom chatcore.runtime import Runtime\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", copy.parent)
    with pytest.raises(AssertionError, match=r"chatcore\.runtime"):
        test_core_modules_import_only_their_layer_and_lower_ones(copy)
