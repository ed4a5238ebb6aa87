"""What every operator tool (``chatcore answers``, the web console) does to the taught log
beyond appending: which changes are in force, and which one an undo takes back."""

from __future__ import annotations

from chatcore.builtin.qa.teach.log import Change


def in_force(changes: list[Change]) -> list[Change]:
    """The changes not undone, oldest first (an undo itself is not in force: undo the change
    again by teaching it again)."""
    undone = {c.undoes for c in changes if c.op == "undo"}
    return [c for c in changes if c.op != "undo" and c.seq not in undone]


def undo_of(changes: list[Change], seq: int | None, who: str) -> Change:
    """The undo of change ``seq`` (None: the last one in force); ValueError saying why there
    is nothing to undo."""
    standing = in_force(changes)
    if seq is None:
        if not standing:
            raise ValueError("nothing to undo")
        seq = standing[-1].seq
    target = next((c for c in standing if c.seq == seq), None)
    if target is None:
        raise ValueError(f"change {seq} is not one in force (see chatcore answers history)")
    return Change("undo", target.target, undoes=seq, who=who)
