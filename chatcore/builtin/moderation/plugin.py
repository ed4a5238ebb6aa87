"""Built-in plugin: content moderation filters (lexicon, pii, classifier, meaning) and
``chatcore moderate``. Everything heavy is imported when a component is built; ``lexicon``,
``classifier`` and ``meaning`` need the ``chatcore[moderation]`` extra, ``pii`` nothing
more."""

from __future__ import annotations

from chatcore.builtin.moderation.settings import (
    ClassifierSettings,
    LexiconSettings,
    MeaningSettings,
    PiiSettings,
)
from chatcore.extras import require
from chatcore.hookspecs import hookimpl


def _lexicon(settings: LexiconSettings, runtime):
    require("moderation", "the lexicon filter")
    from chatcore.builtin.moderation.filters import LexiconFilter

    return _naming_the_lexicon_key(runtime, lambda: LexiconFilter(_relative(settings, runtime)))


def _relative(settings: LexiconSettings, runtime) -> LexiconSettings:
    """List paths are relative to the config file."""
    config = runtime.config
    base = config.source.parent if config.source else None
    if base is None:
        return settings
    update = {k: [_under(base, p) for p in getattr(settings, k)] for k in ("lists", "allow_lists")}
    return settings.model_copy(update=update)


def _naming_the_lexicon_key(runtime, build):
    """What ``build`` makes; a list's error also names the config file, line and key."""
    from chatcore.errors import ConfigError

    try:
        return build()
    except ConfigError as exc:
        problems = [runtime.config.error(("lexicon",), str(p)) for p in exc.problems]
        raise ConfigError(problems) from exc


def _under(base, path):
    path = path.expanduser()
    return path if path.is_absolute() else base / path


def _pii(settings: PiiSettings, runtime):
    from chatcore.builtin.moderation.filters import PiiFilter

    return PiiFilter(settings)


def _classifier(settings: ClassifierSettings, runtime):
    require("moderation", "the classifier filter")
    from chatcore.builtin.moderation.classifier import ClassifierFilter

    return ClassifierFilter(settings)


def _meaning(settings, runtime):
    require("moderation", "the meaning filter")
    from chatcore.builtin.moderation.meaning.filter import MeaningFilter

    lexicon = _relative(runtime.settings_for("lexicon"), runtime)
    return _naming_the_lexicon_key(runtime, lambda: MeaningFilter(settings, lexicon))


@hookimpl
def chatcore_register_filters(register) -> None:

    register(
        "lexicon",
        _lexicon,
        settings=LexiconSettings,
        description="English and Chinese term lists, evasion-proof (block | mask | flag)",
    )
    register(
        "pii",
        _pii,
        settings=PiiSettings,
        description="e-mail, phone, payment card, IBAN and Chinese ID numbers (masked)",
    )
    register(
        "classifier",
        _classifier,
        settings=ClassifierSettings,
        description="statistical offensive-language model (alt-profanity-check), batched",
    )
    register(
        "meaning",
        _meaning,
        settings=MeaningSettings,
        description="the lexicon and a trained meaning classifier (en, zh) deciding together",
    )


@hookimpl
def chatcore_register_cli(cli) -> None:
    from chatcore.builtin.moderation.cli import moderate, train_meaning_command

    cli.add_command(moderate)
    cli.add_command(train_meaning_command)
