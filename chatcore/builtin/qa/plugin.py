"""Built-in plugin: the LSTM question-answering responder and the ``train``, ``eval`` and
``data check`` commands. TensorFlow is imported only when a model is trained or loaded; without
the ``chatcore[qa]`` extra those say which pip command installs it."""

from __future__ import annotations

from typing import Any

from chatcore import extras
from chatcore.hookspecs import hookimpl


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
def chatcore_register_cli(cli) -> None:
    from chatcore.builtin.qa.cli import data_group, eval_command, train_command

    cli.add_command(train_command)
    cli.add_command(eval_command)
    cli.add_command(data_group)
    from chatcore.builtin.qa.teach.cli import answers_group, review_command, teach_command

    cli.add_command(teach_command)
    cli.add_command(answers_group)
    cli.add_command(review_command)
