"""``chatcore train``, ``chatcore eval`` and ``chatcore data check``.

Only click is imported here; TensorFlow, numpy and the data code load inside the commands.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from chatcore.cli import config_option_for, load_runtime
from chatcore.extras import require

config_option = config_option_for(
    "YAML config (its qa section and data_dir decide the model directory)."
)
data_option = click.option(
    "--data",
    "data_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Training pairs (.yml chatterbot, .csv/.tsv question,answer, .jsonl); repeatable. "
    "Default: the English and Chinese chatterbot-corpus files.",
)


model_option = click.option(
    "--model",
    "model",
    type=click.Path(file_okay=False),
    default=None,
    help="Model directory (default: the configured one).",
)
"""``--model``: the model directory a command reads (eval, model publish)."""


def command_runtime(config_path: str | None) -> Callable[[], Any]:
    """The command's runtime, loaded on first call and once: a command that needs both the
    model directory and the mode reads the config and loads the plugins one time."""
    return functools.cache(functools.partial(load_runtime, config_path))


def model_dir_for(runtime: Callable[[], Any], out: str | None) -> Path:
    """--out, else the config's qa.model_dir, else <data dir>/models/default."""
    if out:
        return Path(out).expanduser()
    from chatcore.builtin.qa.serve.responder import default_model_dir

    settings = runtime().settings_for("qa")
    if settings is not None and settings.model_dir is not None:
        return settings.model_dir.expanduser()
    return default_model_dir(runtime())


def configured_mode(runtime: Callable[[], Any]) -> str:
    """The config's qa.mode: the generation head is trained only when it will be used."""
    settings = runtime().settings_for("qa")
    return settings.mode if settings is not None else "select"


def load_training_pairs(data_files: tuple[str, ...], echo=click.echo):
    """Pairs after hygiene; says what was dropped."""
    from chatcore.builtin.qa.data import hygiene, sources

    paths = [Path(p) for p in data_files] or sources.default_data_files()
    report = hygiene.check(sources.load_files(paths))
    echo(report.dropped_summary())
    return report.kept


@click.command("train")
@data_option
@click.option("--out", type=click.Path(file_okay=False), help="Model directory to write.")
@click.option("--epochs", type=click.IntRange(min=1), default=None, help="Maximum epochs.")
@click.option("--seed", type=int, default=None, help="Random seed (same seed, same model).")
@click.option(
    "--networks",
    type=click.IntRange(1, 8),
    default=None,
    help="Networks trained apart and averaged (default 1: with the pretrained sentence "
    "encoder, more networks cost time and gave nothing on data/dev).",
)
@click.option(
    "--if-missing",
    is_flag=True,
    help="Do nothing when the model already exists (a model of an older format is retrained).",
)
@click.option(
    "--generator/--no-generator",
    default=None,
    help="Also train the generation head (default: only when the config's qa.mode is "
    "generate or hybrid; it adds about two minutes).",
)
@config_option
def train_command(
    data_files, out, epochs, seed, networks, if_missing, generator, config_path
) -> None:
    """Train the QA model and write its model directory (atomically)."""
    require("qa", "chatcore train")
    from chatcore.builtin.qa.model import modeldir

    runtime = command_runtime(config_path)
    target = model_dir_for(runtime, out)
    if if_missing and modeldir.exists(target):
        version = modeldir.format_version(target)
        if not (isinstance(version, int) and version < modeldir.FORMAT_VERSION):
            click.echo(f"model already trained: {target}")  # a newer or broken one: load says
            return
        click.echo(f"model in {target} has format {version}; training the current format")
    pairs = _with_teaching(load_training_pairs(data_files), runtime)
    from chatcore.builtin.qa.train.training import TrainSettings, train

    options = (("epochs", epochs), ("seed", seed), ("ensemble", networks))
    overrides = {k: v for k, v in options if v is not None}
    settings = TrainSettings(**overrides)
    if generator is None:
        generator = configured_mode(runtime) != "select"
    settings.decoder.enabled = generator
    click.echo(
        f"training {settings.ensemble} network(s) on {len(pairs)} pairs (seed {settings.seed}, "
        f"up to {settings.epochs} epochs, early stopping on validation accuracy)"
    )
    verbose = 1 if sys.stdout.isatty() else 2
    trained = train(pairs, settings, verbose=verbose, announce=click.echo)
    modeldir.save(trained, target)
    _write_curve(target, trained.history)
    from chatcore.builtin.qa.serve.predictor import Predictor

    Predictor.load(target)  # checks and caches the NumPy pass: serving then skips TensorFlow
    metrics = ", ".join(f"{k}={v}" for k, v in trained.metrics.items())
    click.echo(
        f"saved model to {target}\nthreshold={trained.threshold:.3f} "
        f"temperature={trained.temperature:.2f} {metrics}"
    )


