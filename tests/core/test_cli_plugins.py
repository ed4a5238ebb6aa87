"""The command line loads plugins the way the runtime does: the config it is given decides
which plugins add commands (issue #18 item 5)."""

from __future__ import annotations

import sys
import textwrap

import pytest
from click.testing import CliRunner

from chatcore.cli import build_cli

PLUGIN = '''
import click
from chatcore import hookimpl


@hookimpl
def chatcore_register_cli(cli):
    @cli.command("greet")
    def greet():
        """Say hello from a local plugin."""
        click.echo("hello from the local plugin")
'''


@pytest.fixture
def local_plugin(tmp_path, monkeypatch):
    (tmp_path / "greeter_plugin.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "greeter_plugin"
    sys.modules.pop("greeter_plugin", None)


def run(args: list[str]):
    return CliRunner().invoke(build_cli(args), args)


def test_a_plugin_from_plugins_modules_adds_its_commands(tmp_path, local_plugin):
    config = tmp_path / "bot.yaml"
    config.write_text(f"plugins: {{modules: [{local_plugin}]}}\n", encoding="utf-8")
    assert "greet" not in run(["-h"]).output  # no config names it: not loaded
    args = ["plugins", "--config", str(config)]
    assert "greeter_plugin" in run(args).output
    result = CliRunner().invoke(build_cli(["-c", str(config)]), ["greet"])
    assert result.exit_code == 0, result.output
    assert "hello from the local plugin" in result.output


def test_a_plugin_disabled_in_the_config_adds_no_commands(tmp_path):
    config = tmp_path / "bot.yaml"
    config.write_text("plugins: {disabled: [moderation]}\n", encoding="utf-8")
    assert run(["moderate", "hi"]).exit_code == 0  # loaded by default
    result = run(["moderate", "--config", str(config), "hi"])
    assert result.exit_code == 2 and "No such command 'moderate'" in result.output


def test_the_environment_disables_plugins_for_commands_and_runtime_alike(monkeypatch):
    monkeypatch.setenv("CHATCORE_DISABLE_PLUGINS", "moderation, qa")
    assert "No such command 'moderate'" in run(["moderate", "hi"]).output
    listed = run(["plugins", "--json"]).output
    assert '"name": "core"' in listed
    assert '"name": "moderation"' not in listed and '"name": "qa"' not in listed


def test_an_unreadable_config_leaves_its_error_to_the_command(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("engine: [\n", encoding="utf-8")
    result = run(["config", "show", "--config", str(config)])
    assert result.exit_code != 0 and "bad.yaml:2" in result.output


def test_help_and_config_check_still_work_when_the_configs_plugins_cannot_load(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "chatcore.yaml").write_text("plugins: {modules: [no_such_mod]}\n")
    assert run(["--help"]).exit_code == 0
    result = run(["config", "check", "chatcore.yaml"])
    assert result.exit_code != 0 and "no_such_mod" in result.output


def test_runtime_takes_the_disable_override_from_the_environment_it_is_given(monkeypatch):
    from chatcore.runtime import Runtime

    monkeypatch.setenv("CHATCORE_DISABLE_PLUGINS", "moderation")
    assert Runtime.load(None, environ={}).plugin_manager.has_plugin("moderation")
    given = {"CHATCORE_DISABLE_PLUGINS": "moderation"}
    assert not Runtime.load(None, environ=given).plugin_manager.has_plugin("moderation")
