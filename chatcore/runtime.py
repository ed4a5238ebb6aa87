"""Wiring: config + plugins -> components -> an Engine. One Runtime per process or test."""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from chatcore.config import Config, load_config, resolved, section, validate_config
from chatcore.contracts import Command, Frontend
from chatcore.engine import Engine, Named
from chatcore.errors import ConfigError, PluginError
from chatcore.plugins import (
    ChatcorePluginManager,
    build_plugin_manager,
    call_each,
    collect_components,
)
from chatcore.registry import Registry


@dataclass
class Runtime:
    """Everything a command or frontend needs: the validated config, the plugins and their
    components, and where data lives."""

    config: Config
    plugin_manager: ChatcorePluginManager
    registry: Registry
    cli_options: dict[str, Any] = field(default_factory=dict)  # e.g. chat --verbose

    @classmethod
    def load(
        cls,
        config_path: str | os.PathLike | None = None,
        *,
        raw: dict[str, Any] | None = None,
        plugins: Iterable[tuple[str, object]] = (),
        load_entrypoints: bool = True,
        environ: dict[str, str] | None = None,
    ) -> Runtime:
        """Load a config file (or a ``raw`` mapping), its plugins, and validate it all."""
        path = Path(config_path) if config_path else None
        config = load_config(path, raw=raw, environ=environ)
        pm = load_plugins(
            config, plugins=plugins, load_entrypoints=load_entrypoints, environ=environ
        )
        registry = collect_components(pm)
        validate_config(config, registry)
        return cls(config, pm, registry)

    @property
    def data_dir(self) -> Path:
        """Where models, history and state live: config, then $CHATCORE_HOME, then the
        platform's user data dir."""
        if self.config.core.data_dir is not None:
            return self.config.core.data_dir.expanduser()
        if os.environ.get("CHATCORE_HOME"):
            return Path(os.environ["CHATCORE_HOME"]).expanduser()
        import platformdirs

        return Path(platformdirs.user_data_dir("chatcore", appauthor=False))

    def settings_for(self, name: str) -> Any:
        return section(self.config, self.registry, name)

    def build(self, kind: str, name: str) -> Any:
        """Instantiate one component with its validated settings."""
        spec = self.registry.get(kind, name)
        if spec is None:
            options = ", ".join(sorted(s.name for s in self.registry.of_kind(kind))) or "none"
            raise ConfigError(f"no {kind} named {name!r} (available: {options})")
        settings = self.settings_for(name)
        try:
            return spec.factory(settings, self)
        except (ConfigError, PluginError):
            raise
        except Exception as exc:
            if getattr(exc, "exit_code", None):  # a ChatcoreError subclass from the component
                raise
            raise PluginError(
                f"plugin {spec.plugin!r} failed to build {kind} {name!r}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    def build_frontend(self, name: str) -> Frontend:
        """The frontend ``name``, checked to be one (an object with ``async run``)."""
        frontend = self.build("frontend", name)
        run = getattr(type(frontend), "run", None)
        if not isinstance(frontend, Frontend) or not inspect.iscoroutinefunction(run):
            spec = self.registry.get("frontend", name)
            plugin = spec.plugin if spec else "?"
            raise PluginError(
                f"plugin {plugin!r}: frontend {name!r} built a {type(frontend).__name__}, "
                "which has no async run(engine) method (see chatcore.contracts.Frontend)"
            )
        return frontend

    def commands(self) -> dict[str, Command]:
        return {
            spec.name: Command(
                name=spec.name,
                handler=spec.factory,
                description=spec.description,
                usage=spec.options.get("usage", ""),
                admin_only=bool(spec.options.get("admin_only", False)),
                plugin=spec.plugin,
            )
            for spec in self.registry.of_kind("command")
        }

    def build_engine(
        self, *, store: str | None = None, responders: list[str] | None = None
    ) -> Engine:
        """An engine wired as the config says; ``store``/``responders`` override it."""
        core = self.config.core
        names = responders if responders is not None else core.responders
        if "fallback" not in names and self.registry.get("responder", "fallback"):
            names = [*names, "fallback"]  # the fallback responder always runs last
        # a filter on both input and output is built once (word lists can take a while)
        stages = dict.fromkeys([*core.filters.input, *core.filters.output])
        filters = {name: self.build("filter", name) for name in stages}
        return Engine(
            store=self.build("store", store or core.store),
            responders=[Named(n, self.build("responder", n)) for n in names],
            input_filters=[Named(n, filters[n]) for n in core.filters.input],
            output_filters=[Named(n, filters[n]) for n in core.filters.output],
            commands=self.commands(),
            settings=core.engine,
            filter_settings=core.filters,
            messages=self.registry.messages.overridden(core.messages),
            notify=partial(call_each, self.plugin_manager),
        )

    def resolved_config(self) -> dict[str, Any]:
        return resolved(self.config, self.registry)


DISABLE_ENV = "CHATCORE_DISABLE_PLUGINS"
"""Comma-separated plugin names to disable on top of the config's ``plugins.disabled`` (for
one run, e.g. a plugin that breaks start-up before its config can be fixed)."""


def load_plugins(
    config: Config,
    *,
    plugins: Iterable[tuple[str, object]] = (),
    load_entrypoints: bool = True,
    environ: Mapping[str, str] | None = None,
) -> ChatcorePluginManager:
    """The one way plugins are loaded, for the runtime and the command line alike: the
    built-ins and installed plugins, the config's ``plugins.modules`` and ``plugins``, less
    the config's ``plugins.disabled`` and ``$CHATCORE_DISABLE_PLUGINS``."""
    env = os.environ if environ is None else environ
    from_env = [name.strip() for name in env.get(DISABLE_ENV, "").split(",") if name.strip()]
    disabled = [*config.core.plugins.disabled, *from_env]
    modules = [*plugins, *_import_modules(config)]
    pm = build_plugin_manager(disabled, plugins=modules, load_entrypoints=load_entrypoints)
    unknown = [name for name in config.core.plugins.disabled if name not in pm.available]
    if unknown:
        raise ConfigError(
            [config.error(("plugins", "disabled"), f"no plugin named {n!r}") for n in unknown]
        )
    return pm


def _import_modules(config: Config) -> list[tuple[str, object]]:
    """The plugin modules named in ``plugins.modules``, imported; errors name the module."""
    import importlib

    loaded = []
    for index, dotted in enumerate(config.core.plugins.modules):
        try:
            loaded.append((dotted, importlib.import_module(dotted)))
        except Exception as exc:
            where = config.error(("plugins", "modules", index), "")
            raise PluginError(
                f"{where[:-2]} plugin module {dotted!r} failed to import: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    return loaded
