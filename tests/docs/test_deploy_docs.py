"""The deployment files cannot rot: docs/deploy.md, compose.yaml, the Dockerfile, the systemd
units and configs/workers.yaml name real commands, options, settings and metrics.

Nothing here builds an image or starts a process (no Docker daemon, no network, no Redis):
commands are parsed by chatcore's own CLI as click would before running them, the config is
loaded and validated by the runtime, metric names come from a fresh registry."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from chatcore.builtin.workers.metrics import Metrics
from chatcore.builtin.workers.settings import OpsSettings, WorkersSettings
from chatcore.cli import build_cli
from chatcore.errors import ConfigError
from chatcore.runtime import Runtime

ROOT = Path(__file__).parents[2]
DOC = ROOT / "docs" / "deploy.md"
README = ROOT / "README.md"
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
WORKERS_YAML = ROOT / "configs" / "workers.yaml"
UNITS = sorted((ROOT / "deploy").glob("*.service"))
ENVIRON = {"CHATCORE_TELEGRAM_TOKEN": "123:abc", "CHATCORE_TELEGRAM_WEBHOOK_SECRET": "s"}
SECRETS = tuple(ENVIRON)
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.M | re.S)
INLINE_COMMAND = re.compile(r"`(chatcore [^`]+)`")
EXPOSITION_SUFFIXES = ("_total", "_created", "_bucket", "_sum", "_count")
CLI = build_cli()


def section(text: str, title: str) -> str:
    """The text under a heading ending in ``title``, up to the next heading of any level."""
    start = re.search(rf"^#+ {re.escape(title)}\n", text, re.M)
    assert start, f"no heading {title!r}"
    end = re.search(r"^#+ ", text[start.end() :], re.M)
    return text[start.end() : start.end() + end.start() if end else None]


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the markdown tables in ``text``, cells stripped."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.match(r"^\|[-| ]+\|$", line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


# ---------------------------------------------------------------------------- commands


def parse(args: list[str]) -> click.Context:
    """``chatcore ARGS`` resolved to its command, options parsed and converted as click does
    before running it: an unknown command or option, a bad value or a missing argument fails."""
    command, words, path = CLI, list(args), ["chatcore"]
    while isinstance(command, click.Group):
        if command.invoke_without_command and (not words or words[0].startswith("-")):
            break  # a group that runs itself (`chatcore history`)
        assert words, f"`{' '.join(path)}` needs a subcommand"
        name = words.pop(0)
        found = command.get_command(click.Context(command), name)
        assert found is not None, f"`{' '.join(path)}` has no command {name!r}"
        command, path = found, [*path, name]
    try:
        return command.make_context(" ".join(path), words)
    except click.ClickException as exc:
        raise AssertionError(f"chatcore {shlex.join(args)}: {exc.format_message()}") from None


def shell_commands(body: str) -> list[list[str]]:
    """The chatcore argument lists of a sh block: ``chatcore ...`` lines and the commands
    ``docker compose run --rm SERVICE ...`` hands the image's entry point."""
    found = []
    for line in body.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["chatcore"]:
            found.append(words[1:])
        elif words[:4] == ["docker", "compose", "run", "--rm"] and len(words) > 5:
            found.append(words[5:])
    return found


def documented_commands() -> list[tuple[str, list[str]]]:
    """(where, args) of every chatcore command docs/deploy.md shows, inline or in sh blocks,
    and of the README's scale-out paragraph."""
    text = DOC.read_text(encoding="utf-8")
    found = [("docs/deploy.md", shlex.split(m)[1:]) for m in INLINE_COMMAND.findall(text)]
    for lang, body in BLOCK.findall(text):
        if lang == "sh":
            found += [("docs/deploy.md sh", args) for args in shell_commands(body)]
    readme = README.read_text(encoding="utf-8")
    paragraph = next(p for p in readme.split("\n\n") if p.startswith("Scale out:"))
    found += [("README.md", shlex.split(m)[1:]) for m in INLINE_COMMAND.findall(paragraph)]
    return list({shlex.join(args): (where, args) for where, args in reversed(found)}.values())


DOCUMENTED = documented_commands()


@pytest.mark.parametrize("where,args", DOCUMENTED, ids=[shlex.join(a) for _, a in DOCUMENTED])
def test_every_documented_command_is_a_real_command(where, args):
    parse(args)


def test_the_doc_shows_the_commands_of_each_shape():
    """The extraction finds them (an empty list would make the test above vacuous)."""
    shown = {shlex.join(args) for _, args in DOCUMENTED}
    for expected in (
        "serve telegram",
        "serve telegram --workers 4 -c configs/workers.yaml",
        "serve telegram --role gateway -c configs/workers.yaml",
        "worker -c configs/workers.yaml",
        "model publish -c configs/workers.yaml",
        "model status -c configs/workers.yaml",
        "queue status -c configs/workers.yaml",
        "model publish -c /config/workers.yaml",  # docker compose run --rm train ...
    ):
        assert expected in shown, sorted(shown)


