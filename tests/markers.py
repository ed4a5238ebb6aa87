"""The markers of pyproject.toml's pytest section, applied at collection by what each test uses,
so a new test is classified without being marked by hand (``make test-fast`` runs the suite
without any of them; ``make test`` runs everything):

- ``redis``: uses the ``redis_url`` or ``redis`` fixture (a real redis-server), directly or
  through another fixture, or is the ``"redis"`` case of a parametrized fixture (the store
  contract tests).
- ``tf``: uses a fixture built on a trained model (``tiny_trained`` and the fixtures over it,
  ``shop_model_dir``), or trains or builds a network itself: its code names ``train``,
  ``train_command``, ``build_model``, ``load_keras``, ``keras`` or ``tensorflow``/``tf``.
- ``pty``: spawns with pexpect.
- ``e2e``: starts another process (``subprocess``, ``asyncio.create_subprocess_*``).
- ``slow``: property-based tests (hypothesis ``@given``: hundreds of examples each), and what
  is left that takes half a second or more on 2 cores, measured with ``pytest --durations=0``:
  the modules in SLOW_MODULES and the tests in SLOW_TESTS below (or ``@pytest.mark.slow`` at
  the test). Re-measure when ``make test-fast`` nears 30 s.

"Its code" is the test function, the fixtures it uses that are defined in this repository, and
every function of their modules they name, transitively (helpers imported from another test
module are followed). ``make test-fast`` also runs with TensorFlow unimportable
(tests/no_tensorflow.py), so a test that needs it and escaped these rules fails there, loudly.
"""

from __future__ import annotations

import ast
import inspect
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TF_FIXTURES = frozenset({"tiny_trained", "shop_model_dir"})
REDIS_FIXTURES = frozenset({"redis_url", "redis"})  # redis: a test's own server
USES = {
    "pty": frozenset({"pexpect"}),
    "e2e": frozenset({"subprocess", "create_subprocess_exec", "create_subprocess_shell"}),
    "tf": frozenset(
        {"tensorflow", "tf", "keras", "train", "train_command", "build_model", "load_keras"}
    ),
}
SLOW_MODULES = frozenset(
    {
        # each loads a large model or list on first use, which one test or another pays for
        "tests/moderation/test_classifier.py",  # 2.5 s: the scikit-learn model
        "tests/qa/test_encoder.py",  # 5 s: the 80 MB sentence encoder
        "tests/qa/test_lexicon.py",  # 2 s: wordfreq's word lists
        "tests/qa/test_calibrate.py",  # 8.4 s: the fallback gate over the background questions
        "tests/telegram/test_reliability.py",  # 16 s: real retries, back-off and restarts
        "tests/workers/test_scale.py",  # 60 s: processes, kills and restarts
        "tests/workers/test_model_swap.py",  # 90 s: two TensorFlow workers and a publish
        "tests/web/test_browser.py",  # 30 s: serve web + headless Chromium (+75 s: the tiny model)
        "tests/web/test_browser_handoff.py",  # serve web + headless Chromium, a 5 s poll
        "tests/web/test_load.py",  # 4.5 s: 200 chat sockets x 10 messages, one serve process
    }
)
"""Modules (paths from the repository root) whose every test is slow."""
SLOW_TESTS = frozenset(
    {  # each 0.5-2.7 s on 2 cores, or its parameters together 0.5-11 s; ids without parameters
        # linear-time checks on megabyte inputs
        "tests/core/test_config_fuzz.py::"
        "test_many_secrets_and_many_problems_are_checked_in_linear_time",
        "tests/core/test_logmask.py::test_each_pattern_scans_a_megabyte_in_100ms",
        "tests/core/test_logmask.py::test_masking_is_linear_on_a_megabyte",
        "tests/moderation/test_fuzz.py::test_lexicon_filter_on_long_input_is_linear",
        "tests/moderation/test_fuzz.py::test_pii_filter_on_1mb_is_linear",
        "tests/moderation/test_fuzz.py::test_each_pii_pattern_scans_1mb_in_100ms",
        "tests/moderation/test_fuzz.py::test_a_wildcard_does_not_multiply_the_scan",
        "tests/moderation/test_fuzz.py::test_phone_pattern_on_its_worst_text_is_linear",
        # the rest
        "tests/conversation/test_concurrency.py::"
        "test_200_chats_by_20_messages_through_the_engine_on_sqlite",
        "tests/core/test_engine.py::test_language_is_detected_and_fallback_localized",
        "tests/conversation/test_context_cache.py::"
        "test_random_operations_read_the_same_with_and_without_cache",
        "tests/moderation/test_compiled.py::test_a_later_process_reads_the_compiled_lexicon",
        "tests/qa/test_data.py::test_bundled_corpus_needs_and_gets_hygiene",
        "tests/qa/test_report.py::test_eval_finds_the_checkouts_data_from_any_folder",
        "tests/repl/test_control_chars.py::"
        "test_typed_text_that_looks_like_a_mouse_report_is_ignored",
        "tests/telegram/test_access.py::test_allowed_chats_only",
        "tests/telegram/test_groups.py::test_bare_mention_gets_a_greeting",
        "tests/telegram/test_groups.py::test_forum_topic_replies_stay_in_their_topic",
        "tests/telegram/test_groups.py::test_group_answers_only_when_addressed",
        "tests/telegram/test_groups.py::test_group_policy_all_answers_every_text",
        "tests/telegram/test_groups.py::test_group_policy_mentions_only",
        "tests/telegram/test_private.py::test_long_reply_is_split_on_sentence_boundaries",
        "tests/telegram/test_private.py::test_typing_indicator_while_the_engine_works",
        "tests/telegram/test_secrets.py::test_token_never_logged_at_debug",
        "tests/web/test_admin.py::test_unanswered_questions_are_grouped_with_counts",
        "tests/web/test_admin.py::test_every_console_route_and_api_needs_a_login",
        "tests/web/test_chat_socket.py::"
        "test_a_page_flooding_messages_is_told_to_wait_and_loses_none_it_was_not_told_of",
        "tests/web/test_chat_socket.py::"
        "test_a_socket_dropped_mid_answer_loses_nothing_and_runs_nothing_twice",
    }
)


