"""The docs cannot rot: the plugin tutorial is built, installed and run command by command;
every Python block compiles (and hook examples register), every YAML block parses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import types
from pathlib import Path

import pytest
import yaml

from chatcore.plugins import build_plugin_manager, collect_components

ROOT = Path(__file__).parents[2]
DOCS = sorted((ROOT / "docs").glob("*.md"))
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.M | re.S)
FILE_HEADER = re.compile(r"^# file: (\S+)\n")


def blocks(path: Path) -> list[tuple[str, str]]:
    return BLOCK.findall(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_python_blocks_compile_and_hook_examples_register(doc):
    for lang, body in blocks(doc):
        if lang != "python" or FILE_HEADER.match(body):
            continue
        code = compile(body, f"{doc.name}:python-block", "exec")
        namespace = types.ModuleType("doc_example")
        exec(code, namespace.__dict__)
        if any(name.startswith("chatcore_") for name in vars(namespace)):
            pm = build_plugin_manager(plugins=[("doc", namespace)], load_entrypoints=False)
            collect_components(pm)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_yaml_blocks_parse(doc):
    for lang, body in blocks(doc):
        if lang == "yaml":
            assert isinstance(yaml.safe_load(body), dict), body


def make_tutorial_venv(where: Path) -> Path:
    """A fresh venv that sees this environment's packages (chatcore and its dependencies) but
    installs into itself, so `pip install -e .` in the tutorial touches nothing else."""
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    site = next((venv / "lib").glob("python3*/site-packages"))
    parent = sysconfig.get_paths()["purelib"]
    (site / "zz_chatcore_parent.pth").write_text(
        f"import site; site.addsitedir({parent!r})\n", encoding="utf-8"
    )
    for tool, module in (("chatcore", "chatcore"), ("pytest", "pytest")):
        shim = venv / "bin" / tool
        shim.write_text(f'#!/bin/sh\nexec "{venv}/bin/python" -m {module} "$@"\n')
        shim.chmod(0o755)
    return venv


def console_steps(body: str) -> list[tuple[str, list[str]]]:
    """`$ command` lines with the output lines that follow them."""
    steps: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
    return steps


def test_plugin_tutorial_runs_as_written(tmp_path):
    doc = ROOT / "docs" / "writing-plugins.md"
    workdir = tmp_path / "chatcore-polite"
    workdir.mkdir()
    venv = make_tutorial_venv(tmp_path)
    env = {
        **os.environ,
        "PATH": f"{venv / 'bin'}:{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        "CHATCORE_HOME": str(tmp_path / "home"),
        "PIP_NO_BUILD_ISOLATION": "0",  # build with this venv's setuptools: no network
    }
    ran = 0
    for lang, body in blocks(doc):
        header = FILE_HEADER.match(body)
        if header:
            target = workdir / header.group(1)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body[header.end() :], encoding="utf-8")
        elif lang == "console":
            for command, expected in console_steps(body):
                result = subprocess.run(
                    ["bash", "-c", command],
                    cwd=workdir,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
                assert result.stdout.splitlines() == expected, (command, result.stderr)
                ran += 1
    assert ran >= 6
