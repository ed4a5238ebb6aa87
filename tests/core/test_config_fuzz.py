"""Any config file either loads or is refused with a ConfigError, in bounded time and memory:
random bytes and text, YAML-ish token soup, nested documents with anchors and aliases, deep
nesting, the "billion laughs" and files over the size limit (chatcore.safeyaml)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from chatcore import ConfigError, safeyaml
from chatcore.config import Config, load_config, validate_config
from chatcore.plugins import build_plugin_manager, collect_components
from chatcore.registry import Registry
from tests.bounds import bounded, fuzz_settings

FUZZ = fuzz_settings(300)


def outcome(path: Path, registry: Registry) -> Config | ConfigError:
    """Load ``path`` and validate it as ``chatcore config check`` does: a Config, or the
    ConfigError that refused it. Any other exception fails the test."""
    try:
        return validate_config(load_config(path, environ={}), registry)
    except ConfigError as exc:
        return exc


def check(path: Path, registry: Registry, content: bytes) -> Config | ConfigError:
    path.write_bytes(content)
    with bounded():
        result = outcome(path, registry)
    if isinstance(result, ConfigError):
        assert result.problems
        assert all(problem.startswith(str(path)) for problem in result.problems)
    return result


@pytest.fixture(scope="module")
def config_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One file that every example rewrites: Hypothesis runs all of a test's examples
    within one call, so a function-scoped tmp_path would be shared by them anyway."""
    return tmp_path_factory.mktemp("fuzz") / "bot.yaml"


@pytest.fixture(scope="module")
def registry() -> Registry:
    """The components of the installed plugins, whose sections a config may hold."""
    return collect_components(build_plugin_manager())


TOKENS = [
    *"[]{}:,-?|>'\"#&*!%@`\t\n\r\x00\x07\x1b\x85\u2028\ufeff ",
    "&a ", "*a", "&b ", "*b", "<<: ", "*a\n", "- ", "  ", "\n  ", "\n    ", "---\n", "...\n",
    "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "!!int ", "!!float ", "!!bool ", "!!binary ",
    "!!timestamp ", "!!set ", "!!omap ", "!!pairs ", "!!str ", "!!null ", "!local ",
    "!!python/object:os.system ", "engine", "context_turns", "store", "filters", "input",
    "responders", "logging", "level", "plugins", "disabled", "data_dir", "rate_limit",
    "memory", "${X}", "${HOME:-x}", "${", "1:2:3", "0x1F", "0o17", "0b101", "1e999", ".nan",
    "-.inf", "2001-12-14t21:59:43.10-05:00", "2001-13-45", "yes", "~", "null", "12345678901",
    "é", "中文", "\U0001f600",
]  # fmt: skip

token_soup = st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)

SCALARS = st.one_of(
    st.sampled_from(["a", "1", "1.5", "~", "yes", "'q'", '"d\\n"', "1:30", "${X:-y}", "x y"]),
    st.from_regex(r"[a-z_]{1,12}", fullmatch=True),
)
SECTIONS = ["engine", "store", "filters", "responders", "logging", "plugins", "qa", "telegram"]
KEYS = st.sampled_from([*SECTIONS, "pii", "sqlite", "input", "output", "disabled", "a", "1"])


