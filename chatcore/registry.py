"""Components contributed by plugins, indexed by kind and name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from chatcore.errors import PluginError

if TYPE_CHECKING:
    from chatcore.contracts import CommandHandler, Factory
from chatcore.messages import Catalogue

KINDS = ("frontend", "filter", "responder", "store", "command")


class Register(Protocol):
    """The ``register`` callback of the registration hooks. ``factory`` builds the component
    from its settings and the runtime (a command's is its handler)."""

    def __call__(
        self,
        name: str,
        factory: Factory[Any, Any] | CommandHandler,
        *,
        settings: type[BaseModel] | None = None,
        description: str = "",
        **options: Any,
    ) -> None: ...


@dataclass(frozen=True)
class ComponentSpec:
    """One registered component: how to build it and what configures it."""

    kind: str
    name: str
    factory: Callable[..., Any]
    plugin: str
    settings: type[BaseModel] | None = None
    description: str = ""
    options: dict[str, Any] = field(default_factory=dict)


class Registry:
    """All components by kind. A component's name is also its config section, so it may be
    registered once across all kinds; commands (which take no settings) have their own names."""

    def __init__(self) -> None:
        self._specs: dict[tuple[bool, str], ComponentSpec] = {}
        self.messages = Catalogue()  # the texts users see, plugins' included

    def register_callback(self, kind: str, plugin: str) -> Register:
        """A ``register`` function bound to one plugin and kind, for a registration hook."""

        def register(
            name: str,
            factory: Callable[..., Any],
            *,
            settings: type[BaseModel] | None = None,
            description: str = "",
            **options: Any,
        ) -> None:
            self.add(ComponentSpec(kind, name, factory, plugin, settings, description, options))

        return register

    def add(self, spec: ComponentSpec) -> None:
        if not spec.name or not spec.name.replace("_", "").replace("-", "").isalnum():
            raise PluginError(
                f"plugin {spec.plugin!r} registered a {spec.kind} with an invalid name "
                f"{spec.name!r}: use letters, digits, '-' and '_'"
            )
        if spec.settings is not None and not issubclass(spec.settings, BaseModel):
            raise PluginError(
                f"plugin {spec.plugin!r}: settings of {spec.kind} {spec.name!r} must be a "
                "chatcore.Settings (pydantic) subclass"
            )
        if spec.kind != "command" and spec.name in _reserved_sections():
            raise PluginError(
                f"plugin {spec.plugin!r} registered a {spec.kind} named {spec.name!r}, which is "
                "a core config section; choose another name"
            )
        key = (spec.kind == "command", spec.name)
        old = self._specs.get(key)
        if old is not None:
            raise PluginError(
                f"{spec.kind} {spec.name!r} is registered twice: by plugin {old.plugin!r} "
                f"(as a {old.kind}) and by plugin {spec.plugin!r}; rename one of them or "
                f"disable a plugin with 'plugins: {{disabled: [{spec.plugin}]}}'"
            )
        self._specs[key] = spec

    def get_any(self, name: str) -> ComponentSpec | None:
        """The component (not command) owning the config section ``name``."""
        return self._specs.get((False, name))

    def get(self, kind: str, name: str) -> ComponentSpec | None:
        spec = self._specs.get((kind == "command", name))
        return spec if spec is not None and spec.kind == kind else None

    def of_kind(self, kind: str) -> list[ComponentSpec]:
        return [s for s in self._specs.values() if s.kind == kind]

    def by_plugin(self, plugin: str) -> list[ComponentSpec]:
        return [s for s in self._specs.values() if s.plugin == plugin]

    def __iter__(self) -> Iterator[ComponentSpec]:
        return iter(self._specs.values())


def _reserved_sections() -> set[str]:
    from chatcore.settings import CoreSettings

    return set(CoreSettings.model_fields)
