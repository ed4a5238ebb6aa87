"""Background questions: what users ask chatbots in general, over some fifty everyday domains
(weather, maths, recipes, travel, banking, health, programming, small talk, nonsense...), in
English (``en.txt``) and Chinese (``zh.txt``), written by hand for chatcore without sight of
any evaluation set or model.

For any one bot most of them are out of its knowledge, and the pretrained encoder finds them
about as far from its known questions as real out-of-domain questions are (docs/model.md), so
training calibrates the fallback on them: the similarity gate sends a chosen share of them to
fallback. A background question close to a known one is probably answered by it and is left
out of that count."""

from __future__ import annotations

from functools import cache
from importlib import resources

LANGUAGES = ("en", "zh")


@cache
def questions() -> tuple[str, ...]:
    """Every background question of every language, once (comments and blank lines skipped;
    a few short messages such as "..." are in both files)."""
    folder = resources.files(__name__)
    lines = []
    for language in LANGUAGES:
        text = (folder / f"{language}.txt").read_text(encoding="utf-8")
        lines += [line.strip() for line in text.splitlines()]
    return tuple(dict.fromkeys(line for line in lines if line and not line.startswith("#")))
