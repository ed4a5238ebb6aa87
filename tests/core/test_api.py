"""The public API: every exported name resolves, and importing chatcore stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import chatcore


@pytest.mark.parametrize("name", chatcore.__all__)
def test_every_public_name_resolves(name):
    assert getattr(chatcore, name) is not None


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        chatcore.Nope  # noqa: B018


def test_import_chatcore_imports_no_heavy_library():
    code = "import sys, chatcore; print(sorted(m for m in ('pydantic', 'tensorflow', "
    code += "'telegram', 'prompt_toolkit', 'yaml') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr
