"""Config errors name the file, the line and the dotted key; secrets come from the environment."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from chatcore import ConfigError, Settings, hookimpl
from chatcore.runtime import Runtime


class TokenSettings(Settings):
    token: str
    timeout: float = 5.0
    retries: int = 3


class TokenFrontend:
    """A plugin with a settings section shaped like a real frontend's."""

    @hookimpl
    def chatcore_register_frontends(self, register):
        register("telegramish", lambda s, r: None, settings=TokenSettings)


OWNER = " [frontend 'telegramish' from plugin 'tokenish']"


def load(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> Runtime:
    path = tmp_path / "bot.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return Runtime.load(path, plugins=[("tokenish", TokenFrontend())], environ=environ or {})


def problems(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text, environ)
    return info.value.problems


def test_unknown_component_key_names_file_line_and_suggests(tmp_path):
    text = """
    engine:
      context_turns: 4
    telegramish:
      tokn: abc
    """
    assert problems(tmp_path, text) == [
        f"{tmp_path}/bot.yaml:3: telegramish.token: required key is missing" + OWNER,
        f"{tmp_path}/bot.yaml:4: telegramish.tokn: unknown key (did you mean token?)" + OWNER,
    ]


def test_unknown_core_key_and_unknown_section(tmp_path):
    text = """
    engine:
      context_turn: 4
    filterz: {}
    """
    assert problems(tmp_path, text) == [
        f"{tmp_path}/bot.yaml:2: engine.context_turn: unknown key (did you mean context_turns?)",
    ]
    assert problems(tmp_path, "filterz: {}\n") == [
        f"{tmp_path}/bot.yaml:1: filterz: unknown key (did you mean filters?)"
    ]


def test_wrong_types_say_what_was_expected(tmp_path):
    text = """
    engine:
      rate_limit:
        messages: lots
    telegramish:
      token: abc
      retries: [1, 2]
    """
    assert problems(tmp_path, text) == [
        f"{tmp_path}/bot.yaml:3: engine.rate_limit.messages: expected an integer, got text 'lots'",
    ]
    text = """
    telegramish:
      token: abc
      retries: [1, 2]
    """
    assert problems(tmp_path, text) == [
        f"{tmp_path}/bot.yaml:3: telegramish.retries: expected an integer, got a list [1, 2]"
        + OWNER,
    ]


@pytest.mark.parametrize("key", ["1", "yes", "1.5", "null", "0x10", "2020-01-01"])
def test_a_key_yaml_reads_as_no_string_is_named_at_its_own_line(tmp_path, key):
    (problem,) = problems(tmp_path, f"engine:\n  context_turns: 4\n  {key}: 3\n")
    assert problem.startswith(f"{tmp_path}/bot.yaml:3: engine"), problem
    assert "keys should be strings" in problem


def test_reply_texts_of_an_older_config_say_where_they_moved(tmp_path):
    (problem,) = problems(tmp_path, "engine:\n  refusal: {en: no}\n")
    assert problem.startswith(f"{tmp_path}/bot.yaml:2: engine.refusal: moved to messages.")


def test_out_of_range_and_choice_errors(tmp_path):
    text = """
    engine:
      context_turns: -1
    logging:
      level: LOUD
    """
    found = problems(tmp_path, text)
    assert found[0].startswith(f"{tmp_path}/bot.yaml:2: engine.context_turns: input should be")
    assert "greater than or equal to 0, got -1" in found[0]


def test_missing_environment_variable_is_named(tmp_path):
    text = """
    telegramish:
      token: ${BOT_TOKEN}
    """
    assert problems(tmp_path, text) == [
        f"{tmp_path}/bot.yaml:2: telegramish.token: environment variable BOT_TOKEN is not set"
    ]


def test_secrets_from_environment_are_substituted_and_masked(tmp_path):
    text = """
    telegramish:
      token: ${BOT_TOKEN}
      timeout: ${TIMEOUT:-7.5}
    """
    runtime = load(tmp_path, text, environ={"BOT_TOKEN": "123:secret"})
    assert runtime.settings_for("telegramish").token == "123:secret"
    assert runtime.settings_for("telegramish").timeout == 7.5
    shown = runtime.resolved_config()
    assert shown["telegramish"]["token"] == "***"
    assert "123:secret" not in str(shown)


def test_components_named_in_config_must_exist(tmp_path):
    text = """
    responders: [fallbak]
    store: sqlit
    filters:
      input: [nonexistent]
    """
    found = problems(tmp_path, text)
    assert found[0] == (
        f"{tmp_path}/bot.yaml:1: responders[0]: no responder named 'fallbak' "
        "(did you mean fallback?)"
    )
    assert found[1].startswith(f"{tmp_path}/bot.yaml:4: filters.input[0]: no filter named")
    assert found[2].startswith(f"{tmp_path}/bot.yaml:2: store: no store named 'sqlit'")


def test_yaml_syntax_error_points_at_line(tmp_path):
    found = problems(tmp_path, "engine:\n  context_turns: [1, 2\n")
    assert len(found) == 1 and found[0].startswith(f"{tmp_path}/bot.yaml:3:")
    assert "invalid YAML" in found[0]


def test_aliases_are_refused_at_their_line_and_anchors_alone_are_fine(tmp_path):
    text = """
    engine: &engine
      context_turns: 4
    telegramish:
      token: abc
      <<: *engine
    """
    assert problems(tmp_path, text) == [
        f"{tmp_path}/bot.yaml:5:7: YAML aliases (*engine) are not allowed; write the value out"
    ]
    runtime = load(tmp_path, "engine: &engine\n  context_turns: 4\ntelegramish: {token: abc}\n")
    assert runtime.config.core.engine.context_turns == 4


def test_values_yaml_cannot_convert_name_their_line(tmp_path):
    text = """
    telegramish:
      token: abc
      timeout: 2001-13-45
    """
    assert problems(tmp_path, text) == [
        f"{tmp_path}/bot.yaml:3:12: invalid YAML: "
        "cannot read '2001-13-45' as timestamp (month must be in 1..12)"
    ]


def test_config_must_be_a_mapping_and_must_exist(tmp_path):
    assert problems(tmp_path, "- a\n- b\n") == [
        f"{tmp_path}/bot.yaml:1: the config must be a mapping of sections, not a list"
    ]
    with pytest.raises(ConfigError, match=r"nope\.yaml: config file not found"):
        Runtime.load(tmp_path / "nope.yaml")


def test_empty_file_means_defaults(tmp_path):
    runtime = load(tmp_path, "")
    assert runtime.config.core.engine.context_turns == 6


def test_shipped_configs_are_valid():
    configs = sorted(Path(__file__).parents[2].joinpath("configs").glob("*.yaml"))
    assert "default.yaml" in [path.name for path in configs]
    for path in configs:
        environ = {"CHATCORE_TELEGRAM_TOKEN": "1:x", "REDIS_URL": "redis://x"}
        environ["CHATCORE_TELEGRAM_WEBHOOK_SECRET"] = "a-secret"  # workers.yaml: a webhook
        Runtime.load(path, environ=environ)


def test_a_value_from_the_environment_is_never_echoed_in_an_error(tmp_path):
    text = """
    telegramish:
      token: abc
      retries: ${RETRIES}
    """
    found = problems(tmp_path, text, environ={"RETRIES": "123456:SUPERSECRET"})
    assert found == [
        f"{tmp_path}/bot.yaml:3: telegramish.retries: expected an integer, got text '***'" + OWNER
    ]
