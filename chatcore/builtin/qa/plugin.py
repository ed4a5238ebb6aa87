"""Built-in plugin: the LSTM question-answering responder, the ``train``, ``eval`` and
``data check`` commands, and teaching (``chatcore teach``, ``chatcore answers`` and the
admins' ``/teach`` in a chat). TensorFlow is imported only when a model is trained or loaded;
without the ``chatcore[qa]`` extra those say which pip command installs it."""

from __future__ import annotations

from typing import Any

from chatcore import extras
from chatcore.hookspecs import hookimpl

MESSAGES = {
    "teach.usage": {
        "en": "Reply to my wrong answer with /teach and the right answer, "
        "e.g. /teach We open at 9 am.",
        "zh": "请回复我答错的那条消息，发送 /teach 加上正确答案，例如：/teach 我们早上九点开门。",
    },
    "teach.unavailable": {
        "en": "There is nothing to teach here: this bot does not answer with the QA model, "
        "or teaching is turned off.",
        "zh": "这里无法教学：本机器人没有用问答模型回答，或教学功能已关闭。",
    },
    "teach.refused": {"en": "Not taught: {reason}.", "zh": "未教会：{reason}。"},
    "teach.done": {
        "en": 'Taught ({target}, change {change}): "{question}" gets your answer from now on.',
        "zh": "已教会（{target}，第 {change} 项更改）：今后“{question}”会得到你的回答。",
    },
}
"""What /teach says (to admins, in their language; see chatcore.messages)."""


def build_responder(settings: Any, runtime: Any) -> Any:
    """The ``qa`` responder. A missing model is an error naming the train command when ``qa``
    was configured explicitly; as a mere built-in default it passes messages on instead."""
    from chatcore.builtin.qa.model import modeldir
    from chatcore.builtin.qa.serve.responder import (
        NoModelResponder,
        QAResponder,
        default_model_dir,
    )
    from chatcore.errors import ModelNotFoundError

    model_dir = settings.model_dir.expanduser() if settings.model_dir else None
    path = model_dir or default_model_dir(runtime)
    explicit = "qa" in (runtime.config.raw.get("responders") or []) or model_dir is not None
    if explicit or modeldir.exists(path):
        extras.require("qa", "the qa responder")
    if modeldir.exists(path):
        modeldir.load_files(path)  # a wrong version or corrupt file fails now, by name
        from chatcore.builtin.qa.teach.where import open_memory

        return QAResponder(settings, path, open_memory(settings, runtime))
    command = "chatcore train" if model_dir is None else modeldir.train_command(path)
    if runtime.config.source is not None and model_dir is None:
        command += f" -c {runtime.config.source}"  # the config may move the data dir
    if explicit:
        raise ModelNotFoundError(f"no trained model in {path}. Train one with:\n  {command}")
    if not extras.installed("qa"):  # only a default: pass messages on, say what it takes
        command = f"pip install 'chatcore[qa]' && {command}"
    return NoModelResponder(command)


@hookimpl
def chatcore_register_responders(register) -> None:
    from chatcore.builtin.qa.serve.responder import QASettings

    register(
        "qa",
        build_responder,
        settings=QASettings,
        description="answers with the trained LSTM question-answering model",
    )


@hookimpl
def chatcore_register_commands(register) -> None:
    from chatcore.builtin.qa.teach.command import teach_command

    register(
        "teach",
        teach_command,
        description="teach the right answer to a question I got wrong",
        usage="<answer> (as a reply to my wrong answer)",
        admin_only=True,
    )


@hookimpl
def chatcore_register_messages(register) -> None:
    register(MESSAGES)


@hookimpl
def chatcore_register_cli(cli) -> None:
    from chatcore.builtin.qa.cli import data_group, eval_command, train_command

    cli.add_command(train_command)
    cli.add_command(eval_command)
    cli.add_command(data_group)
    from chatcore.builtin.qa.teach.cli import answers_group, review_command, teach_command

    cli.add_command(teach_command)
    cli.add_command(answers_group)
    cli.add_command(review_command)
