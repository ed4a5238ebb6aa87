"""``chatcore moderate "text"`` and ``chatcore moderate -``: the verdict of the configured
input filters, one JSON object per line, to try out a word list.

A text longer than the engine's ``engine.max_message_chars`` (or ``--max-chars``) is checked
on its first characters only, as the engine checks a message it has cut to that length, and
its JSON says so: the verdict is the one the bot would give, and a huge line from a log costs
no more than a message.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import click

from chatcore.cli import config_option


@click.command()
@click.argument("text", required=False)
@config_option
@click.option("--filter", "-f", "names", multiple=True, help="Filters to run (default: the "
              "config's filters.input, else lexicon + pii).")  # fmt: skip
@click.option("--max-chars", type=click.IntRange(min=1), default=None, metavar="N",
              help="Check at most the first N characters of a text, noted in its JSON "
              "(default: the config's engine.max_message_chars, 4000 unless set).")  # fmt: skip
@click.option("--eval", "split", type=click.Path(file_okay=False, exists=True), default=None,
              help="Score the filters on a labelled split folder (en.jsonl, zh.jsonl: "
              "text, label offensive|pii|clean, category, evasion) instead.")  # fmt: skip
def moderate(
    text: str | None,
    config_path: str | None,
    names: tuple[str, ...],
    max_chars: int | None,
    split: str | None,
) -> None:
    """Show the moderation verdict for TEXT; with '-', for each stdin line (JSON lines);
    with --eval DIR, the filters' recall and false positives on a labelled split.

    Like the engine, a text longer than the cap (--max-chars; default the config's
    engine.max_message_chars, 4000) is checked on its first characters only: its JSON then
    holds that part as "text", with "truncated": true and a "note" giving both lengths.
    """
    from chatcore.cli import load_runtime

    if (text is None) == (split is None):
        raise click.UsageError("give a TEXT (or '-' for stdin) or --eval DIR, not both")
    runtime = load_runtime(config_path)
    chosen = list(names) or runtime.config.core.filters.input or ["lexicon", "pii"]
    filters = [(n, runtime.build("filter", n)) for n in chosen]
    cap = max_chars or runtime.config.core.engine.max_message_chars
    if split is not None:
        asyncio.run(_evaluate(split, filters, cap))
        return
    lines = _stdin() if text == "-" else iter([str(text)])
    asyncio.run(_each(lines, filters, cap))


async def _evaluate(split: str, filters: list, cap: int) -> None:
    """Recall, false positives and PII precision / recall of the filters on a split, over
    all lines and per language: what is kept from the user counts (block, mask)."""
    from chatcore.builtin.moderation.evaluate import by_language, load_split

    try:
        lines = load_split(Path(split))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    found = {}
    for line in lines:
        result = await moderate_capped(line.text, filters, cap)
        kept = [v for v in result["filters"] if v["action"] in ("block", "mask")]
        found[line.text] = [c for v in kept for c in v["categories"] or [v["category"]]]
    names = " + ".join(name for name, _ in filters)
    click.echo(f"{split}: {names}")
    click.echo(f"{'':6} {'lines':>6} {'recall':>8} {'false pos.':>11} {'PII P':>7} {'PII R':>7}")
    for language, score in by_language(lines, lambda t: found[t]).items():
        cells = (score.recall, score.false_positives, score.pii_precision, score.pii_recall)
        shown = ["-" if v is None else f"{100 * v:.1f}%" for v in cells]
        click.echo(
            f"{language:6} {score.lines:>6} {shown[0]:>8} {shown[1]:>11} {shown[2]:>7} "
            f"{shown[3]:>7}"
        )


async def _each(lines, filters: list, cap: int) -> None:
    for line in lines:
        result = await moderate_capped(line, filters, cap)
        click.echo(json.dumps(result, ensure_ascii=False))


async def moderate_capped(text: str, filters: list, cap: int) -> dict:
    """``moderate_text`` of the first ``cap`` characters, with a note when that cut the text:
    the filters' cost grows with the length, and the engine never checks more either."""
    if len(text) <= cap:
        return await moderate_text(text, filters)
    result = await moderate_text(text[:cap], filters)
    note = (
        f"checked the first {cap} of {len(text)} characters, as the engine would "
        "(engine.max_message_chars; --max-chars to change)"
    )
    return {**result, "truncated": True, "note": note}


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


@click.command("train-meaning")
@click.option("--dev", "devs", multiple=True, type=click.Path(file_okay=False, exists=True),
              help="Labelled dev split to choose the thresholds on; repeat for several "
              "(default: a checkout's data/moderation-dev*; never a test split).")  # fmt: skip
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Where to write the model (default: the package's own, replaced).")  # fmt: skip
def train_meaning_command(devs: tuple[str, ...], out: str | None) -> None:
    """Train the meaning filter's classifier on the shipped labelled lines (needs the qa
    extra: Keras) and choose its thresholds on dev splits; prints its manifest. In a source
    checkout it also learns from data/faq/*.csv (clean) and adds the questions of data/dev
    and data/faq/dev to the thresholds' clean lines, whatever --dev names."""
    from chatcore.extras import require

    require("qa", "training the meaning classifier")
    from chatcore.tfquiet import quiet_tensorflow

    quiet_tensorflow()
    from chatcore.builtin.moderation.meaning.train import train_meaning

    data = Path("data")  # a source checkout's: its dev splits, FAQ and ordinary questions
    folders = [Path(dev) for dev in devs] or default_dev_splits(data)
    if not folders:
        raise click.UsageError("data: no moderation dev split here; give one with --dev")
    questions = [d for d in (data / "dev", data / "faq" / "dev") if d.is_dir()]
    clean_files = sorted((data / "faq").glob("*.csv"))
    manifest = train_meaning(folders, Path(out) if out else None, questions, clean_files)
    click.echo(json.dumps(manifest, indent=2))


def default_dev_splits(data: Path) -> list[Path]:
    """The moderation dev splits of a source checkout that hold offensive lines (the PII-only
    ones choose nothing here)."""
    return [
        folder
        for folder in sorted(data.glob("moderation-dev*"))
        if folder.is_dir() and not folder.name.startswith("moderation-dev-pii")
    ]
