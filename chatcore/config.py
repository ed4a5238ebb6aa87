"""YAML config: load with line numbers, substitute ${ENV} secrets, validate with messages that
name the file, the line and the dotted key."""

from __future__ import annotations

import copy
import difflib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from chatcore import safeyaml
from chatcore.errors import ConfigError
from chatcore.registry import ComponentSpec, Registry
from chatcore.settings import CoreSettings

KeyPath = tuple[str | int, ...]
ENV_PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
MASK = "***"


@dataclass
class Config:
    """A loaded config: the raw mapping plus where each key came from."""

    raw: dict[str, Any]
    source: Path | None = None
    lines: dict[KeyPath, int] = field(default_factory=dict)
    secret_paths: set[KeyPath] = field(default_factory=set)  # values from ${ENV}
    defaulted_paths: set[KeyPath] = field(default_factory=set)  # ${ENV:-default} values
    core: CoreSettings = field(default_factory=CoreSettings)
    sections: dict[str, BaseModel] = field(default_factory=dict)

    def where(self, path: KeyPath) -> str:
        """'file:line' (or the best known prefix) for a key path, for error messages."""
        name = str(self.source) if self.source else "<config>"
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return f"{name}:{line}"
        return name

    def error(self, path: KeyPath, problem: str) -> str:
        dotted = dotted_key(path) or "(top level)"
        return f"{self.where(path)}: {dotted}: {problem}"


def dotted_key(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def resolve_config_path(option: str | os.PathLike | None) -> Path | None:
    """The config to use: --config, then $CHATCORE_CONFIG, then ./chatcore.yaml, else defaults."""
    if option:
        return Path(option)
    if os.environ.get("CHATCORE_CONFIG"):
        return Path(os.environ["CHATCORE_CONFIG"])
    local = Path("chatcore.yaml")
    return local if local.is_file() else None


def load_config(
    path: Path | None = None,
    *,
    raw: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
) -> Config:
    """Read and parse a config file, or take a ``raw`` mapping (neither: all defaults).
    Component sections are validated later, in ``validate_config``, once plugins are known."""
    config = _parse_file(Path(path)) if path is not None else Config(copy.deepcopy(raw or {}))
    _substitute_env(config, os.environ if environ is None else environ)
    config.core = _validate_model(config, CoreSettings, (), _core_part(config.raw))
    return config


def _parse_file(path: Path) -> Config:
    """One compose gives both the data and the line of every key (see chatcore.safeyaml)."""
    try:
        text = safeyaml.read_text(
            path, safeyaml.CONFIG_MAX_BYTES, ConfigError, what="a config file"
        )
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    document = safeyaml.compose(text, path, ConfigError)
    raw = document.data()
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}:1: the config must be a mapping of sections, not {_kind(raw)}")
    lines: dict[KeyPath, int] = {}
    if document.node is not None:
        _index_lines(document.node, (), lines)
    return Config(raw=raw, source=path, lines=lines)


