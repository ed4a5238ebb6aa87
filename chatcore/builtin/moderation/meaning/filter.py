"""The ``meaning`` filter: the lexicon and the meaning classifier decide together.

- a listed word used (outside quotation marks), and the classifier at least ``overrule`` sure
  (where the words used are all of one category, maybe its own: ``_overrule``) the message
  is offensive, or at least ``clause_threshold`` sure of the clause the word stands in, read
  alone (so friendly words around a hostile clause cannot drown it): the lexicon's verdict
  (its categories, spans and actions);
- a listed word used, the classifier below both, and at least ``SENSE_CONTEXT`` other words to
  give it a sense: an innocent sense (a bird, a place, a tool): allowed, and flagged so the
  decision is on record (never for ``hate``: a slur is not disarmed by friendly words around
  it, only by being mentioned rather than used, or where a word of one of its innocent senses
  stands next to it, "pork faggots", "the dyke flooded"; never with fewer other words: two
  words beside a listed one show no other sense);
- listed words only inside quotation marks: mentioned, not used ("a moderator banning
  "moron" and "loser"", 有人私信我"我知道你住哪"，要报警吗): the classifier decides as if no
  word were listed; below its threshold, allowed and flagged. A quoted slur only where the
  message says it mentions one ("what does the slur 'x' mean", 网友骂我"…"，我可以报警吗);
  elsewhere it is judged as a listed word, but may be taken in another sense;
- no listed word, the classifier at least ``threshold`` sure (with fewer than ``MIN_TOKENS``
  words, Han characters counting one each: at least ``short_threshold`` sure): its category,
  the configured action (hostile meaning without a listed word: threats, hate in plain words,
  slang and shorthand no list has). One or two words carry little meaning ("ping",
  "remember me"), so they need more certainty, or none is enough (a short threshold of 1);
- otherwise allowed.

A clause torn from its message loses what the message says around it ("my friend says she
doesn't want to live, how do I help her?"), so it needs more certainty than the message.
The thresholds come with the model (chosen on the dev splits when it was trained) unless the
config sets them. The classifier runs in micro-batches on a worker thread.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import Any

from chatcore.batching import MicroBatcher
from chatcore.builtin.moderation.decide import Span, snippet
from chatcore.builtin.moderation.filters import LexiconFilter, record
from chatcore.builtin.moderation.settings import LexiconSettings, MeaningSettings
from chatcore.types import Action, Verdict

NEVER_OVERRULED = frozenset({"hate"})
MIN_TOKENS = 3  # fewer words need the short threshold to act alone
SENSE_CONTEXT = 5  # other words (or Han characters) a listed word needs to be read in another sense
AROUND_CHARS = 120  # at most this much of the clause around a listed word is read
CLAUSE_END = re.compile(r"[,.;:!?，。；：！？、\n]")
# Text between quotation marks (a straight single quote only outside a word: not "don't").
QUOTED = re.compile(
    r"\"[^\"\n]{1,200}\"|“[^”\n]{1,200}”|‘[^’\n]{1,200}’|「[^」\n]{1,200}」|『[^』\n]{1,200}』"
    r"|«[^»\n]{1,200}»|＂[^＂\n]{1,200}＂|(?<!\w)'[^'\n]{1,200}'(?!\w)"
)

# a clause that starts by reporting what someone said, its speaker left out; not the words
# that only start with such a verb (说实话 "honestly", 说不定 "maybe", 讲真, 称呼 ...)
REPORTED = re.compile(
    r"\s*(?:一直|总|老|还|又|就|也)?"
    r"(?:说(?!实话|真的|实在|白了|到底|不定|明|服|话|起|句|笑|真)|讲(?!真|座|课|完|究|道理|话|实话)"
    r"|表示|称(?!呼|重|赞|号|职|心|得)|念叨|嚷着|喊着)"
)
FIRST_PERSON = re.compile(r"我|俺|咱|本人|老子|\b(?:I|me|my)\b", re.IGNORECASE)
# words that say a message mentions what it quotes: saying, writing, calling, meaning, words
MENTIONING = re.compile(
    r"(?<![A-Za-z])(?:said|says|say|saying|wrote|writes|written|write|called|calls|call|"
    r"yelled|shouted|posted|texted|messaged|means?|meaning|word|words|term|slur|slurs|"
    r"insult|phrase|spelled|translate|origin)(?![A-Za-z])"
    r"|说|写|骂|叫我|叫他|叫她|称|意思|词|字眼|来源|翻译",
    re.IGNORECASE,
)
Reading = tuple[str, bool]  # a text for the classifier, and whether the lexicon lists a word
Judged = tuple[float, str]  # the classifier's offensive probability and category


def words_around(text: str, spans: list[Span]) -> str:
    """The clauses the listed words stand in (between punctuation marks), the rest of the
    message left out, so friendly padding cannot drown a hostile clause. A clause that
    starts by reporting speech keeps the clause before it, where its speaker is: Chinese
    leaves out a subject the clause before names (我爸一直喝酒，说不想活了)."""
    parts = []
    ends = [m.start() for m in CLAUSE_END.finditer(text)]
    for span in spans[:3]:
        start = max((e + 1 for e in ends if e < span.start), default=0)
        if _reported(text, start, span.start):
            start = max((e + 1 for e in ends if e < start - 1), default=0)
        end = min((e for e in ends if e >= span.end), default=len(text))
        parts.append(
            text[max(start, span.start - AROUND_CHARS) : min(end, span.end + AROUND_CHARS)]
        )
    return " … ".join(dict.fromkeys(parts))


def _reported(text: str, start: int, word: int) -> bool:
    """The clause from ``start`` reports someone's words, and no first person stands before
    the listed word at ``word`` (说真的我想死, 讲真我不想活了 are the writer's own)."""
    return bool(REPORTED.match(text, start)) and not FIRST_PERSON.search(text, start, word)


def unquoted(text: str, spans: list[Span]) -> list[Span]:
    """The spans not mostly inside quotation marks: a word used, not mentioned ("what does the
    slur 'x' mean", 网友骂我"..."，我可以报警吗 mention one). Mostly: evasions are undone
    across punctuation, so a match may reach over a quotation mark into the word before it
    (有人私信我“我知道你住哪” matches from the first 我)."""
    quotes = [(m.start() + 1, m.end() - 1) for m in QUOTED.finditer(text)] if spans else []
    return [s for s in spans if 2 * _quoted_chars(s, quotes) <= s.end - s.start]


def _quoted_chars(span: Span, quotes: list[tuple[int, int]]) -> int:
    return sum(max(0, min(b, span.end) - max(a, span.start)) for a, b in quotes)


def mentioned_only(text: str, spans: list[Span], used: list[Span]) -> bool:
    """Listed words all inside quotation marks (none ``used``): mentioned, the classifier
    decides as if none were listed. A quoted slur only where the message says it mentions
    one (``MENTIONING``: "someone wrote '...'", "what does the slur '...' mean", 为什么"..."
    是歧视词): 'our neighbour is a "n..."' puts quotation marks on a slur it uses."""
    if not spans or used:
        return False
    return not any(s.category in NEVER_OVERRULED for s in spans) or bool(MENTIONING.search(text))


def sole_category(used: list[Span]) -> str:
    """The category of the listed words ``used`` where they are all of one ("" otherwise):
    whose own overrule applies (``MeaningFilter._overrule``)."""
    categories = {span.category for span in used}
    return categories.pop() if len(categories) == 1 else ""


def never_overruled(used: list[Span]) -> bool:
    """Whether a category the classifier never overrules (``NEVER_OVERRULED``) is among the
    listed words ``used`` (outside quotation marks, ``unquoted``), with no word of an innocent
    sense near it (``Span.sensed``: "pork faggots", "the dyke flooded")."""
    return any(span.category in NEVER_OVERRULED and not span.sensed for span in used)


def too_short(text: str) -> bool:
    """Fewer than ``MIN_TOKENS`` words (or Han characters) as the QA model reads them."""
    from chatcore.builtin.qa.data.text import tokenize

    return len(tokenize(text[: MIN_TOKENS * 64])) < MIN_TOKENS


def room_for_a_sense(text: str, spans: list[Span]) -> bool:
    """At least ``SENSE_CONTEXT`` words besides the listed ones, as the QA model reads them."""
    from chatcore.builtin.qa.data.text import tokenize

    rest = list(text[: SENSE_CONTEXT * 64 + max((s.end for s in spans), default=0)])
    for span in spans:
        rest[span.start : span.end] = " " * (span.end - span.start)
    return len(tokenize("".join(rest))) >= SENSE_CONTEXT


def _readable(text: str) -> bool:
    return any(char.isalnum() for char in text)


class MeaningFilter:
    """Lexicon + classifier; the lexicon's settings are the ``lexicon`` section's."""

    name = "meaning"

    def __init__(self, settings: MeaningSettings, lexicon: LexiconSettings | None = None):
        from chatcore.builtin.moderation.meaning.model import MeaningModel

        self.settings = settings
        self.lexicon = LexiconFilter(lexicon)
        self.model = MeaningModel.load(settings.model_dir)
        self.threshold = settings.threshold or self.model.threshold
        self.overrule = self.model.overrule if settings.overrule is None else settings.overrule
        self.short_threshold = settings.short_threshold or self.model.short_threshold
        self.clause_threshold = settings.clause_threshold or self.model.clause_threshold
        self.category_overrules = (
            self.model.category_overrules
            if settings.category_overrules is None
            else dict(settings.category_overrules)
        )
        self._batcher: MicroBatcher | None = None

    def judge(self, texts: list[str], listed: list[bool] | None = None) -> list[tuple[float, str]]:
        """(offensive probability, category) per text, synchronously; ``listed``: whether
        this filter's lexicon finds a word in each (scanned here when not given)."""
        from chatcore.builtin.moderation.meaning.features import features

        if listed is None:
            listed = [bool(self.lexicon.spans(text)) for text in texts]
        return self.model.judge(features(texts, listed), texts)

    def _judge_batch(self, items: list[tuple[str, bool]]) -> list[tuple[float, str]]:
        return self.judge([text for text, _ in items], [listed for _, listed in items])

    def decide(
        self,
        text: str,
        judged: Judged,
        message: Any = None,
        around: Judged | None = None,
        spans: list[Span] | None = None,
    ) -> Verdict:
        """``judged``: the classifier on the whole text; ``around``: on the clauses of the
        listed words used (when read); ``spans``: the lexicon's hits, when scanned already."""
        offensive = judged[0]
        spans = self.lexicon.spans(text) if spans is None else spans
        listed = self.lexicon.decide(text, message, spans)
        if listed.action is Action.ALLOW:
            return self._alone(text, judged, message)
        used = unquoted(text, spans)
        if mentioned_only(text, spans, used):  # the classifier alone decides
            if self._alone(text, judged, message).action is Action.ALLOW:
                return self._on_record(listed, offensive, "quoted, not used")
            return listed
        if self._hostile_where_used(judged, around, used) or never_overruled(used):
            return listed
        if not room_for_a_sense(text, spans):
            return listed
        return self._on_record(listed, offensive, "an innocent sense")

    def _hostile_where_used(self, judged: Judged, around: Judged | None, used: list[Span]) -> bool:
        """The message at least the overrule of the words ``used``, or the clause around
        them at least ``clause_threshold`` (and never less than that overrule)."""
        clause = around[0] if around is not None else 0.0
        overrule = self._overrule(used)
        return judged[0] >= overrule or clause >= max(self.clause_threshold, overrule)

    def _overrule(self, used: list[Span]) -> float:
        """What the classifier must be sure of to keep the lexicon's verdict on ``used``.
        Some categories' words name a subject people ask about in earnest as often as they
        offend (self-harm: "a suicide awareness week", 自残和自杀是一回事吗; sexual: a
        doctor's question), so where the words used are all of one such category they may
        need more: its own overrule (``category_overrules``), never less than ``overrule``."""
        own = self.category_overrules.get(sole_category(used), 0.0)
        return max(self.overrule, own)

    def _alone(self, text: str, judged: Judged, message: Any) -> Verdict:
        """The classifier's verdict on a message without a listed word."""
        offensive, category = judged
        needed = self.short_threshold if too_short(text) else self.threshold
        if offensive < needed or needed >= 1:
            return Verdict(filter=self.name)
        evidence = snippet(text, [Span(0, len(text), category)]) + f" p={offensive:.2f}"
        action = Action(self.lexicon.actions(message).get(category, self.settings.action))
        if action is Action.ALLOW:
            return Verdict(filter=self.name)
        masked = "*" * len(text) if action is not Action.FLAG else None
        return Verdict(action, category, self.name, masked, evidence, (category,))

    def _on_record(self, listed: Verdict, offensive: float, why: str) -> Verdict:
        """Allowed, flagged so the decision is on record."""
        evidence = f"{listed.snippet} p={offensive:.2f}: {why}"
        return Verdict(Action.FLAG, listed.category, self.name, None, evidence, listed.categories)

    def _reading(self, text: str, message: Any) -> Generator[Reading, Judged, Verdict]:
        """The steps of one decision, written once for ``check`` (async, batched) and
        ``decide_now``: yields each (text, listed) the classifier must read, is sent its
        judgement, returns the verdict. The clause around the listed words used is read
        only when the whole message would leave them to an innocent sense."""
        if not _readable(text):
            return Verdict(filter=self.name)  # nothing to read: nothing said
        spans = self.lexicon.spans(text)  # one scan per message
        judged = yield (text, bool(spans))
        used = unquoted(text, spans)
        around = None
        wanted = used and not never_overruled(used) and judged[0] < self._overrule(used)
        if wanted and room_for_a_sense(text, spans):
            around = yield (words_around(text, used), True)
        return self.decide(text, judged, message, around, spans)

    def decide_now(self, text: str, message: Any = None) -> Verdict:
        """What ``check`` decides, synchronously (evaluations, ``chatcore moderate``)."""
        steps = self._reading(text, message)
        try:
            item = next(steps)
            while True:
                item = steps.send(self.judge([item[0]], [item[1]])[0])
        except StopIteration as done:
            return done.value

    async def start(self) -> None:
        if self._batcher is not None:
            return
        self._batcher = MicroBatcher(
            self._judge_batch,
            max_batch=self.settings.max_batch,
            window_ms=self.settings.batch_window_ms,
        )
        await self._batcher.submit(("warm up", False))

    async def check(self, text: str, message: Any = None) -> Verdict:
        steps = self._reading(text, message)
        try:
            item = next(steps)
            while True:
                item = steps.send(await self._judge(*item))
        except StopIteration as done:
            return record(done.value, message)

    async def _judge(self, text: str, listed: bool) -> tuple[float, str]:
        if self._batcher is None:
            await self.start()
        assert self._batcher is not None
        return await self._batcher.submit((text, listed))

    async def close(self) -> None:
        if self._batcher is not None:
            await self._batcher.close()
            self._batcher = None
