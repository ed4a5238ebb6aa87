"""The plugin manager: the built-in plugins load by import from ``DEFAULT_PLUGINS`` (so a
source checkout works without installing), third-party ones through the ``chatcore``
entry-point group; both are registered the same way, and either can be disabled by name.

There is no global manager; ``build_plugin_manager`` makes a fresh one, so tests and
embedders can hold several with different plugins.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata as md
import inspect
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import pluggy

from chatcore import hookspecs
from chatcore.errors import PluginError

if TYPE_CHECKING:
    from chatcore.registry import Registry

ENTRY_POINT_GROUP = "chatcore"
DEFAULT_PLUGINS: dict[str, str] = {
    "authoring": "chatcore.builtin.authoring.plugin",
    "conversation": "chatcore.builtin.conversation.plugin",
    "core": "chatcore.builtin.core.plugin",
    "handoff": "chatcore.builtin.handoff.plugin",
    "moderation": "chatcore.builtin.moderation.plugin",
    "qa": "chatcore.builtin.qa.plugin",
    "repl": "chatcore.builtin.repl.plugin",
    "telegram": "chatcore.builtin.telegram.plugin",
    "web": "chatcore.builtin.web.plugin",
    "workers": "chatcore.builtin.workers.plugin",
}
"""Built-in plugin name -> module. Registered first, so a third-party plugin's hooks run
before theirs (pluggy calls the latest registered first)."""
BUILTIN_ORIGIN = ("chatcore", None)
log = logging.getLogger(__name__)


@dataclass
class PluginInfo:
    """What ``chatcore plugins`` shows about one loaded plugin."""

    name: str
    module: str
    distribution: str | None = None
    version: str | None = None
    builtin: bool = False
    hooks: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)


class ChatcorePluginManager(pluggy.PluginManager):
    """A pluggy manager that remembers where each plugin came from and what is disabled."""

    def __init__(self) -> None:
        super().__init__(ENTRY_POINT_GROUP)
        self.add_hookspecs(hookspecs)
        self.origins: dict[str, tuple[str | None, str | None]] = {}
        self.disabled: set[str] = set()
        self.available: set[str] = set()


def build_plugin_manager(
    disabled: Iterable[str] = (),
    *,
    plugins: Iterable[tuple[str, object]] = (),
    load_entrypoints: bool = True,
) -> ChatcorePluginManager:
    """Load the built-in plugins and every plugin of the ``chatcore`` entry-point group except
    ``disabled``, plus ``plugins`` given as (name, module-or-object) pairs, and validate their
    hooks. ``load_entrypoints=False`` loads only ``plugins`` (for tests and embedders)."""
    pm = ChatcorePluginManager()
    pm.disabled = set(disabled)
    if load_entrypoints:
        for name, module in DEFAULT_PLUGINS.items():
            pm.available.add(name)
            if name not in pm.disabled:
                _register(pm, name, _import_builtin(name, module), _builtin_origin())
        for ep in _entry_points():
            pm.available.add(ep.name)
            if ep.name not in pm.disabled:
                _register(pm, ep.name, _load_entry_point(ep), _distribution_of(ep))
    for name, plugin in plugins:
        pm.available.add(name)
        if name not in pm.disabled:
            _register(pm, name, plugin, (None, None))
    check_hooks(pm)
    return pm


def _entry_points() -> list[md.EntryPoint]:
    seen: dict[str, md.EntryPoint] = {}
    for ep in md.entry_points(group=ENTRY_POINT_GROUP):
        if _distribution_of(ep)[0] == "chatcore":  # an older chatcore's own built-ins
            continue
        seen.setdefault(ep.name, ep)  # a package installed twice must not load twice
    return sorted(seen.values(), key=lambda ep: ep.name)


def _builtin_origin() -> tuple[str, str | None]:
    try:
        return "chatcore", md.version("chatcore")
    except md.PackageNotFoundError:  # a source checkout, not installed
        return BUILTIN_ORIGIN


def _import_builtin(name: str, module: str) -> object:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise PluginError(
            f"built-in plugin {name!r} cannot import {exc.name or module!r}: {exc}\n"
            f"Install what it needs, or disable it with 'plugins: {{disabled: [{name}]}}'."
        ) from exc


def _distribution_of(ep: md.EntryPoint) -> tuple[str | None, str | None]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return None, None
    return dist.metadata["Name"], dist.version


def _load_entry_point(ep: md.EntryPoint) -> object:
    try:
        return ep.load()
    except Exception as exc:
        dist, _ = _distribution_of(ep)
        source = f" (from package {dist})" if dist else ""
        raise PluginError(
            f"plugin {ep.name!r}{source} failed to import {ep.value!r}: "
            f"{type(exc).__name__}: {exc}\n"
            f"Fix or uninstall it, or disable it with 'plugins: {{disabled: [{ep.name}]}}'."
        ) from exc


def _register(pm: ChatcorePluginManager, name: str, plugin: object, origin: tuple) -> None:
    if pm.has_plugin(name):
        raise PluginError(f"two plugins are named {name!r}; plugin names must be unique")
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {name!r} has an invalid hook implementation: {exc}") from exc
    pm.origins[name] = origin


def check_hooks(pm: pluggy.PluginManager) -> None:
    """Fail at once, naming the plugin, when a plugin implements a hook that does not exist
    (a misspelling would otherwise be silently ignored)."""
    known = [n for n in dir(hookspecs) if n.startswith("chatcore_")]
    for hook_name, caller in vars(pm.hook).items():
        if not isinstance(caller, pluggy.HookCaller) or caller.has_spec():
            continue
        for impl in caller.get_hookimpls():
            if impl.optionalhook:
                continue
            close = difflib.get_close_matches(hook_name, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise PluginError(
                f"plugin {impl.plugin_name!r} implements unknown hook {hook_name!r}{hint}"
            )
    pm.check_pending()


def call_each(pm: pluggy.PluginManager, hook_name: str, **kwargs: Any) -> list[Any]:
    """Call every implementation of an observer hook on its own, so one plugin that raises is
    logged and the others still run."""
    results = []
    for impl in reversed(getattr(pm.hook, hook_name).get_hookimpls()):
        args = {name: kwargs[name] for name in impl.argnames}
        try:
            results.append(impl.function(**args))
        except Exception:
            log.exception("plugin %r failed in %s", impl.plugin_name, hook_name)
    return results


def collect_components(pm: pluggy.PluginManager) -> Registry:
    """Run every registration hook, one plugin at a time, so errors name the plugin."""
    from chatcore.registry import KINDS, Registry

    registry = Registry()
    for kind in KINDS:
        hook = getattr(pm.hook, f"chatcore_register_{kind}s")
        for impl in reversed(hook.get_hookimpls()):
            _register_with(impl, hook.name, registry.register_callback(kind, impl.plugin_name))
    hook = pm.hook.chatcore_register_messages
    for impl in reversed(hook.get_hookimpls()):
        _register_with(impl, hook.name, partial(registry.messages.add, owner=impl.plugin_name))
    return registry


def _register_with(impl: pluggy.HookImpl, hook: str, register: Callable[..., None]) -> None:
    """Call one plugin's registration hook; what it raises names the plugin and the hook."""
    try:
        impl.function(register=register)
    except PluginError:
        raise
    except Exception as exc:
        raise PluginError(
            f"plugin {impl.plugin_name!r} raised in {hook}: {type(exc).__name__}: {exc}"
        ) from exc


def describe_plugins(pm: ChatcorePluginManager, registry: Registry) -> list[PluginInfo]:
    """One PluginInfo per loaded plugin, for ``chatcore plugins``."""
    infos = []
    for name, plugin in sorted(pm.list_name_plugin()):
        dist, version = pm.origins.get(name, (None, None))
        module = plugin.__name__ if inspect.ismodule(plugin) else type(plugin).__module__
        hooks = sorted(c.name for c in pm.get_hookcallers(plugin) or [])
        components = sorted(f"{s.kind}:{s.name}" for s in registry.by_plugin(name))
        infos.append(PluginInfo(name, module, dist, version, dist == "chatcore", hooks, components))
    return infos
