"""``chatcore plugin new``: a ready-to-install plugin package that passes its own tests."""

from chatcore.scaffold.generate import KINDS, new_plugin

__all__ = ["KINDS", "new_plugin"]
