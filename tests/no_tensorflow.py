"""A pytest plugin for ``make test-fast`` (``-p tests.no_tensorflow``): importing TensorFlow or
Keras fails with a message saying to mark the test, so a test that needs them and escaped
tests/markers.py fails in the fast run instead of making it slow. The packages still look
installed (``importlib.util.find_spec`` finds them), so code that checks for them behaves as
it does in the full suite."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys

BLOCKED = ("tensorflow", "keras")


class _Refuse(importlib.abc.Loader):
    def create_module(self, spec):
        raise ImportError(
            f"{spec.name}: `make test-fast` runs without TensorFlow; mark this test "
            "@pytest.mark.tf (or teach tests/markers.py to)",
            name=spec.name,
        )

    def exec_module(self, module) -> None:  # pragma: no cover - create_module raised
        raise AssertionError


class _NoTensorFlow(importlib.abc.MetaPathFinder):
    """Finds the real spec (so it exists) but hands it a loader that refuses to load."""

    def find_spec(self, fullname, path, target=None):
        if fullname.split(".")[0] not in BLOCKED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None:
            return None
        spec.loader = _Refuse()
        return spec


if not any(name in sys.modules for name in BLOCKED):
    sys.meta_path.insert(0, _NoTensorFlow())
