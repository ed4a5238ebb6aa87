"""Built-in plugin: ``chatcore plugin new`` scaffolds a plugin package."""

from __future__ import annotations

import click

from chatcore.hookspecs import hookimpl


@hookimpl
def chatcore_register_cli(cli: click.Group) -> None:
    from chatcore.cli import ChatcoreGroup

    @cli.group(cls=ChatcoreGroup)
    def plugin() -> None:
        """Write your own plugin."""

    @plugin.command("new")
    @click.argument("name")
    @click.option(
        "--kind",
        type=click.Choice(["filter", "frontend", "responder", "store"]),
        required=True,
        help="The component the plugin contributes.",
    )
    @click.option(
        "--dir", "directory", type=click.Path(file_okay=False), default=".", show_default=True
    )
    def new(name: str, kind: str, directory: str) -> None:
        """Create a ready-to-install plugin package chatcore-NAME with passing tests."""
        from pathlib import Path

        from chatcore.scaffold import new_plugin

        root = new_plugin(name, kind, Path(directory))
        click.echo(f"created {root}")
        click.echo(f"next: cd {root} && pip install -e . && chatcore plugins && pytest")
