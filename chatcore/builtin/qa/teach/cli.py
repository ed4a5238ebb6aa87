"""``chatcore teach`` and ``chatcore answers``: change what the bot answers without retraining.

Every command appends to the taught log (chatcore.builtin.qa.teach.log) that running bots
follow, so a change reaches every process of the deployment within ``qa.taught.poll_seconds``.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from typing import Any

import click
from click import UsageError

from chatcore.cli import config_option_for, load_runtime
from chatcore.errors import ChatcoreError

config_option = config_option_for()
who_option = click.option(
    "--who", default=None, help="Who makes the change (default: your login name)."
)


def _who(who: str | None) -> str:
    if who:
        return who
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _opened(config_path: str | None) -> tuple[Any, Any, Any]:
    """(runtime, qa settings, taught log)."""
    from chatcore.builtin.qa.serve.responder import QASettings
    from chatcore.builtin.qa.teach.where import open_log

    runtime = load_runtime(config_path)
    settings = runtime.settings_for("qa") or QASettings()
    taught_log = open_log(settings, runtime)
    click.get_current_context().call_on_close(taught_log.close)  # error paths included
    return runtime, settings, taught_log


def _refuse_blocked(runtime: Any, answer: str) -> None:
    """An answer the output filters would block is refused now, not served later."""
    from chatcore.builtin.qa.teach.guard import refusal

    filters = [(name, runtime.build("filter", name)) for name in runtime.config.core.filters.output]
    refused = asyncio.run(refusal(filters, answer, "cli"))
    if refused:
        raise ChatcoreError(refused)


def _model_answer(runtime: Any, settings: Any, question: str) -> str:
    """The answer text the model gives ``question`` (its class's first answer)."""
    from chatcore.builtin.qa.serve.predictor import Predictor
    from chatcore.builtin.qa.serve.responder import default_model_dir

    model_dir = (
        settings.model_dir.expanduser() if settings.model_dir else default_model_dir(runtime)
    )
    prediction = Predictor.load(model_dir).predict(question)
    if prediction.fallback or not prediction.answers:
        raise ChatcoreError(
            f"the model has no answer for {question!r}: teach one with chatcore teach"
        )
    return prediction.answers[0]


def _target_of(runtime: Any, settings: Any, taught_log: Any, target: str) -> tuple[str, str | None]:
    """A taught item's id as given, or a question: the taught item that answers it, else the
    model answer it gets (said, so the operator sees what changes)."""
    from chatcore.builtin.qa.serve.responder import memory_vectors
    from chatcore.builtin.qa.teach.log import ANSWER, TAUGHT, answer_target
    from chatcore.builtin.qa.teach.memory import TaughtMemory

    if target.startswith((TAUGHT, ANSWER)):
        return target, None
    memory = TaughtMemory(taught_log, memory_vectors, settings.taught.threshold)
    memory.refresh()
    if memory.has_questions:
        match = memory.match(memory_vectors([target])[0])
        if match is not None:
            click.echo(f"{match.item.target} answers it (taught: {match.item.answer})")
            return match.item.target, None
    original = _model_answer(runtime, settings, target)
    click.echo(f"the model answers it with: {original}")
    click.echo("(the change applies to every question given that answer)")
    return answer_target(original), original


def _append(taught_log: Any, change: Any) -> int:
    seq = taught_log.append(change)
    taught_log.close()
    return seq


@click.command("teach")
@click.argument("question")
@click.argument("answer", required=False)
@click.option("--to", "to", default=None, help="Add QUESTION to this taught item (taught:...).")
@who_option
@config_option
def teach_command(question: str, answer: str | None, to: str | None, who, config_path) -> None:
    """Teach QUESTION with ANSWER (or --to an item already taught). Running bots answer it
    within seconds; the next `chatcore train` learns it."""
    from chatcore.builtin.qa.teach.log import Change, new_item_target

    if not question.strip():
        raise UsageError("the question is empty")
    if (answer is None) == (to is None):
        raise UsageError(
            'give an ANSWER, or --to ITEM to add the question to: chatcore teach "q" "a"'
        )
    runtime, _, taught_log = _opened(config_path)
    if to is not None:
        from chatcore.builtin.qa.teach.log import Knowledge

        known = {item.target for item in Knowledge.fold(taught_log.since(0)).taught()}
        if to not in known:
            raise UsageError(
                f"--to takes a taught item in force (chatcore answers list), not {to!r}"
            )
        change = Change("question", to, question=question, who=_who(who))
        seq = _append(taught_log, change)
        click.echo(f"{to}: question added (change {seq})")
        return
    assert answer is not None
    if not answer.strip():
        raise UsageError("the answer is empty")
    _refuse_blocked(runtime, answer)
    target = new_item_target()
    seq = _append(taught_log, Change("add", target, question, answer, who=_who(who)))
    click.echo(f"{target}: taught (change {seq})")


@click.group("answers")
def answers_group() -> None:
    """What was taught, edited or deleted; undo, export, import."""


@answers_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per item.")
@config_option
def list_command(as_json: bool, config_path) -> None:
    """Taught items and edited or deleted model answers, as they stand."""
    from chatcore.builtin.qa.teach.log import Knowledge

    _, _, taught_log = _opened(config_path)
    knowledge = Knowledge.fold(taught_log.since(0))
    taught_log.close()
    for item in knowledge.items.values():
        if as_json:
            click.echo(json.dumps(vars(item), ensure_ascii=False))
            continue
        state = "deleted" if item.deleted else "edited" if item.original else "taught"
        click.echo(f"{item.target}  [{state}]  by {item.changed_by}")
        for question in item.questions:
            click.echo(f"  Q: {question}")
        if item.original:
            click.echo(f"  was: {item.original}")
        if item.answer and not item.deleted:
            click.echo(f"  A: {item.answer}")


@answers_group.command("edit")
@click.argument("target")
@click.argument("answer")
@who_option
@config_option
def edit_command(target: str, answer: str, who, config_path) -> None:
    """Give TARGET a new ANSWER: a taught item (taught:...) or the model's answer to a
    question (TARGET is then the question)."""
    from chatcore.builtin.qa.teach.log import Change

    runtime, settings, taught_log = _opened(config_path)
    if not answer.strip():
        raise UsageError("the answer is empty")
    _refuse_blocked(runtime, answer)
    target, original = _target_of(runtime, settings, taught_log, target)
    seq = _append(
        taught_log, Change("edit", target, answer=answer, original=original, who=_who(who))
    )
    click.echo(f"{target}: edited (change {seq})")


@answers_group.command("delete")
@click.argument("target")
@who_option
@config_option
def delete_command(target: str, who, config_path) -> None:
    """Delete TARGET: a taught item, or the model's answer to a question (which then gets
    the fallback)."""
    from chatcore.builtin.qa.teach.log import Change

    runtime, settings, taught_log = _opened(config_path)
    target, original = _target_of(runtime, settings, taught_log, target)
    seq = _append(taught_log, Change("delete", target, original=original, who=_who(who)))
    click.echo(f"{target}: deleted (change {seq})")


@answers_group.command("undo")
@click.argument("change", type=int, required=False)
@who_option
@config_option
def undo_command(change: int | None, who, config_path) -> None:
    """Undo CHANGE (a number from `chatcore answers history`; default: the last one in force)."""
    from chatcore.builtin.qa.teach.changes import undo_of

    _, _, taught_log = _opened(config_path)
    changes = taught_log.since(0)
    try:
        undo = undo_of(changes, change, _who(who))
    except ValueError as exc:
        taught_log.close()
        raise UsageError(str(exc)) from None
    undone = next(c for c in changes if c.seq == undo.undoes)
    seq = _append(taught_log, undo)
    click.echo(f"change {undo.undoes} ({undone.op} {undone.target}) undone (change {seq})")


@answers_group.command("history")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per change.")
@config_option
def history_command(as_json: bool, config_path) -> None:
    """Every change: its number, when, who, what."""
    import datetime as dt

    _, _, taught_log = _opened(config_path)
    for change in taught_log.since(0):
        if as_json:
            click.echo(json.dumps(change.to_dict(), ensure_ascii=False))
            continue
        when = dt.datetime.fromtimestamp(change.at).strftime("%Y-%m-%d %H:%M")
        what = (
            change.question or change.answer or (f"change {change.undoes}" if change.undoes else "")
        )
        click.echo(
            f"{change.seq:>5}  {when}  {change.who:<12} {change.op:<8} {change.target}  {what}"
        )
    taught_log.close()


@answers_group.command("export")
@config_option
def export_command(config_path) -> None:
    """The whole log as JSON lines on stdout (for `chatcore answers import` elsewhere)."""
    _, _, taught_log = _opened(config_path)
    for change in taught_log.since(0):
        click.echo(json.dumps(change.to_dict(), ensure_ascii=False))
    taught_log.close()


@answers_group.command("import")
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@config_option
def import_command(source, config_path) -> None:
    """Append the changes of an exported log (a file or stdin) to this deployment's log; undo
    numbers are renumbered to the new changes."""
    from chatcore.builtin.qa.teach.log import Change

    changes = []
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            changes.append(Change.from_dict(json.loads(line)))
        except (ValueError, TypeError) as exc:
            raise ChatcoreError(
                f"{source.name}:{number}: not a change of chatcore answers export ({exc})"
            ) from None
    numbers = {c.seq for c in changes}
    for change in changes:
        if change.op == "undo" and change.undoes not in numbers:
            raise ChatcoreError(
                f"{source.name}: change {change.seq} undoes change {change.undoes}, which the "
                "file does not have; nothing was imported"
            )
    _, _, taught_log = _opened(config_path)
    renumbered: dict[int, int] = {}
    for change in changes:
        undoes = renumbered.get(change.undoes) if change.undoes is not None else None
        fresh = Change(**{**change.to_dict(), "seq": 0, "undoes": undoes})
        renumbered[change.seq] = taught_log.append(fresh)
    taught_log.close()
    click.echo(f"imported {len(changes)} changes", err=not sys.stdout.isatty())


@click.command("review")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per group.")
@click.option(
    "--kind",
    type=click.Choice(["all", "unanswered", "disliked"]),
    default="all",
    help="Questions the bot fell back on, answers rated /bad (👎), or both.",
)
@click.option("--limit", type=click.IntRange(min=1), default=50, help="Groups per kind.")
@config_option
def review_command(as_json: bool, kind: str, limit: int, config_path) -> None:
    """What to teach next: unanswered questions and disliked answers from the stored
    conversations, grouped by meaning, most frequent first."""
    from chatcore.builtin.qa.serve.responder import QASettings, memory_vectors
    from chatcore.builtin.qa.teach import review

    runtime = load_runtime(config_path)
    settings = runtime.settings_for("qa") or QASettings()

    found = review.collect_all(runtime.build("store", runtime.config.core.store))
    kinds = ["unanswered", "disliked"] if kind == "all" else [kind]
    for name in kinds:
        groups = review.group(name, found[name], memory_vectors, settings.taught.threshold)
        if not as_json:
            total = sum(g.count for g in groups)
            click.echo(f"{name}: {total} message(s) in {len(groups)} group(s)")
        for found_group in groups[:limit]:
            if as_json:
                click.echo(json.dumps(found_group.to_dict(), ensure_ascii=False))
                continue
            click.echo(f"{found_group.count:>6}  {found_group.example}")
            others = len(found_group.texts) - 1
            if others:
                click.echo(f"        ({others} other wording(s), {len(found_group.chats)} chat(s))")
            if found_group.answers:
                answer, _ = found_group.answers.most_common(1)[0]
                click.echo(f"        bot said: {answer}")