def apply(items: list[pytest.Item]) -> None:
    for item in items:
        for name in sorted(markers_for(item)):
            item.add_marker(getattr(pytest.mark, name))


def markers_for(item: pytest.Item) -> set[str]:
    names = set(getattr(item, "fixturenames", ()))
    found = set()
    if names & REDIS_FIXTURES or _has_param(item, "redis"):
        found.add("redis")
    if names & TF_FIXTURES:
        found.add("tf")
    for path, function in _code_of(item, names):
        found |= _uses(path, function)
    test_id = item.nodeid.split("[", 1)[0]
    if test_id.split("::", 1)[0] in SLOW_MODULES or test_id in SLOW_TESTS:
        found.add("slow")
    if getattr(getattr(item, "function", None), "is_hypothesis_test", False):
        found.add("slow")
    return found


def _has_param(item: pytest.Item, value: str) -> bool:
    callspec = getattr(item, "callspec", None)
    params = callspec.params.values() if callspec is not None else ()
    return any(isinstance(p, str) and p == value for p in params)


def _code_of(item: pytest.Item, fixtures: set[str]) -> list[tuple[str, str]]:
    """(file, function name) of the test and of every fixture it uses that lives in this
    repository (not pytest's own, nor installed plugins')."""
    code = []
    function = getattr(item, "function", None)
    if function is not None:
        code.append((str(item.path), function.__name__))
    definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    for name in sorted(fixtures - REDIS_FIXTURES):  # redis-server is the redis marker's
        for fixturedef in definitions.get(name, ())[-1:]:
            where = _our_source(getattr(fixturedef, "func", None))
            if where is not None:
                code.append(where)
    return code


@cache
def _our_source(func: object) -> tuple[str, str] | None:
    """(file, name) of a function defined in this repository, else None."""
    code = getattr(inspect.unwrap(func), "__code__", None) if callable(func) else None
    if code is None:
        return None
    path = Path(code.co_filename)
    if not path.is_relative_to(ROOT) or path.is_relative_to(ROOT / ".venv"):
        return None
    return str(path), code.co_name


@cache
def _uses(path: str, function: str) -> frozenset[str]:
    """The markers of USES that ``function`` in ``path`` earns, following the functions it
    names in its module and those it imports from other test modules."""
    found: set[str] = set()
    pending, seen = [(path, function)], set()
    while pending:
        where, name = pending.pop()
        if (where, name) in seen:
            continue
        seen.add((where, name))
        functions, imported = _parse(where)
        if name in imported:
            pending.append(imported[name])
            continue
        used = functions.get(name, frozenset())
        found |= {marker for marker, words in USES.items() if used & words}
        pending += [(where, n) for n in used if n in functions or n in imported]
    return frozenset(found)


@cache
def _parse(path: str) -> tuple[dict[str, frozenset[str]], dict[str, tuple[str, str]]]:
    """A module's functions (by name, with every name and attribute they use) and the names
    it imports from other modules of this repository (to their file and name there)."""
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return {}, {}
    functions: dict[str, frozenset[str]] = {}
    imported: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            used = set()
            for inner in ast.walk(node):
                if isinstance(inner, ast.Name):
                    used.add(inner.id)
                elif isinstance(inner, ast.Attribute):
                    used.add(inner.attr)
            functions[node.name] = functions.get(node.name, frozenset()) | used
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            target = _module_file(node.module)
            if target is not None:
                for alias in node.names:
                    imported[alias.asname or alias.name] = (str(target), alias.name)
    return functions, imported


def _module_file(module: str) -> Path | None:
    if module.split(".")[0] not in {"tests", "examples"}:
        return None
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None