def _flow(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Flow collections around ``children``, sometimes anchored, and aliases to anchors."""
    seq = st.lists(children, max_size=5).map(lambda xs: "[" + ", ".join(xs) + "]")
    pairs = st.lists(st.tuples(KEYS, children), max_size=5)
    mapping = pairs.map(lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}")
    anchored = st.tuples(st.sampled_from("abc"), st.one_of(seq, mapping)).map(
        lambda t: f"&{t[0]} {t[1]}"
    )
    return st.one_of(seq, mapping, anchored, st.sampled_from(["*a", "*b", "*c"]))


nested_documents = st.recursive(SCALARS, _flow, max_leaves=40)

plain_data = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(KEYS, st.text(max_size=8)), children, max_size=4),
    ),
    max_leaves=30,
)
configs = st.dictionaries(KEYS, plain_data, max_size=5)


@FUZZ
@given(content=st.binary(max_size=3000))
def test_random_bytes(config_path, registry, content):
    check(config_path, registry, content)


@FUZZ
@given(text=st.text(max_size=3000))
def test_random_unicode_with_control_characters(config_path, registry, text):
    check(config_path, registry, text.encode("utf-8"))


@FUZZ
@given(text=token_soup)
def test_yaml_token_soup(config_path, registry, text):
    check(config_path, registry, text.encode("utf-8"))


@FUZZ
@given(document=nested_documents, under=st.sampled_from(["", "engine: ", "a: ", "- "]))
def test_nested_documents_with_anchors_and_aliases(config_path, registry, document, under):
    check(config_path, registry, (under + document + "\n").encode("utf-8"))


@FUZZ
@given(raw=configs)
def test_well_formed_configs_validate_or_name_the_problem(config_path, registry, raw):
    text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
    check(config_path, registry, text.encode("utf-8"))


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        "[" * 100_000 + "]" * 100_000,
        "{a: " * 50_000 + "1" + "}" * 50_000,
        "[" * 999 + "]" * 999,
        "- " * 100_000 + "x",
        "".join(" " * i + "a:\n" for i in range(1200)),
        "".join(" " * i + "a:\n" for i in range(150)),
        "&a [" * 10_000,
        "a: " + "1:" * 300_000 + "1",
        "a: " + "1:" * 200 + "1.5",
        "a: 1" + "0" * 5000,
        "a: !!timestamp not-a-date",
        "a: !!bool maybe",
        "a: !!int [1]",
        "a: !!float ',,'",
        "a: !!binary ¡no!",
        "? [a]\n: b",
        "a: &x b\nc: *x",
        "a: *nowhere",
        "a: !!python/object/apply:os.system [echo]",
        "\x00",
        "\ufeff\ufeff",
        "a: 1\n---\nb: 2",
    ],
    ids=lambda text: repr(text[:24]),
)
def test_hostile_documents_are_refused_or_loaded_quickly(config_path, registry, text):
    check(config_path, registry, text.encode("utf-8"))


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """``levels`` anchored lists of ``width`` aliases to the one before: width**levels
    leaves from a few hundred bytes."""
    lines = ['l0: &l0 ["lol"' + ', "lol"' * (width - 1) + "]"]
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_config_is_refused_quickly_naming_the_first_alias(config_path):
    config_path.write_text(billion_laughs(), encoding="utf-8")
    with bounded(seconds=1, megabytes=8), pytest.raises(ConfigError) as info:
        load_config(config_path, environ={})
    assert info.value.problems == [
        f"{config_path}:2:10: YAML aliases (*l0) are not allowed; write the value out"
    ]


def test_billion_laughs_under_a_known_section_is_refused(config_path):
    laughs = billion_laughs().replace("\n", "\n  ")
    config_path.write_text("engine:\n  " + laughs, encoding="utf-8")
    with bounded(seconds=1, megabytes=8), pytest.raises(ConfigError, match=r":3:\d+: YAML alias"):
        load_config(config_path, environ={})


def test_config_check_prints_one_line_for_the_billion_laughs(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    env = {**os.environ, "CHATCORE_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "chatcore", "config", "check", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == ConfigError.exit_code
    assert result.stderr == (
        f"chatcore: error: {path}:2:10: YAML aliases (*l0) are not allowed; write the value out\n"
    )


def test_a_config_over_the_size_limit_is_refused_without_parsing_it(config_path):
    line = b"# a comment line that makes the file long\n"
    config_path.write_bytes(line * (safeyaml.CONFIG_MAX_BYTES // len(line) + 1))
    size = config_path.stat().st_size
    with bounded(seconds=1, megabytes=2), pytest.raises(ConfigError) as info:
        load_config(config_path, environ={})
    assert info.value.problems == [
        f"{config_path}: too large ({size:,} bytes): a config file may be at most 1 MB"
    ]


def test_an_endless_device_is_refused_after_the_limit():
    with bounded(seconds=1, megabytes=4), pytest.raises(ConfigError) as info:
        load_config(Path("/dev/zero"), environ={})
    assert info.value.problems == ["/dev/zero: too large: a config file may be at most 1 MB"]


def test_many_secrets_and_many_problems_are_checked_in_linear_time(config_path, registry):
    lines = "".join(f"  key{i}: ${{UNSET:-{i}}}\n" for i in range(10_000))
    config_path.write_text("engine:\n" + lines, encoding="utf-8")
    with bounded(seconds=10, megabytes=200):
        result = outcome(config_path, registry)
    assert isinstance(result, ConfigError) and len(result.problems) == 10_000
    assert result.problems[0] == f"{config_path}:2: engine.key0: unknown key"


def test_a_huge_sparse_config_is_refused_without_reading_it(config_path):
    with config_path.open("wb") as stream:
        stream.truncate(10 * 2**30)
    with bounded(seconds=1, megabytes=1), pytest.raises(ConfigError, match="too large"):
        load_config(config_path, environ={})


def test_a_config_at_the_size_limit_loads(config_path):
    head = b"engine:\n  context_turns: 4\n"
    config_path.write_bytes(head + b"#" * (safeyaml.CONFIG_MAX_BYTES - len(head)))
    assert load_config(config_path, environ={}).core.engine.context_turns == 4
