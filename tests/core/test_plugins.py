"""Plugin discovery through the entry-point group, blocking, and errors that name the plugin."""

from __future__ import annotations

import sys

import pytest

from chatcore import PluginError, hookimpl
from chatcore.plugins import build_plugin_manager, collect_components, describe_plugins
from chatcore.testing import ChatHarness, make_runtime
from tests.core.thirdparty import install_fake_distribution

BUILTINS = {"core", "conversation", "qa", "repl", "telegram", "moderation"}


@pytest.fixture
def shout_site(tmp_path, monkeypatch):
    site = install_fake_distribution(tmp_path / "site")
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("chatcore_shout", None)


def test_builtins_load_by_import_not_through_entry_points():
    """A source checkout has no entry points; the built-ins still load (DEFAULT_PLUGINS)."""
    import importlib.metadata as md

    own = [ep for ep in md.entry_points(group="chatcore") if ep.value.startswith("chatcore.")]
    assert not own, own
    pm = build_plugin_manager()
    names = {name for name, _ in pm.list_name_plugin()}
    assert names >= BUILTINS
    infos = {i.name: i for i in describe_plugins(pm, collect_components(pm))}
    assert infos["core"].builtin and infos["core"].distribution == "chatcore"
    assert "command:help" in infos["core"].components


async def test_third_party_package_is_discovered_and_used(shout_site):
    runtime = make_runtime({"responders": ["shout"], "shout": {"volume": 3}})
    infos = {i.name: i for i in describe_plugins(runtime.plugin_manager, runtime.registry)}
    shout = infos["shout"]
    assert (shout.distribution, shout.version, shout.builtin) == ("chatcore-shout", "1.2.3", False)
    assert shout.components == ["command:shout", "responder:shout"]
    assert shout.hooks == ["chatcore_register_commands", "chatcore_register_responders"]
    async with runtime.build_engine() as engine:
        chat = ChatHarness(engine)
        assert (await chat.say("hello")).text == "HELLO!!!"
        assert (await chat.say("/shout quiet please")).text == "QUIET PLEASE"
        assert "/shout - shout the arguments" in (await chat.say("/help")).text


def test_a_builtin_can_be_disabled_by_name():
    runtime = make_runtime({"plugins": {"disabled": ["core"]}})
    assert not runtime.plugin_manager.has_plugin("core")
    assert "help" not in runtime.commands()
    assert runtime.registry.get("responder", "fallback") is None


def test_disabling_an_unknown_plugin_is_a_config_error():
    from chatcore import ConfigError

    with pytest.raises(ConfigError, match=r"plugins\.disabled: no plugin named 'cor'"):
        make_runtime({"plugins": {"disabled": ["cor"]}})


def test_misspelled_hook_fails_at_once_naming_plugin():
    class Typo:
        @hookimpl
        def chatcore_register_filterz(self, register):
            pass

    with pytest.raises(PluginError) as info:
        build_plugin_manager(plugins=[("typo-plugin", Typo())], load_entrypoints=False)
    assert str(info.value) == (
        "plugin 'typo-plugin' implements unknown hook 'chatcore_register_filterz' "
        "(did you mean chatcore_register_filters?)"
    )


def test_wrong_hook_arguments_name_the_plugin():
    class WrongArgs:
        @hookimpl
        def chatcore_register_filters(self, register, colour):
            pass

    with pytest.raises(PluginError, match="plugin 'wrong-args' has an invalid hook"):
        build_plugin_manager(plugins=[("wrong-args", WrongArgs())], load_entrypoints=False)


def test_plugin_that_fails_to_import_is_named(tmp_path, monkeypatch):
    site = install_fake_distribution(
        tmp_path / "site",
        name="broken-plugin",
        module="chatcore_broken",
        source="import a_module_that_does_not_exist\n",
        entry_name="broken",
    )
    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(PluginError) as info:
        build_plugin_manager()
    message = str(info.value)
    assert "plugin 'broken' (from package broken-plugin) failed to import" in message
    assert "ModuleNotFoundError" in message and "disabled: [broken]" in message
    assert build_plugin_manager(disabled=["broken"]).has_plugin("core")


def test_plugin_raising_at_registration_is_named():
    class Raises:
        @hookimpl
        def chatcore_register_responders(self, register):
            raise KeyError("oops")

    pm = build_plugin_manager(plugins=[("raiser", Raises())], load_entrypoints=False)
    with pytest.raises(PluginError, match="plugin 'raiser' raised in chatcore_register_responders"):
        collect_components(pm)


def test_component_registered_twice_names_both_plugins():
    class Twin:
        def __init__(self):
            pass

        @hookimpl
        def chatcore_register_responders(self, register):
            register("twin", lambda s, r: None)

    pm = build_plugin_manager(
        plugins=[("first", Twin()), ("second", Twin())], load_entrypoints=False
    )
    with pytest.raises(PluginError) as info:
        collect_components(pm)
    message = str(info.value)
    assert message.startswith("responder 'twin' is registered twice: by plugin ")
    assert "'first'" in message and "'second'" in message


def test_invalid_component_name_is_rejected():
    class BadName:
        @hookimpl
        def chatcore_register_filters(self, register):
            register("no spaces please", lambda s, r: None)

    pm = build_plugin_manager(plugins=[("bad-name", BadName())], load_entrypoints=False)
    with pytest.raises(PluginError, match="plugin 'bad-name' registered a filter with an invalid"):
        collect_components(pm)


def test_plugin_module_from_config(tmp_path, monkeypatch):
    (tmp_path / "local_plugin.py").write_text(
        "import chatcore\n"
        "@chatcore.hookimpl\n"
        "def chatcore_register_commands(register):\n"
        "    async def ping(ctx):\n"
        "        return 'pong'\n"
        "    register('ping', ping, description='answers pong')\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    runtime = make_runtime({"plugins": {"modules": ["local_plugin"]}})
    assert "ping" in runtime.commands()
    with pytest.raises(PluginError, match="plugin module 'no_such_mod' failed to import"):
        make_runtime({"plugins": {"modules": ["no_such_mod"]}})


def test_a_component_may_not_take_a_core_section_name():
    class Greedy:
        @hookimpl
        def chatcore_register_responders(self, register):
            register("logging", lambda s, r: None)

    pm = build_plugin_manager(plugins=[("greedy", Greedy())], load_entrypoints=False)
    with pytest.raises(PluginError, match="named 'logging', which is a core config section"):
        collect_components(pm)
