"""Temperature scaling and the fallback threshold, on made-up validation scores."""

from __future__ import annotations

import numpy as np
import pytest

from chatcore.builtin.qa.train.calibrate import choose_threshold, decide, fit_temperature, softmax


def probs_for(confidences, labels_best):
    rows = np.full((len(confidences), 3), 0.0)
    for i, (conf, best) in enumerate(zip(confidences, labels_best, strict=True)):
        rows[i, best] = conf
        rows[i, 0] = 1 - conf  # the rest goes to the reject class
    return rows


def test_threshold_keeps_the_required_share_of_negatives_in_fallback():
    # in-domain (labels 1/2) confident, negatives (label 0) spread out
    conf = [0.9, 0.8, 0.7, 0.6, 0.1, 0.2, 0.3, 0.65]
    best = [1, 2, 1, 2, 1, 2, 1, 2]
    labels = np.array([1, 2, 1, 2, 0, 0, 0, 0])
    probs = probs_for(conf, best)
    threshold = choose_threshold(probs, labels, min_recall=0.75)
    _, c = decide(probs)
    negatives_fallback = (c[labels == 0] < threshold).mean()
    assert negatives_fallback >= 0.75
    assert threshold <= 0.6  # the lowest such threshold: every in-domain question answered
    strict = choose_threshold(probs, labels, min_recall=1.0)
    assert strict > 0.6 and (c[labels == 0] < strict).all()


def test_without_negatives_the_balanced_score_decides():
    probs = probs_for([0.9, 0.4, 0.3], [1, 2, 2])
    threshold = choose_threshold(probs, np.array([1, 1, 2]))
    assert threshold <= 0.3  # every correct answer kept, nothing to weigh against


def test_reject_class_never_wins_and_temperature_softens_overconfidence():
    best, conf = decide(np.array([[0.7, 0.2, 0.1]]))
    assert best[0] == 1 and np.isclose(conf[0], 0.2)
    logits = np.array([[8.0, 0.0], [8.0, 0.0], [8.0, 0.0], [8.0, 0.0]])
    labels = np.array([0, 0, 0, 1])  # right 3 times in 4: 0.9997 is overconfident
    t = fit_temperature(logits, labels)
    assert t > 1 and abs(softmax(logits, t)[0, 0] - 0.75) < 0.1


def test_the_background_questions_cover_both_languages_without_repeats():
    from chatcore.builtin.qa.data import background

    questions = background.questions()
    assert len(set(questions)) == len(questions) >= 1000
    chinese = [q for q in questions if any("\u4e00" <= c <= "\u9fff" for c in q)]
    assert 300 <= len(chinese) <= len(questions) - 500
    assert not any(q.startswith("#") or not q.strip() for q in questions)


def test_the_background_gate_sends_the_chosen_share_of_background_questions_to_fallback():
    from chatcore.builtin.qa.data import background
    from chatcore.builtin.qa.model.features import sentence_vectors
    from chatcore.builtin.qa.train.calibrate import NEAR_KNOWN, background_gate

    known = ["what are your opening hours", "how much is a bike repair", "你们几点开门"]
    keys = sentence_vectors(known)
    nearest = (sentence_vectors(list(background.questions())) @ keys.T).max(axis=1)
    unknown = nearest[nearest < NEAR_KNOWN]
    for recall in (0.5, 0.9):
        gate = background_gate(keys, recall)
        assert (unknown < gate).mean() == pytest.approx(recall, abs=0.01)
    assert background_gate(keys, 0.9) > background_gate(keys, 0.5)
    # the known questions themselves, and close rewordings, stay above the gate
    near = sentence_vectors(["when do you open", "what does fixing a bike cost"]) @ keys.T
    assert (near.max(axis=1) > background_gate(keys, 0.9)).all()


def test_background_questions_close_to_a_known_one_are_not_counted():
    from chatcore.builtin.qa.data import background
    from chatcore.builtin.qa.data.text import detokenize, tokenize
    from chatcore.builtin.qa.model.features import sentence_vectors
    from chatcore.builtin.qa.train.calibrate import background_gate

    def served(texts):  # encoded as serving and the gate encode them
        return sentence_vectors([detokenize(tokenize(t)) for t in texts])

    some = list(background.questions()[:40])
    keys = served(["what are your opening hours"])
    with_copies = served(["what are your opening hours", *some])
    assert background_gate(with_copies, 0.9) > background_gate(keys, 0.9)
    # every background question known: none left to calibrate on, no gate
    assert background_gate(served(list(background.questions())), 0.9) == 0.0
