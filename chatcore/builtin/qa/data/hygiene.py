"""Data hygiene: the checks ``chatcore data check`` reports and training applies.

Questions are cleaned (full-width forms, curly quotes, non-breaking and repeated spaces);
answers only lose surrounding whitespace, so the bot replies exactly as the owner wrote them
(full-width Chinese punctuation included). Exact duplicates and records split into single
characters are dropped, and prompts that several files answer differently are reported (their
answers are kept and merged). Texts holding control characters (an escape sequence in an
answer would be obeyed by the terminal showing it) are reported, each by file and line; they
are kept, and every output shows them escaped (``chatcore.terminal_text``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from chatcore.builtin.qa.data.sources import Pair
from chatcore.builtin.qa.data.text import clean, question_key, tokenize
from chatcore.language import is_cjk
from chatcore.terminal_text import UNSAFE, printable

MANY_ANSWERS = 2  # a question with several answers: the reply varies among them


@dataclass
class Report:
    """What the checks found; ``kept`` are the pairs training uses."""

    total: int = 0
    kept: list[Pair] = field(default_factory=list)
    cleaned: int = 0
    duplicates: int = 0
    split_chars: list[Pair] = field(default_factory=list)
    no_words: list[Pair] = field(default_factory=list)
    conflicts: dict[str, list[str]] = field(default_factory=dict)  # prompt -> files
    many_answers: dict[str, int] = field(default_factory=dict)  # prompt -> distinct answers
    control_chars: list[Pair] = field(default_factory=list)  # as cleaned, kept or not

    @property
    def split_records(self) -> list[str]:
        """'file:line' of each record that was split into characters."""
        return sorted({f"{p.source}:{p.line}" for p in self.split_chars})

    @property
    def distinct_questions(self) -> int:
        return len({question_key(p.question) for p in self.kept})

    def dropped_summary(self) -> str:
        """One line saying what training dropped, for the train command's output."""
        summary = (
            f"data: {self.total} pairs read, {len(self.kept)} kept; dropped "
            f"{self.duplicates} duplicates, {len(self.split_chars)} pairs of "
            f"{len(self.split_records)} records split into characters, "
            f"{len(self.no_words)} without words; cleaned {self.cleaned} texts; "
            f"{len(self.conflicts)} prompts answered differently by several files (merged)"
        )
        if self.control_chars:
            summary += (
                f"; {len(self.control_chars)} pairs hold control characters (kept; "
                "chatcore data check names them)"
            )
        return summary

    def format(self, examples: int = 5) -> str:
        """The human-readable report of ``chatcore data check``."""
        lines = [
            f"pairs: {self.total}",
            f"distinct questions: {self.distinct_questions}",
            f"duplicates (dropped): {self.duplicates}",
            f"texts cleaned (curly quotes, non-breaking/extra spaces, full-width): {self.cleaned}",
            f"suspicious: records split into single characters (dropped): "
            f"{len(self.split_records)} ({len(self.split_chars)} pairs)",
        ]
        lines += [f"  {where}" for where in self.split_records[:examples]]
        lines.append(f"suspicious: no words (dropped): {len(self.no_words)}")
        lines += [f"  {p.source}:{p.line}: {p.question!r}" for p in self.no_words[:examples]]
        lines.append(f"prompts with several answers (the reply varies): {len(self.many_answers)}")
        top = sorted(self.many_answers.items(), key=lambda kv: -kv[1])[:examples]
        lines += [f"  {q!r}: {n} answers" for q, n in top]
        lines.append(f"prompts answered differently in several files: {len(self.conflicts)}")
        lines += [f"  {q!r}: {', '.join(fs)}" for q, fs in list(self.conflicts.items())[:examples]]
        lines.append(
            "suspicious: control characters (kept, shown escaped; every pair listed): "
            f"{len(self.control_chars)}"
        )
        lines += [f"  {p.source}:{p.line}: {_controls_in(p)}" for p in self.control_chars]
        return "\n".join(lines)


def check(pairs: list[Pair]) -> Report:
    """Apply every check; the report holds the kept pairs and what was dropped and why."""
    report = Report(total=len(pairs))
    seen: set[tuple[str, str]] = set()
    for pair in pairs:
        tidy = Pair(clean(pair.question), pair.answer.strip(), pair.source, pair.line)
        report.cleaned += (tidy.question != pair.question) + (tidy.answer != pair.answer)
        if UNSAFE.search(tidy.question) or UNSAFE.search(tidy.answer):
            report.control_chars.append(tidy)
        if _split_into_characters(tidy):
            report.split_chars.append(pair)
        elif not tokenize(tidy.question):
            report.no_words.append(pair)
        elif (key := (question_key(tidy.question), tidy.answer)) in seen:
            report.duplicates += 1
        else:
            seen.add(key)
            report.kept.append(tidy)
    _find_conflicts(report)
    return report


def _controls_in(pair: Pair) -> str:
    """Which control characters a pair holds, escaped, by field: ``answer \\x1b, \\x07``."""
    parts = []
    for name, text in (("question", pair.question), ("answer", pair.answer)):
        found = dict.fromkeys(printable(c) for c in UNSAFE.findall(text))
        if found:
            parts.append(f"{name} {', '.join(found)}")
    return "; ".join(parts)


def _split_into_characters(pair: Pair) -> bool:
    """A record whose question and answer are single non-CJK characters: a text that was
    split character by character (the corpus has one)."""
    q, a = pair.question, pair.answer
    return len(q) <= 1 and len(a) <= 1 and not any(is_cjk(c) for c in q + a)


def _find_conflicts(report: Report) -> None:
    files: dict[str, set[str]] = defaultdict(set)
    answers: dict[str, set[str]] = defaultdict(set)
    by_file: dict[tuple[str, str], set[str]] = defaultdict(set)
    for pair in report.kept:
        key = question_key(pair.question)
        files[key].add(pair.source)
        answers[key].add(pair.answer)
        by_file[(key, pair.source)].add(pair.answer)
    for key, sources in files.items():
        if len(answers[key]) >= MANY_ANSWERS:
            report.many_answers[key] = len(answers[key])
        if len(sources) > 1 and len({frozenset(by_file[(key, s)]) for s in sources}) > 1:
            report.conflicts[key] = sorted(_short(s) for s in sources)


def _short(source: str) -> str:
    parts = source.replace("\\", "/").split("/")
    return "/".join(parts[-2:])