def _index_lines(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int]) -> None:
    """The line of every key path. The tree has no shared nodes and bounded depth
    (chatcore.safeyaml checked it), so this visits each node once; its keys are scalars,
    since constructing the data refused any other key."""
    lines.setdefault(path, safeyaml.line(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = _key(key_node)
            key_path = (*path, key)
            lines[key_path] = safeyaml.line(key_node)
            if not isinstance(key, (str, int)):  # pydantic names such keys by str() or repr()
                for name in (str(key), repr(key)):
                    lines.setdefault((*path, name), safeyaml.line(key_node))
            _index_lines(value_node, key_path, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, (*path, index), lines)


def _key(node: yaml.Node) -> Any:
    """A mapping key as the data holds it: ``1:`` and ``yes:`` are the int 1 and True, so
    the line of a wrong key like these is found under that value, not under its text."""
    if node.tag == "tag:yaml.org,2002:str":
        return node.value
    try:
        return yaml.constructor.SafeConstructor().construct_object(node)
    except (yaml.YAMLError, ValueError, TypeError):
        return node.value


def _substitute_env(config: Config, environ: dict[str, str] | os._Environ) -> None:
    """Replace ${VAR} and ${VAR:-default} in string values; a missing variable is an error."""
    problems: list[str] = []

    def visit(value: Any, path: KeyPath) -> Any:
        if isinstance(value, dict):
            return {k: visit(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [visit(v, (*path, i)) for i, v in enumerate(value)]
        if not isinstance(value, str) or "${" not in value:
            return value

        def replace(match: re.Match) -> str:
            name, default = match.group(1), match.group(2)
            if name in environ:
                return environ[name]
            if default is not None:
                return default
            problems.append(config.error(path, f"environment variable {name} is not set"))
            return ""

        config.secret_paths.add(path)
        if any(match.group(2) is not None for match in ENV_PATTERN.finditer(value)):
            config.defaulted_paths.add(path)
        return ENV_PATTERN.sub(replace, value)

    config.raw = visit(config.raw, ())
    if problems:
        raise ConfigError(problems)


def _core_part(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if k in CoreSettings.model_fields}


def validate_config(config: Config, registry: Registry) -> Config:
    """Check top-level keys against the core and the registered components, validate every
    present component section, and check that named components and message ids exist."""
    problems = _unknown_sections(config, registry)
    for name, value in config.raw.items():
        spec = registry.get_any(name) if name not in CoreSettings.model_fields else None
        if spec is None:
            continue
        if spec.settings is None:
            problems.append(config.error((name,), f"{spec.kind} {name!r} takes no settings"))
            continue
        problems.extend(_literal_secrets(config, name, spec.settings))
        try:
            config.sections[name] = _validate_section(config, spec, value)
        except ConfigError as exc:
            problems.extend(exc.problems)
    _drop_absent_default_filters(config, registry)
    _drop_absent_default_responders(config, registry)
    problems.extend(_missing_components(config, registry))
    problems.extend(_message_problems(config, registry))
    if problems:
        raise ConfigError(problems)
    return config


def _message_problems(config: Config, registry: Registry) -> list[str]:
    """The ``messages`` section names ids that exist, with the fields their texts have."""
    found = registry.messages.problems(config.core.messages)
    return [config.error(("messages", *path), problem) for path, problem in found]


def _literal_secrets(config: Config, name: str, model: type[BaseModel]) -> list[str]:
    """Secrets written into the file (chatcore.secretkeys), never echoing their values."""
    from chatcore.secretkeys import literal_secrets, secret_fields

    paths = secret_fields(model, (name,))
    found = literal_secrets(config.raw, paths, config.secret_paths, config.defaulted_paths)
    return [config.error(path, problem) for path, problem in found]


def _drop_absent_default_responders(config: Config, registry: Registry) -> None:
    """The default responder list names the qa plugin's responder; like the default filters,
    it shrinks when that plugin is not loaded. A list the config spells out is checked."""
    if "responders" not in config.raw:
        core = config.core
        core.responders = [n for n in core.responders if registry.get("responder", n)]


def _unknown_sections(config: Config, registry: Registry) -> list[str]:
    sections = (spec.name for spec in registry if spec.kind != "command")
    known = [*CoreSettings.model_fields, *sections]
    problems = []
    for name in config.raw:
        if name not in known:
            problems.append(config.error((name,), "unknown key" + _suggest(str(name), known)))
    return problems


def _drop_absent_default_filters(config: Config, registry: Registry) -> None:
    """Default filter lists name the moderation plugin's filters; when that plugin is not
    loaded (disabled, or a test without entry points) the defaults shrink instead of failing.
    Lists the config spells out are kept as written and checked."""
    given = config.raw.get("filters")
    given = given if isinstance(given, dict) else {}
    filters = config.core.filters
    for stage in ("input", "output"):
        if stage not in given:
            names = [n for n in getattr(filters, stage) if registry.get("filter", n)]
            setattr(filters, stage, names)


def _missing_components(config: Config, registry: Registry) -> list[str]:
    core = config.core
    wanted: list[tuple[KeyPath, str, str]] = [
        (("responders", i), "responder", n) for i, n in enumerate(core.responders)
    ]
    wanted += [(("filters", "input", i), "filter", n) for i, n in enumerate(core.filters.input)]
    wanted += [(("filters", "output", i), "filter", n) for i, n in enumerate(core.filters.output)]
    wanted += [(("store",), "store", core.store)]
    problems = []
    for path, kind, name in wanted:
        if registry.get(kind, name) is None:
            options = [s.name for s in registry.of_kind(kind)]
            listed = ", ".join(sorted(options)) or "none"
            hint = _suggest(name, options) or f" (available: {listed})"
            problems.append(config.error(path, f"no {kind} named {name!r}{hint}"))
    return problems


def section(config: Config, registry: Registry, name: str) -> BaseModel | None:
    """The validated settings of one component; defaults when its section is absent."""
    if name in config.sections:
        return config.sections[name]
    spec = registry.get_any(name)
    if spec is None or spec.settings is None:
        return None
    config.sections[name] = _validate_section(config, spec, {})
    return config.sections[name]


def _validate_section(config: Config, spec: ComponentSpec, value: Any) -> BaseModel:
    """A component's section; each problem also names the component and its plugin, so the
    reader knows whose documentation to open."""
    try:
        return _validate_model(config, spec.settings, (spec.name,), value)
    except ConfigError as exc:
        owner = f" [{spec.kind} {spec.name!r} from plugin {spec.plugin!r}]"
        raise ConfigError([problem + owner for problem in exc.problems]) from None


def _validate_model(config: Config, model: type[BaseModel], path: KeyPath, value: Any):
    if value is None:
        value = {}
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        problems = []
        is_secret = _secret_test(config)
        for err in exc.errors():
            where = (*path, *err["loc"])
            if is_secret(where):  # never echo a value that came from the environment
                err = {**err, "input": MASK}
            moved = MOVED_KEYS.get(tuple(where))
            problem = f"moved to {moved}" if moved else _describe(err, model)
            problems.append(config.error(where, problem))
        raise ConfigError(problems) from None


def _secret_test(config: Config) -> Callable[[KeyPath], bool]:
    """Whether a path is a value substituted from ${ENV}, lies inside one, or is a mapping or
    list containing one. Sets of paths make each test cost the path's length, not the number
    of secrets, so a config with many secrets and many problems is still checked quickly."""
    secrets = config.secret_paths
    holders = {secret[:end] for secret in secrets for end in range(len(secret))}

    def is_secret(path: KeyPath) -> bool:
        inside = any(path[:end] in secrets for end in range(len(path) + 1))
        return inside or path in holders

    return is_secret


MOVED_KEYS: dict[KeyPath, str] = {
    **{
        ("engine", key): f"messages.<language>.{key} (e.g. messages: {{en: {{{key}: ...}}}})"
        for key in ("fallback", "error_reply", "refusal", "rate_limited", "muted")
    },
    ("telegram", "texts"): "messages.<language> under the ids telegram.non_text, "
    "telegram.edited and telegram.not_allowed (e.g. messages: {en: {telegram.edited: ...}})",
}
"""Keys an older chatcore read, and where their setting lives now: the reply texts moved to
the one message catalogue (``messages:``)."""


def _describe(err: dict[str, Any], model: type[BaseModel]) -> str:
    kind, got = err["type"], err.get("input")
    if kind == "extra_forbidden":
        options = _fields_at(model, err["loc"][:-1])
        return "unknown key" + _suggest(str(err["loc"][-1]), options)
    if kind == "missing":
        return "required key is missing"
    expected = _EXPECTED.get(kind.split("_")[0]) or _EXPECTED.get(kind)
    if expected and not kind.endswith(("less_than", "greater_than", "less_than_equal")):
        return f"expected {expected}, got {_kind(got)} {got!r}"
    return f"{err['msg'][0].lower()}{err['msg'][1:]}, got {got!r}"


_EXPECTED = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "string": "a string",
    "list": "a list",
    "dict": "a mapping",
    "model": "a mapping",
    "path": "a file path",
}


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    current: Any = model
    for part in loc:
        field_info = getattr(current, "model_fields", {}).get(part)
        if field_info is None:
            return []
        current = field_info.annotation
    return list(getattr(current, "model_fields", {}))


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def resolved(config: Config, registry: Registry) -> dict[str, Any]:
    """The effective config, defaults filled in and secrets masked, for printing."""
    out = config.core.model_dump(mode="json")
    for spec in sorted(registry, key=lambda s: s.name):
        if spec.settings is None:
            continue
        try:
            out[spec.name] = section(config, registry, spec.name).model_dump(mode="json")
        except ConfigError:
            out[spec.name] = {"<incomplete>": "required keys are missing; see the docs"}
    for path in config.secret_paths:
        _mask(out, path)
    return out


def _mask(data: Any, path: KeyPath) -> None:
    for part in path[:-1]:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return
    try:
        if data[path[-1]] not in (None, ""):
            data[path[-1]] = MASK
    except (KeyError, IndexError, TypeError):
        return


def dump_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(copy.deepcopy(data), sort_keys=False, allow_unicode=True)
