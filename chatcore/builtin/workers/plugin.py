"""Built-in plugin: several workers on one Redis (``chatcore serve NAME --workers N``,
``chatcore worker``, ``chatcore model publish``). Needs the ``chatcore[workers]`` extra when
used; loading the plugin imports nothing heavy."""

from __future__ import annotations

from chatcore.hookspecs import hookimpl


@hookimpl
def chatcore_register_frontends(register) -> None:
    from chatcore.builtin.workers.service import build_workers_frontend
    from chatcore.builtin.workers.settings import WorkersSettings

    register(
        "workers",
        build_workers_frontend,
        settings=WorkersSettings,
        description="a gateway, a worker or both with N workers, sharing one Redis "
        "(chatcore serve NAME --workers N; chatcore worker)",
    )


@hookimpl
def chatcore_register_cli(cli) -> None:
    from chatcore.builtin.workers.cli import model_group, queue_group, worker_command

    cli.add_command(worker_command)
    cli.add_command(model_group)
    cli.add_command(queue_group)
