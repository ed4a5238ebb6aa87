"""Optional extras: on the base install (no extra), the CLI and the plugin listing work, and a
built-in component whose extra is missing is one line naming the pip command, exit code 3.
A missing package is simulated by ``sys.modules[name] = None`` (import then fails)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chatcore import extras
from chatcore.extras import EXTRAS, MissingExtraError
from chatcore.testing import make_runtime

ROOT = Path(__file__).resolve().parents[2]
EVERY_EXTRA = sorted({name for names in EXTRAS.values() for name in names})


def without(monkeypatch: pytest.MonkeyPatch, *extra_names: str) -> None:
    for extra in extra_names:
        for name in EXTRAS[extra]:
            monkeypatch.setitem(sys.modules, name, None)


def test_every_extra_in_pyproject_is_checked_and_all_has_them():
    import tomllib

    optional = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    assert set(EXTRAS) <= set(optional)
    assert optional["all"] == [f"chatcore[{','.join(EXTRAS)}]"]


def test_require_names_what_and_the_pip_command(monkeypatch):
    extras.require("telegram", "the telegram frontend")  # installed here: nothing happens
    without(monkeypatch, "telegram")
    assert extras.missing("telegram") == ["telegram"] and not extras.installed("telegram")
    with pytest.raises(MissingExtraError) as caught:
        extras.require("telegram", "the telegram frontend")
    assert str(caught.value).startswith(
        "the telegram frontend needs: pip install 'chatcore[telegram]' (missing: telegram;"
    )
    assert caught.value.exit_code == 3


@pytest.mark.parametrize(
    ("kind", "name", "extra", "config"),
    [
        ("frontend", "telegram", "telegram", {"frontend": "telegram"}),
        ("store", "redis", "redis", {"store": "redis"}),
        ("filter", "lexicon", "moderation", {}),
        ("filter", "classifier", "moderation", {}),
        ("responder", "qa", "qa", {"responders": ["qa"]}),
    ],
)
def test_a_component_without_its_extra_fails_when_built(kind, name, extra, config, monkeypatch):
    without(monkeypatch, extra)
    runtime = make_runtime(config)  # plugins load and the config validates without it
    with pytest.raises(MissingExtraError, match=rf"needs: pip install 'chatcore\[{extra}\]'"):
        runtime.build(kind, name)


def test_without_every_extra_the_framework_still_works(monkeypatch):
    """The base install: memory and SQLite stores, the PII filter, piped chat, the plugins."""
    without(monkeypatch, *EXTRAS)
    runtime = make_runtime({"responders": [], "filters": {"input": ["pii"], "output": []}})
    assert {"qa", "moderation", "repl", "telegram", "conversation"} <= set(
        dict(runtime.plugin_manager.list_name_plugin())
    )
    runtime.build("filter", "pii")
    runtime.build("store", "sqlite")
    assert not runtime.build("frontend", "repl").interactive  # piped: no prompt_toolkit


def test_the_interactive_prompt_needs_the_repl_extra(monkeypatch):
    import chatcore.builtin.repl.frontend as frontend

    without(monkeypatch, "repl")
    monkeypatch.setattr(frontend, "_is_tty", lambda: True)
    with pytest.raises(MissingExtraError, match=r"pip install 'chatcore\[repl\]'"):
        make_runtime().build("frontend", "repl")


def test_qa_as_a_mere_default_without_its_extra_says_how_to_get_it(monkeypatch):
    without(monkeypatch, "qa")
    responder = make_runtime().build("responder", "qa")  # not named in the config
    assert responder.command.startswith("pip install 'chatcore[qa]' && chatcore train")


BLOCKED_CLI = f"""
import sys
for name in {EVERY_EXTRA!r}:
    sys.modules[name] = None
sys.argv = ["chatcore", *sys.argv[1:]]
from chatcore.launch import main
main()
"""


def base_install(*args: str, home: Path, stdin: str = "") -> subprocess.CompletedProcess:
    """``chatcore ARGS`` as on ``pip install chatcore`` with no extra."""
    env = {**os.environ, "CHATCORE_HOME": str(home), "CHATCORE_TELEGRAM_TOKEN": "1:x"}
    return subprocess.run(
        [sys.executable, "-c", BLOCKED_CLI, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=home,
        timeout=120,
    )


def test_the_base_install_lists_and_helps_and_names_the_missing_extra(tmp_path):
    for args in (["--help"], ["plugins"]):
        listed = base_install(*args, home=tmp_path)
        assert listed.returncode == 0 and not listed.stderr, listed.stderr
    assert "components: command:start, frontend:telegram" in listed.stdout
    cases = [
        (["moderate", "hello"], "the meaning filter", "moderation"),
        (["chat"], "the meaning filter", "moderation"),
        (["serve", "telegram"], "the telegram frontend", "telegram"),
        (["train"], "chatcore train", "qa"),
    ]
    for args, what, extra in cases:
        result = base_install(*args, home=tmp_path, stdin="hello\n")
        assert result.returncode == 3, (args, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr  # one line, no traceback
        assert lines[0].startswith(
            f"chatcore: error: {what} needs: pip install 'chatcore[{extra}]' (missing: "
        ), lines[0]