def _with_teaching(pairs: list, runtime: Callable[[], Any]) -> list:
    """The pairs with what operators taught folded in (chatcore teach / answers), so the new
    model knows it and the taught answers need not stand beside it for ever."""
    from chatcore.builtin.qa.serve.responder import QASettings
    from chatcore.builtin.qa.teach.fold import fold_into
    from chatcore.builtin.qa.teach.log import Knowledge
    from chatcore.builtin.qa.teach.where import open_log

    settings = runtime().settings_for("qa") or QASettings()
    if not settings.taught.enabled:
        return pairs
    taught_log = open_log(settings, runtime())
    try:
        knowledge = Knowledge.fold(taught_log.since(0))
    finally:
        taught_log.close()
    if not knowledge.items:
        return pairs
    folded, counts = fold_into(pairs, knowledge)
    click.echo(
        f"teaching folded in: {counts['taught']} taught questions, {counts['edited']} pairs "
        f"with edited answers, {counts['deleted']} pairs of deleted answers dropped"
    )
    return folded


def _write_curve(target: Path, history: dict) -> None:
    from chatcore.builtin.qa.eval.report import plot_history

    plot_history(history, target / "training_curve.png")


@click.command("eval")
@click.option(
    "--data",
    "data_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Dev set(s): paraphrases/out_of_domain YAML, or question/answer pairs.",
)
@model_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--ablation",
    is_flag=True,
    help="Also train and score variants without each part (takes a while).",
)
@config_option
def eval_command(data_files, model, as_json, ablation, config_path) -> None:
    """Score the model on a dev set: accuracy, fallback precision/recall, latency, TF-IDF
    baseline, per language; writes the training-curve PNG and the report (evaluation.json,
    shown on the web console's model card) next to the model."""
    require("qa", "chatcore eval")
    from chatcore.builtin.qa.eval.evaluate import evaluate_cli

    target = model_dir_for(command_runtime(config_path), model)
    report = evaluate_cli(target, [Path(p) for p in data_files], ablation=ablation)
    _write_evaluation(target, report, data_files)
    if as_json:
        from chatcore.terminal_text import json_text

        click.echo(json_text(report, indent=1))
    else:
        from chatcore.builtin.qa.eval.report import format_report

        click.echo(format_report(report))


def _write_evaluation(target: Path, report: Any, data_files: tuple[str, ...]) -> None:
    """The last report beside the model, replaced whole (never half-written); a read-only
    model directory only loses the console's copy."""
    import datetime as dt
    import json
    import os
    import tempfile

    record = {
        "evaluated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data": [Path(p).name for p in data_files] or ["the bundled dev sets"],
        "report": report,
    }
    try:
        with tempfile.NamedTemporaryFile(
            "w", dir=target, suffix=".tmp", delete=False, encoding="utf-8"
        ) as out:
            json.dump(record, out, ensure_ascii=False, indent=1, default=str)
        os.replace(out.name, target / "evaluation.json")
    except OSError as exc:
        click.echo(f"chatcore: note: could not save evaluation.json: {exc}", err=True)


@click.group("data")
def data_group() -> None:
    """Inspect training data."""


@data_group.command("check")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
def data_check(files) -> None:
    """Report pairs, distinct questions, duplicates, prompts with many answers, suspicious
    records and texts with control characters of FILES taken together (default: the bundled
    corpus): the hygiene training applies."""
    require("qa", "chatcore data check")
    from chatcore.builtin.qa.data import hygiene, sources
    from chatcore.terminal_text import printable

    paths = [Path(f) for f in files] or sources.default_data_files()
    report = hygiene.check(sources.load_files(paths))
    click.echo(printable(report.format()))  # file names are shown too: escapes stay visible
