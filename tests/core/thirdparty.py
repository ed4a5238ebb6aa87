"""Builds a third-party plugin distribution on disk (dist-info with entry points), so the real
importlib.metadata discovery finds it exactly as it finds a pip-installed package."""

from __future__ import annotations

import textwrap
from pathlib import Path

SHOUT_MODULE = '''
"""A third-party plugin: a responder that shouts and a /shout command."""
import chatcore
from chatcore import Reply, Settings


class ShoutSettings(Settings):
    volume: int = 1


class Shouter:
    def __init__(self, settings):
        self.volume = settings.volume

    async def respond(self, message, context):
        return Reply(message.text.upper() + "!" * self.volume, confidence=1.0)


@chatcore.hookimpl
def chatcore_register_responders(register):
    register("shout", lambda settings, runtime: Shouter(settings), settings=ShoutSettings,
             description="answers in capitals")


async def _shout_command(ctx):
    return ctx.args.upper()


@chatcore.hookimpl
def chatcore_register_commands(register):
    register("shout", _shout_command, description="shout the arguments")
'''


def install_fake_distribution(
    site: Path,
    *,
    name: str = "chatcore-shout",
    module: str = "chatcore_shout",
    source: str = SHOUT_MODULE,
    entry_name: str = "shout",
    version: str = "1.2.3",
) -> Path:
    """Write ``module.py`` and ``<name>-<version>.dist-info`` into ``site``; returns site."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    dist_info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    dist_info.mkdir(exist_ok=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
    )
    (dist_info / "entry_points.txt").write_text(
        f"[chatcore]\n{entry_name} = {module}\n", encoding="utf-8"
    )
    return site