def test_a_wrong_option_fails_the_parse():
    """The check has teeth: a misspelt option or a value out of range is caught."""
    with pytest.raises(AssertionError, match="--worker"):
        parse(["serve", "telegram", "--worker", "4"])
    with pytest.raises(AssertionError, match="--ops-port"):
        parse(["worker", "--ops-port", "70000"])
    with pytest.raises(AssertionError, match="no command 'wrker'"):
        parse(["wrker"])


# ---------------------------------------------------------------------------- configs/workers.yaml


def load_workers_config(environ: dict[str, str] = ENVIRON) -> Runtime:
    return Runtime.load(WORKERS_YAML, environ=dict(environ))


def test_workers_config_validates_with_the_two_secrets():
    runtime = load_workers_config()
    assert runtime.config.core.store == "redis"
    assert runtime.config.core.responders == ["qa"]
    assert runtime.settings_for("redis").url == "redis://127.0.0.1:6379/0"
    telegram = runtime.settings_for("telegram")
    assert telegram.mode == "webhook"
    assert telegram.webhook.secret_token.get_secret_value() == "s"
    assert telegram.webhook.listen == "127.0.0.1"
    ops = runtime.settings_for("workers").ops
    assert (ops.host, ops.port, ops.metrics) == ("127.0.0.1", 9300, True)


def test_workers_config_takes_redis_and_addresses_from_the_environment():
    given = {
        **ENVIRON,
        "REDIS_URL": "redis://:pw@10.0.0.5:6379/2",
        "CHATCORE_TELEGRAM_WEBHOOK_LISTEN": "0.0.0.0",
        "CHATCORE_TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram",
        "CHATCORE_OPS_HOST": "0.0.0.0",
    }
    runtime = load_workers_config(given)
    assert runtime.settings_for("redis").url == given["REDIS_URL"]
    webhook = runtime.settings_for("telegram").webhook
    assert (webhook.listen, webhook.url) == ("0.0.0.0", given["CHATCORE_TELEGRAM_WEBHOOK_URL"])
    assert runtime.settings_for("workers").ops.host == "0.0.0.0"


@pytest.mark.parametrize("missing", SECRETS)
def test_workers_config_names_a_missing_secret(missing):
    environ = {k: v for k, v in ENVIRON.items() if k != missing}
    with pytest.raises(ConfigError, match=missing):
        load_workers_config(environ)


@pytest.mark.parametrize(
    "options",
    [
        {"role": "all", "channel": "telegram", "workers": 4},
        {"role": "gateway", "channel": "telegram", "workers": None},
        {"role": "worker", "channel": None, "workers": None},
    ],
    ids=lambda o: o["role"],
)
def test_the_workers_frontend_accepts_the_config_in_every_role(options):
    """What --workers and --role check before starting (store: redis, a queued channel)."""
    runtime = load_workers_config()
    runtime.cli_options.update(options, ops_port=None)
    frontend = runtime.build_frontend("workers")
    assert frontend.role == options["role"] and frontend.ops_port == 9300


# ---------------------------------------------------------------------------- metrics


def code_metrics() -> dict[str, tuple[str, tuple[str, ...]]]:
    """name -> (type, label names) of every metric a process registers."""
    from prometheus_client.metrics import MetricWrapperBase

    metrics = Metrics("worker", "test-host-1-abcdef")
    return {
        m._name: (m._type, tuple(m._labelnames))
        for m in vars(metrics).values()
        if isinstance(m, MetricWrapperBase)
    }


def documented_metrics() -> dict[str, tuple[str, tuple[str, ...]]]:
    rows = table_rows(section(DOC.read_text(encoding="utf-8"), "Metrics"))
    found = {}
    for name, kind, labels, meaning in rows[1:]:
        assert meaning, name
        found[name.strip("`")] = (kind, tuple(re.findall(r"`(\w+)`", labels)))
    return found


def test_every_metric_is_documented_with_its_type_and_labels_and_none_other():
    assert documented_metrics() == code_metrics()


def test_every_metric_name_in_the_doc_exists():
    """Prose too: ``chatcore_model_swaps{outcome="refused"}``, ``..._total`` and the like."""
    known = code_metrics()
    for name in set(re.findall(r"\bchatcore_[a-z_]+", DOC.read_text(encoding="utf-8"))):
        base = name
        for suffix in EXPOSITION_SUFFIXES:
            if base not in known and base.endswith(suffix):
                base = base[: -len(suffix)]
        assert base in known, f"docs/deploy.md names {name}, which no process exports"


# ---------------------------------------------------------------------------- settings


def shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def test_the_workers_section_table_matches_the_settings():
    rows = table_rows(section(DOC.read_text(encoding="utf-8"), "The `workers:` section"))
    documented = {key.strip("`"): default.strip("`") for key, default, _ in rows[1:]}
    defaults = {k: shown(v) for k, v in WorkersSettings().model_dump().items() if k != "ops"}
    defaults |= {f"ops.{k}": shown(v) for k, v in OpsSettings().model_dump().items()}
    assert documented == defaults


