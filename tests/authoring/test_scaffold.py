"""`chatcore plugin new` writes a package that installs with pip and passes its own tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chatcore.errors import ChatcoreError
from chatcore.scaffold import KINDS, new_plugin


def pip_install(package: Path, site: Path) -> None:
    """A real pip install of the package into ``site`` (no network: no build isolation)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(package),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("kind", KINDS)
def test_scaffold_installs_is_discovered_and_passes_its_tests(tmp_path, kind):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "chatcore",
            "plugin",
            "new",
            f"my-{kind}",
            "--kind",
            kind,
            "--dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    package = tmp_path / f"chatcore-my-{kind}"
    assert f"created {package}" in result.stdout
    site = tmp_path / "site"
    pip_install(package, site)
    env = {**os.environ, "PYTHONPATH": str(site), "CHATCORE_HOME": str(tmp_path / "home")}

    listed = subprocess.run(
        [sys.executable, "-m", "chatcore", "plugins"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert f"my-{kind} (chatcore-my-{kind} 0.1.0)" in listed.stdout, listed.stderr
    assert f"{kind}:my_{kind}" in listed.stdout

    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package / "tests")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert " passed" in tests.stdout


def test_scaffold_refuses_bad_names_kinds_and_overwrites(tmp_path):
    with pytest.raises(ChatcoreError, match="invalid plugin name 'Bad Name'"):
        new_plugin("Bad Name", "filter", tmp_path)
    with pytest.raises(ChatcoreError, match="unknown kind 'widget'"):
        new_plugin("ok", "widget", tmp_path)
    new_plugin("ok", "filter", tmp_path)
    with pytest.raises(ChatcoreError, match="already exists"):
        new_plugin("ok", "responder", tmp_path)
