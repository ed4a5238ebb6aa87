"""tests/markers.py: its lists name tests that exist, and its rules see through helpers."""

from __future__ import annotations

import pytest

from tests import markers
from tests.markers import ROOT, SLOW_MODULES, SLOW_TESTS


def test_every_slow_module_and_test_exists():
    for module in SLOW_MODULES:
        assert (ROOT / module).is_file(), module
    for test_id in SLOW_TESTS:
        module, name = test_id.split("::")
        functions, _ = markers._parse(str(ROOT / module))
        assert name in functions, f"tests/markers.py: SLOW_TESTS names {test_id}, now gone"


@pytest.mark.parametrize(
    ("module", "function", "expected"),
    [
        ("tests/repl/test_e2e.py", "finish", {"pty"}),  # pexpect.EOF
        ("tests/repl/test_control_chars.py", "finish", {"pty"}),  # imported from test_e2e
        ("tests/repl/test_signals.py", "test_a_signal_stops_piped_chat_cleanly", {"e2e"}),
        ("tests/core/test_cli.py", "test_help_lists_the_commands", {"e2e"}),  # through run()
        ("tests/qa/test_scale.py", "sampled_model_dir", {"tf"}),  # a fixture that trains
        ("tests/core/test_engine.py", "test_language_is_detected_and_fallback_localized", set()),
    ],
)
def test_the_rules_follow_helpers_and_fixtures(module, function, expected):
    assert markers._uses(str(ROOT / module), function) == expected