# ---------------------------------------------------------------------------- compose.yaml


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def chatcore_services() -> dict[str, dict[str, Any]]:
    return {k: v for k, v in compose()["services"].items() if v.get("build") == "."}


def seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)s", duration)
    assert match, duration
    return float(match.group(1))


def test_compose_runs_redis_a_gateway_and_two_workers():
    services = compose()["services"]
    assert {"redis", "gateway", "worker"} <= set(services)
    assert services["worker"]["deploy"]["replicas"] == 2
    redis = " ".join(services["redis"]["command"])
    assert services["redis"]["image"] == "redis:7"
    assert "--appendonly yes" in redis and "--appendfsync always" in redis
    assert any(v.endswith(":/data") for v in services["redis"]["volumes"])


@pytest.mark.parametrize("name", sorted(chatcore_services()))
def test_compose_commands_are_real_and_their_config_exists(name):
    service = chatcore_services()[name]
    args = service["command"]
    parse(args)
    assert "./configs:/config:ro" in service["volumes"]
    config = args[args.index("-c") + 1]
    assert config.startswith("/config/") and (ROOT / "configs" / config[8:]).is_file()


@pytest.mark.parametrize("name", sorted(chatcore_services()))
def test_compose_passes_secrets_from_the_host_never_literally(name):
    environment = chatcore_services()[name]["environment"]
    assert isinstance(environment, list)
    for secret in SECRETS:
        assert secret in environment, f"{name} lacks {secret}"
    for entry in environment:
        variable, _, value = entry.partition("=")
        if any(word in variable for word in ("TOKEN", "SECRET", "PASSWORD")):
            assert not value, f"{name}: {variable} has a literal value"
        if "://" in value and "@" in value:  # a URL with credentials: only from the host
            assert value.startswith("${"), f"{name}: {variable} has literal credentials"


@pytest.mark.parametrize("name", ["gateway", "worker"])
def test_compose_checks_readiness_and_lets_workers_drain(name):
    service = compose()["services"][name]
    ops_port = load_workers_config().settings_for("workers").ops.port
    assert f"http://127.0.0.1:{ops_port}/readyz" in " ".join(service["healthcheck"]["test"])
    drain = load_workers_config().settings_for("workers").drain_seconds
    assert seconds(service["stop_grace_period"]) > drain


def test_compose_publishes_the_webhook_port_of_the_config():
    port = load_workers_config().settings_for("telegram").webhook.port
    assert any(p.endswith(f":{port}:{port}") for p in compose()["services"]["gateway"]["ports"])


# ---------------------------------------------------------------------------- Dockerfile, units


def test_the_image_is_slim_non_root_and_checks_readyz_without_curl():
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)
    assert "pip install '.[all]'" in text and "dev]" not in text
    user = re.findall(r"^USER (\S+)$", text, re.M)
    assert user and user[-1] not in ("root", "0")
    assert "CHATCORE_HOME=/data" in text and "TF_CPP_MIN_LOG_LEVEL=2" in text
    assert re.search(r'^ENTRYPOINT \["chatcore"\]$', text, re.M)
    healthcheck = text[text.index("HEALTHCHECK") :].split("\n\n")[0]
    assert "urllib.request" in healthcheck and "curl" not in healthcheck
    ops_port = load_workers_config().settings_for("workers").ops.port
    assert f"'{ops_port}'" in healthcheck and "/readyz" in healthcheck
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".git", "models"} <= set(ignored)


def unit(path: Path) -> dict[str, str]:
    """key -> value of a unit file (the last one wins, as systemd's do for these keys)."""
    lines = path.read_text(encoding="utf-8").replace("\\\n", " ").splitlines()
    pairs = (line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def test_there_is_a_gateway_unit_and_a_templated_worker_unit():
    names = {path.name for path in UNITS}
    assert names == {"chatcore-gateway.service", "chatcore-worker@.service"}


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_units_run_real_commands_and_stop_after_the_drain(path):
    keys = unit(path)
    words = shlex.split(keys["ExecStart"].replace("%i", "01"))
    assert words[0].endswith("/chatcore"), words
    parse(words[1:])
    assert keys["Restart"] == "always" and keys["KillSignal"] == "SIGTERM"
    drain = load_workers_config().settings_for("workers").drain_seconds
    assert float(keys["TimeoutStopSec"]) > drain
    assert keys["EnvironmentFile"].startswith("/etc/")
    assert not any(secret in keys.get("Environment", "") for secret in SECRETS)


def test_the_worker_template_gives_each_instance_its_own_ops_port():
    keys = unit(ROOT / "deploy" / "chatcore-worker@.service")
    ports = set()
    for instance in ("01", "02", "03"):
        context = parse(shlex.split(keys["ExecStart"].replace("%i", instance))[1:])
        ports.add(context.params["ops_port"])
    gateway_unit = unit(ROOT / "deploy" / "chatcore-gateway.service")
    gateway = parse(shlex.split(gateway_unit["ExecStart"])[1:])
    assert ports == {9301, 9302, 9303} and gateway.params["ops_port"] == 9300
