"""The ``chatcore`` command line. Heavy libraries are imported inside commands only, so
``chatcore --help`` stays instant; plugins add commands through ``chatcore_register_cli``."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

import click

from chatcore.errors import (
    FILE_SYSTEM_EXIT,
    INTERRUPTED_EXIT,
    ChatcoreError,
    file_system_problem,
)
from chatcore.terminal_text import json_text, printable
from chatcore.tfquiet import quiet_tensorflow


def config_option_for(
    purpose: str = "YAML config (default: $CHATCORE_CONFIG, ./chatcore.yaml, else built-in "
    "defaults).",
):
    """The ``--config/-c`` option every command shares; ``purpose`` is its help text."""
    return click.option(
        "--config", "-c", "config_path", type=click.Path(dir_okay=False), default=None, help=purpose
    )


config_option = config_option_for()
ops_port_option = click.option(
    "--ops-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port of /healthz, /readyz, /metrics (default: workers.ops.port).",
)
"""The ``--ops-port`` option of the processes of a deployment with workers."""


class ChatcoreGroup(click.Group):
    """Turns ChatcoreError into one readable line and its exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ChatcoreError as exc:
            click.echo(f"chatcore: error: {printable(str(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except OSError as exc:  # the data folder, a config or model file: one line, not a trace
            click.echo(f"chatcore: error: {printable(file_system_problem(exc))}", err=True)
            ctx.exit(FILE_SYSTEM_EXIT)


def load_runtime(config_path: str | None):
    """The runtime for a command: config resolved, plugins loaded, everything validated."""
    from chatcore.config import resolve_config_path
    from chatcore.runtime import Runtime

    runtime = Runtime.load(resolve_config_path(config_path))
    setup_logging(runtime.config.core.logging.level)
    return runtime


def setup_logging(level: str) -> None:
    """The configured level; personal data masked in every record (chatcore.logmask)."""
    from chatcore import logmask

    logging.basicConfig(
        level=getattr(logging, level), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logmask.install(getattr(logging, level))


@click.group(cls=ChatcoreGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chatcore")
def cli() -> None:
    """chatcore: a chatbot on a trained LSTM QA model, with moderation, conversations and
    plugin frontends (terminal REPL, Telegram)."""


@cli.command()
@config_option
@click.option("--verbose", "-v", is_flag=True, help="Show confidence and fallback markers.")
def chat(config_path: str | None, verbose: bool) -> None:
    """Chat with the bot in the terminal (the config's frontend, default: repl)."""
    try:
        runtime = load_runtime(config_path)
        runtime.cli_options["verbose"] = verbose
        asyncio.run(run_frontend(runtime, runtime.config.core.frontend))
    except KeyboardInterrupt:  # SIGINT before the frontend took over its signals
        sys.exit(INTERRUPTED_EXIT)


@cli.command()
@click.argument("frontend", required=False)
@config_option
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=None,
    help="Run a gateway and this many worker processes on one Redis (needs store: redis).",
)
@click.option(
    "--role",
    type=click.Choice(["single", "gateway", "worker"]),
    default="single",
    show_default=True,
    help="single: one process does everything; gateway: only receive and queue (workers "
    "answer, `chatcore worker`); worker: answer queued messages.",
)
@ops_port_option
def serve(
    frontend: str | None,
    config_path: str | None,
    workers: int | None,
    role: str,
    ops_port: int | None,
) -> None:
    """Serve the bot through a frontend (e.g. telegram) until interrupted; with --workers or
    --role, as parts of a deployment of several processes (docs/deploy.md)."""
    if workers is not None and role in ("gateway", "worker"):
        raise click.UsageError(
            "--workers runs a gateway and N workers itself; use --role without it"
        )
    runtime = load_runtime(config_path)
    name = frontend or runtime.config.core.frontend
    if workers is None and role == "single":
        asyncio.run(run_frontend(runtime, name))
        return
    scaled = {"role": "all" if workers else role, "channel": name, "workers": workers}
    runtime.cli_options.update(scaled, ops_port=ops_port)
    asyncio.run(run_frontend(runtime, scaled_frontend(runtime)))


def scaled_frontend(runtime) -> str:
    """The frontend that runs gateways and workers (the built-in ``workers`` plugin)."""
    if runtime.registry.get("frontend", "workers") is None:
        raise ChatcoreError(
            "--workers and --role need the 'workers' plugin (it is disabled or missing)"
        )
    return "workers"


async def run_frontend(runtime, name: str) -> None:
    """Serve until the frontend returns or SIGINT/SIGTERM arrives; either way the engine
    stops cleanly (shutdown hooks run, the store is closed)."""
    from chatcore.contracts import EnginelessFrontend, PendingEngineFrontend

    frontend = runtime.build_frontend(name)
    if isinstance(frontend, PendingEngineFrontend) and frontend.accepts_pending_engine:
        await _run_before_engine(runtime, frontend)
        return
    if isinstance(frontend, EnginelessFrontend) and not frontend.needs_engine:
        serving = asyncio.ensure_future(frontend.run(None))  # type: ignore[arg-type]
    else:
        serving = asyncio.ensure_future(_serve(runtime, frontend))
    with _cancel_on_signals(serving) as stopped:  # a cancelled start closes the engine
        await _unless_cancelled(serving)
    _exit_if_interrupted(stopped)


async def _unless_cancelled(task: asyncio.Future) -> None:
    """Await ``task``; its own cancellation (by a signal) is a normal end, any other is not."""
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if not task.cancelled() or (current is not None and current.cancelling()):
            raise  # not ours, or asyncio.run's own SIGINT handler cancelled us: it must see it


async def _serve(runtime, frontend) -> None:
    engine = runtime.build_engine()
    async with engine:
        await engine.ready()  # a model that cannot load stops here, before anyone is served
        await frontend.run(engine)


async def _run_before_engine(runtime, frontend) -> None:
    """For frontends that can show themselves at once (the REPL's prompt): they get a future
    of the started engine, built in a thread meanwhile; it is stopped when they end."""
    from chatcore.contracts import Interruptible

    pending = asyncio.ensure_future(_started_engine(runtime))
    serving = asyncio.ensure_future(frontend.run(pending))
    try:  # the frontend may take Ctrl-C itself (the REPL drops the reply being awaited)
        interrupt = frontend.interrupt if isinstance(frontend, Interruptible) else None
        with _cancel_on_signals(serving, interrupt) as stopped:
            await _unless_cancelled(serving)
    finally:
        await _finish_engine(pending, serving)
    _exit_if_interrupted(stopped)


async def _finish_engine(pending: asyncio.Future, serving: asyncio.Future) -> None:
    """Stop the engine once built; raise its build error unless the frontend already did."""
    if not pending.done():
        await asyncio.wait([pending])
    if pending.cancelled():
        return
    error = pending.exception()
    if error is None:
        await pending.result().stop()
    elif not serving.done() or serving.cancelled() or serving.exception() is not error:
        raise error


async def _started_engine(runtime):
    engine = await asyncio.to_thread(runtime.build_engine)
    await engine.start()
    try:
        await engine.ready()
    except BaseException:
        await engine.stop()
        raise
    return engine


class StopSignal:
    """Which signal ended a frontend, if one did (SIGINT's exit code differs)."""

    signal: int | None = None


@contextlib.contextmanager
def _cancel_on_signals(task: asyncio.Future, on_sigint=None):
    """SIGTERM cancels ``task``; so does SIGINT, unless ``on_sigint`` handles it (returning
    whether that stops the frontend). Yields a ``StopSignal`` saying which one stopped it.

    SIGINT that was ignored when the process started stays ignored: a shell starts its
    background jobs so (``chatcore serve &`` in a script), and Ctrl-C meant for the script
    must not stop them. Python and asyncio leave such a SIGINT ignored too, so the command
    ignores it from start to end instead of only until its event loop runs."""
    loop = asyncio.get_running_loop()
    stopped = StopSignal()

    def handler(sig: int) -> None:
        if sig == signal.SIGINT and on_sigint is not None:
            if on_sigint() is False:
                return
        else:
            task.cancel()
        stopped.signal = sig

    signals = [signal.SIGTERM]
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signals.append(signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, handler, sig)
    try:
        yield stopped
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def _exit_if_interrupted(stopped: StopSignal) -> None:
    if stopped.signal == signal.SIGINT:
        raise SystemExit(INTERRUPTED_EXIT)


@cli.command()
@click.argument("question")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the reply as a JSON object.")
@click.option("--chat", "chat_id", default=None, help="Keep context in this chat (stored).")
def ask(question: str, config_path: str | None, as_json: bool, chat_id: str | None) -> None:
    """Answer one QUESTION; with '-', answer each stdin line with one JSON object per line."""
    runtime = load_runtime(config_path)
    asyncio.run(_ask(runtime, question, as_json, chat_id))


async def _ask(runtime, question: str, as_json: bool, chat_id: str | None) -> None:
    from chatcore.types import Message

    engine = runtime.build_engine(store=None if chat_id else "memory")
    user = os.environ.get("USER", "local")
    async with engine:
        await engine.ready()
        questions = _stdin_lines() if question == "-" else iter([question])
        for text in questions:
            # the local operator scripting questions: not subject to the per-user flood limit
            message = Message("ask", chat_id or user, user, text, is_admin=True)
            reply = await engine.handle(message)
            click.echo(_shown_reply(reply, as_json or question == "-"))


def _shown_reply(reply, as_json: bool) -> str:
    """The reply as ``ask`` prints it: JSON with control characters escaped, or the text with
    them made visible (answers come from training data, which may hold escape sequences)."""
    return json_text(reply.to_dict()) if as_json else printable(reply.text)


def _stdin_lines():
    for line in sys.stdin:
        line = line.rstrip("\r\n")
        if line.strip():
            yield line


@cli.command(name="plugins")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def plugins_command(config_path: str | None, as_json: bool) -> None:
    """List loaded plugins, where they come from, their hooks and components."""
    from dataclasses import asdict

    from chatcore.plugins import describe_plugins

    runtime = load_runtime(config_path)
    infos = describe_plugins(runtime.plugin_manager, runtime.registry)
    if as_json:
        click.echo(json.dumps([asdict(i) for i in infos], indent=2))
        return
    for info in infos:
        click.echo(_plugin_lines(info))
    disabled = sorted(runtime.plugin_manager.disabled)
    if disabled:
        click.echo(printable(f"disabled: {', '.join(disabled)}"))


def _plugin_lines(info) -> str:
    """One plugin's entry; names, versions and component names are the plugin's own strings
    (an installed distribution's metadata), so control characters in them are made visible."""
    origin = "built-in" if info.builtin else (info.distribution or info.module)
    version = f" {info.version}" if info.version else ""
    return printable(
        f"{info.name} ({origin}{version}) [{info.module}]\n"
        f"  hooks: {', '.join(info.hooks) or '-'}\n"
        f"  components: {', '.join(info.components) or '-'}"
    )


@cli.group(cls=ChatcoreGroup)
def config() -> None:
    """Check a config file or show the effective settings."""


@config.command("check")
@click.argument("path", type=click.Path(dir_okay=False))
def config_check(path: str) -> None:
    """Validate PATH and print it resolved, defaults filled in, secrets masked."""
    from chatcore.config import dump_yaml

    runtime = load_runtime(path)
    click.echo(dump_yaml(runtime.resolved_config()), nl=False)
    click.echo(f"# {path}: OK", err=True)


@config.command("show")
@config_option
def config_show(config_path: str | None) -> None:
    """Print the effective settings (built-in defaults unless a config is given)."""
    from chatcore.config import dump_yaml

    runtime = load_runtime(config_path)
    click.echo(dump_yaml(runtime.resolved_config()), nl=False)


def build_cli(argv: Sequence[str] = ()) -> click.Group:
    """The CLI with the commands of the plugins the command's config loads: the same plugins
    as its runtime (``runtime.load_plugins``), so a plugin from ``plugins.modules`` adds its
    commands and a disabled one adds none."""
    from chatcore.config import load_config
    from chatcore.runtime import load_plugins

    try:
        pm = load_plugins(_config_for_commands(argv))
    except ChatcoreError:  # the command reads the config again and reports it
        pm = load_plugins(load_config(None))
    group = copy.copy(cli)  # the core's commands, plus this config's plugins' own
    group.commands = dict(cli.commands)
    pm.hook.chatcore_register_cli(cli=group)
    return group


def _config_for_commands(argv: Sequence[str]):
    """The config the command line names (``--config``/``-c``, else the default places),
    read before click parses it. A config that cannot be read here, or whose plugins cannot
    load, gives the defaults: the command itself reads it again and reports what is wrong
    (so ``chatcore --help`` and ``config check`` work on a broken config)."""
    from chatcore.config import load_config, resolve_config_path

    try:
        return load_config(resolve_config_path(_config_argument(argv)))
    except ChatcoreError:
        return load_config(None)


def _config_argument(argv: Sequence[str]) -> str | None:
    """The value of the last ``--config``/``-c`` option in ``argv`` (click's last-one-wins)."""
    found = None
    for index, arg in enumerate(argv):
        if arg in ("--config", "-c") and index + 1 < len(argv):
            found = argv[index + 1]
        elif arg.startswith("--config="):
            found = arg.split("=", 1)[1]
        elif arg.startswith("-c") and len(arg) > 2 and not arg.startswith("--"):
            found = arg[2:]
    return found


def _on_sigterm(args: list[str]):
    """SIGTERM before a command's event loop takes it over (the engine's own handler does
    from then on): ``chat`` stops in order (exit 0, as it does later); any other command ends
    with 143, the shell's code for it, so a killed ``train`` never looks successful."""
    code = 0 if args[:1] == ["chat"] else 128 + signal.SIGTERM

    def terminated(signum: int, frame: Any) -> None:
        raise SystemExit(code)

    return terminated


def main(argv: list[str] | None = None) -> None:
    quiet_tensorflow()  # before any plugin imports TensorFlow
    args = sys.argv[1:] if argv is None else argv
    signal.signal(signal.SIGTERM, _on_sigterm(args))
    try:
        command = build_cli(args)
    except KeyboardInterrupt:
        sys.exit(INTERRUPTED_EXIT)
    except ChatcoreError as exc:
        click.echo(f"chatcore: error: {printable(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    command.main(args=argv, prog_name="chatcore")
