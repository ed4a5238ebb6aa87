"""``chatcore moderate "text"`` and ``chatcore moderate -``: the verdict of the configured
input filters, one JSON object per line, to try out a word list."""

from __future__ import annotations

import asyncio
import json
import sys

import click

from chatcore.cli import config_option


@click.command()
@click.argument("text")
@config_option
@click.option("--filter", "-f", "names", multiple=True, help="Filters to run (default: the "
              "config's filters.input, else lexicon + pii).")  # fmt: skip
def moderate(text: str, config_path: str | None, names: tuple[str, ...]) -> None:
    """Show the moderation verdict for TEXT; with '-', for each stdin line (JSON lines)."""
    from chatcore.cli import load_runtime

    runtime = load_runtime(config_path)
    chosen = list(names) or runtime.config.core.filters.input or ["lexicon", "pii"]
    filters = [(n, runtime.build("filter", n)) for n in chosen]
    lines = _stdin() if text == "-" else iter([text])
    asyncio.run(_each(lines, filters))


async def _each(lines, filters: list) -> None:
    for line in lines:
        result = await moderate_text(line, filters)
        click.echo(json.dumps(result, ensure_ascii=False))


async def moderate_text(text: str, filters: list) -> dict:
    """Run filters in order like the engine does (a mask feeds the next filter)."""
    from chatcore.types import Action

    verdicts = await _run(text, filters)
    current = text
    for v in verdicts:
        if v.action in (Action.MASK, Action.BLOCK) and v.masked is not None:
            current = v.masked
    order = [Action.ALLOW, Action.FLAG, Action.MASK, Action.BLOCK]
    action = max((v.action for v in verdicts), key=order.index, default=Action.ALLOW)
    categories = list(dict.fromkeys(c for v in verdicts for c in (v.categories or [v.category])))
    return {
        "text": text,
        "action": action.value,
        "categories": [c for c in categories if c],
        "masked": current,
        "filters": [{**v.to_dict(), "categories": list(v.categories)} for v in verdicts],
    }


async def _run(text: str, filters: list) -> list:
    from chatcore.types import Action

    verdicts = []
    for _name, component in filters:
        verdict = await component.check(text, None)
        if verdict.action is not Action.ALLOW:
            verdicts.append(verdict)
            if verdict.masked is not None and verdict.action is Action.MASK:
                text = verdict.masked
    return verdicts


def _stdin():
    for line in sys.stdin:
        line = line.rstrip("\r\n")
        if line.strip():
            yield line
