"""Test helpers for chatcore and its plugin authors; also a pytest plugin (entry point
``pytest11``) that provides the ``chatcore_runtime`` and ``make_chat`` fixtures."""

from chatcore.testing.harness import ChatHarness, make_runtime

__all__ = ["ChatHarness", "make_runtime"]
