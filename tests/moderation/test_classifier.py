"""The shipped statistical model loads with the installed scikit-learn, scores off the event
loop, and concurrent calls share batches."""

from __future__ import annotations

import asyncio
import threading
import warnings

import pytest

from chatcore.builtin.moderation.classifier import ClassifierFilter, load_model
from chatcore.builtin.moderation.settings import ClassifierSettings
from chatcore.testing import ChatHarness, make_runtime


@pytest.fixture(scope="module")
def model():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an InconsistentVersionWarning would fail here
        return load_model()


def test_model_loads_and_separates_obvious_cases(model):
    rude, kind = model(["you are a disgusting stupid moron", "have a lovely afternoon"])
    assert rude > 0.9 > 0.3 > kind


async def test_concurrent_checks_are_batched_off_the_loop(model):
    calls: list[tuple[int, bool]] = []
    loop_thread = threading.get_ident()

    def spy(texts):
        calls.append((len(texts), threading.get_ident() != loop_thread))
        return model(texts)

    classifier = ClassifierFilter(ClassifierSettings(batch_size=8, batch_wait_ms=5))
    classifier._predict = spy
    texts = ["you stupid worthless idiot"] * 10 + ["nice weather today"] * 10
    verdicts = await asyncio.gather(*(classifier.check(t) for t in texts))
    assert [v.action.value for v in verdicts] == ["block"] * 10 + ["allow"] * 10
    assert sum(n for n, _ in calls) == 20 and len(calls) <= 4
    assert all(off_loop for _, off_loop in calls)
    assert "stupid" not in verdicts[0].snippet


async def test_threshold_and_engine_wiring(tmp_path):
    raw = {"filters": {"input": ["classifier"]}, "classifier": {"threshold": 0.99}}
    engine = make_runtime(raw).build_engine()
    async with engine:
        chat = ChatHarness(engine)
        low = await chat.say("this is a bit silly")
        high = await chat.say("you are a disgusting stupid moron")
    assert low.kind != "refusal"
    assert high.kind == "refusal" and high.verdicts[0].filter == "classifier"


def test_the_model_sees_normalized_text():
    classifier = ClassifierFilter()
    plain, hidden = classifier.scores(["you stupid idiot", "ｙ０ｕ ѕтυρι∂ ι∂ισт"])
    assert hidden > 0.9 and abs(plain - hidden) < 0.05
