"""The meaning filter: the lexicon and the trained classifier deciding together, the shipped
model checked by hash, and how its thresholds are chosen."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from chatcore.builtin.moderation.meaning.model import MeaningModel, MeaningModelError, shipped_dir
from chatcore.builtin.moderation.meaning.train import CLASSES, choose, save
from chatcore.builtin.moderation.settings import MeaningSettings
from chatcore.types import Action


@pytest.fixture(scope="module")
def meaning():
    from chatcore.builtin.moderation.meaning.filter import MeaningFilter

    return MeaningFilter(MeaningSettings(threshold=0.8, overrule=0.3))


def test_a_listed_word_the_classifier_finds_hostile_keeps_the_lexicons_verdict(meaning):
    verdict = meaning.decide("you are a shithead", (0.9, "offensive"))
    assert verdict.action is Action.BLOCK and verdict.filter == "lexicon"


def test_a_listed_word_in_an_innocent_sense_is_allowed_and_recorded(meaning):
    text = "my uncle calls his old tractor a shithead every single morning"
    verdict = meaning.decide(text, (0.1, "offensive"))
    assert verdict.action is Action.FLAG and verdict.filter == "meaning"
    assert "innocent sense" in verdict.snippet and "shithead" not in verdict.snippet


def test_a_listed_word_with_too_few_words_around_it_has_no_other_sense(meaning):
    for text in ("you are a shithead", "shithead!!", "lol ok shithead", "那个 shithead 滚"):
        verdict = meaning.decide(text, (0.1, "offensive"))
        assert verdict.action is Action.BLOCK and verdict.filter == "lexicon", text


def test_thresholds_keep_a_listed_word_without_room_for_another_sense():
    truth = np.array([True, False, False])
    offensive = np.array([0.2, 0.2, 0.95])
    hits = np.array([True, True, False])
    room = np.array([False, True, True])
    chosen = choose(offensive, hits, truth, room=room)
    assert chosen["dev"] == {"recall": 1.0, "false_positives": 0.0}  # found without overruling
    assert chosen["overrule"] > 0.2 and chosen["threshold"] > 0.95


def test_a_slur_is_disarmed_only_by_quotation_marks_never_by_friendly_words(meaning):
    from chatcore.builtin.moderation.meaning.filter import unquoted

    mentioned = (
        "What does the slur 'wetback' refer to historically in the US?",
        'my teacher said "wetback" is a slur, where does it come from',
        "“支那”这个词为什么有侮辱性？大家可以说说吗",
        "网友骂我「支那人」，我可以报警吗？平台不管",
    )
    for text in mentioned:
        verdict = meaning.decide(text, (0.1, "hate"))
        assert verdict.action is Action.FLAG and verdict.filter == "meaning", text
        assert meaning.decide(text, (0.9, "hate")).action is Action.BLOCK, text  # p decides
    used = (
        "I don't get why every wetback thinks he can just move here",  # an apostrophe
        "those wetbacks, 'friends', should all go home now please",  # quotes elsewhere
    )
    for text in used:
        assert meaning.decide(text, (0.1, "hate")).action is Action.BLOCK, text
    spans = meaning.lexicon.spans(mentioned[0])
    assert spans and unquoted(mentioned[0], spans) == []


def test_a_slur_beside_a_word_of_its_innocent_sense_is_left_to_the_classifier(meaning):
    """A levee's dyke, pork faggots: the lexicon still blocks them alone; in the meaning
    filter they are listed words like any other, kept only at the overrule."""
    innocent = (
        "Can I freeze homemade pork faggots or do they go mushy?",
        "The dyke along the field boundary flooded again after the storm.",
    )
    for text in innocent:
        assert meaning.lexicon.decide(text).action is Action.BLOCK, text
        verdict = meaning.decide(text, (0.1, "hate"))
        assert verdict.action is Action.FLAG and "innocent sense" in verdict.snippet, text
        assert meaning.decide(text, (0.9, "hate")).action is Action.BLOCK, text
    for text in ("stupid dykes ruining the parade again", "all faggots should leave now"):
        assert meaning.decide(text, (0.1, "hate")).action is Action.BLOCK, text


def test_words_only_quoted_are_left_to_the_classifier_alone(meaning):
    text = 'Our community rules ban insults like "moron" and "loser". Should we add "simp"?'
    verdict = meaning.decide(text, (0.5, "offensive"))  # above overrule, below threshold
    assert verdict.action is Action.FLAG and "quoted, not used" in verdict.snippet
    assert meaning.decide(text, (0.85, "offensive")).action is Action.BLOCK
    used = "Our community rules ban insults like moron and loser. Should we add simp?"
    assert meaning.decide(used, (0.5, "offensive")).action is Action.BLOCK


def test_a_quoted_slur_is_mentioned_only_where_the_message_says_so(meaning):
    text = 'honestly our new neighbour is a "wetback", typical'  # scare quotes
    assert meaning.decide(text, (0.5, "hate")).action is Action.BLOCK  # above overrule
    for mention in (
        "what does the slur 'wetback' refer to historically in the US?",
        'Someone wrote "wetback" on our fence, how do I report it?',
        "为什么“支那”是歧视词？",
    ):
        assert meaning.decide(mention, (0.5, "hate")).action is Action.FLAG, mention
        assert meaning.decide(mention, (0.9, "hate")).action is Action.BLOCK, mention


def test_the_clause_of_a_listed_word_read_alone_needs_the_clause_threshold():
    from chatcore.builtin.moderation.meaning.filter import MeaningFilter

    settings = MeaningSettings(threshold=0.8, overrule=0.3, clause_threshold=0.95)
    meaning = MeaningFilter(settings)
    text = "thanks for all the help this week, the report went great, you stupid shithead"
    assert meaning.decide(text, (0.1, "offensive"), around=(0.9, "offensive")).action is (
        Action.FLAG
    )
    assert meaning.decide(text, (0.1, "offensive"), around=(0.97, "offensive")).action is (
        Action.BLOCK
    )
    never_below_overrule = MeaningFilter(MeaningSettings(overrule=0.5, clause_threshold=0.2))
    assert never_below_overrule.decide(text, (0.1, "x"), around=(0.4, "x")).action is Action.FLAG


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        ("我爸失业后一直喝酒，说不想活了，家里人怎么劝比较好", "我爸失业后一直喝酒，说不想活了"),
        ("我朋友最近很低落，总说不想活了", "我朋友最近很低落，总说不想活了"),
        ("今天又被骂了，不想活了，晚安", "不想活了"),  # not reported: the clause alone
        ("我很开心认识你们，说不定明天我就自杀了", "说不定明天我就自杀了"),  # "maybe"
        ("同事们对我都很好，讲真我想死", "讲真我想死"),  # "honestly"
        ("心情还不错，说真的我想自杀", "说真的我想自杀"),
        ("他还陪我看电视，说我不想活了", "说我不想活了"),  # the writer's own words
        ("thanks for the help, you stupid shithead", " you stupid shithead"),
    ],
)
def test_a_clause_reporting_speech_is_read_with_the_clause_naming_its_speaker(
    meaning, text, clause
):
    from chatcore.builtin.moderation.meaning.filter import unquoted, words_around

    used = unquoted(text, meaning.lexicon.spans(text))
    assert used and words_around(text, used) == clause


def test_a_match_reaching_over_a_quotation_mark_is_still_quoted(meaning):
    from chatcore.builtin.moderation.meaning.filter import unquoted

    quoted = "有人私信我“我知道你住哪”，要报警吗？"
    spans = meaning.lexicon.spans(quoted)
    assert spans and quoted[spans[0].start] == "我" and spans[0].start < quoted.index("“")
    assert unquoted(quoted, spans) == []
    used = "有人私信我我知道你住哪"
    assert unquoted(used, meaning.lexicon.spans(used))


def test_hostile_meaning_without_a_listed_word_is_blocked_with_its_category(meaning):
    text = "your family would be sad to see what happens next"
    verdict = meaning.decide(text, (0.95, "violent-threat"))
    assert (verdict.action, verdict.category) == (Action.BLOCK, "violent-threat")
    assert verdict.masked == "*" * len(text) and text not in verdict.snippet
    assert meaning.decide(text, (0.5, "violent-threat")).action is Action.ALLOW


def test_thresholds_keep_to_the_false_positive_bound():
    rng = np.random.default_rng(3)
    truth = np.array([True] * 100 + [False] * 400)
    offensive = np.where(truth, rng.uniform(0.4, 1.0, 500), rng.uniform(0.0, 0.7, 500))
    hits = rng.uniform(size=500) < 0.3  # listed words in some lines of both kinds
    chosen = choose(offensive, hits, truth)
    flagged = (offensive >= chosen["threshold"]) | (hits & (offensive >= chosen["overrule"]))
    assert flagged[~truth].mean() <= 0.01
    assert chosen["dev"]["recall"] == pytest.approx(flagged[truth].mean(), abs=1e-4)
    listed_looser = hits & (offensive >= chosen["overrule"] - 0.05)
    looser = (offensive >= chosen["threshold"] - 0.05) | listed_looser
    assert looser[~truth].mean() > flagged[~truth].mean()  # looser blocks more clean lines


def test_recall_is_not_bought_at_any_price_in_clean_lines_within_the_bound():
    """A lower threshold would catch one more offensive line in 200 (0.5 % recall) for three
    clean lines in 400 blocked (0.75 %), within the 1 % bound: recall less the false
    positive rate says no; a lower one that costs one clean line for two offensive says yes."""
    truth = np.array([True] * 200 + [False] * 400)
    offensive = np.where(truth, 0.9, 0.1)
    offensive[0] = 0.7  # the one offensive line the lower threshold would add
    offensive[200:203] = 0.72  # the clean lines it would block with it
    hits = np.zeros(600, bool)
    chosen = choose(offensive, hits, truth)
    assert 0.72 < chosen["threshold"] <= 0.9
    assert chosen["dev"] == {"recall": 0.995, "false_positives": 0.0}
    offensive[1:3] = 0.6  # now the lower threshold adds three offensive lines for one clean
    offensive[201:203] = 0.1
    chosen = choose(offensive, hits, truth)
    assert chosen["threshold"] <= 0.6 and chosen["dev"]["recall"] == 1.0


def test_ordinary_chat_keeps_to_the_false_positive_bound_on_its_own():
    """Pooled with 100 trap lines, one ordinary message blocked in 50 would pass (1 in 150);
    ordinary chat keeps to the bound by itself."""
    truth = np.array([True] * 10 + [False] * 150)
    ordinary = np.arange(160) >= 110  # 100 clean trap lines, then 50 ordinary messages
    offensive = np.where(truth, 0.8, 0.1)
    offensive[120] = 0.85  # one ordinary message as sure as the offensive ones
    hits = np.zeros(160, bool)
    pooled = choose(offensive, hits, truth)
    assert pooled["dev"]["recall"] == 1.0
    apart = choose(offensive, hits, truth, ordinary=ordinary)
    assert apart["threshold"] > 0.85 and apart["dev"]["ordinary_false_positives"] == 0.0
    assert apart["dev"]["false_positives"] == 0.0


def test_the_thresholds_chosen_from_readings_block_what_the_filter_blocks():
    """``readings`` and ``flagged`` are the filter's rule on arrays: the lines they block at
    the chosen thresholds are the lines the filter blocks at them."""
    from chatcore.builtin.moderation.evaluate import Line
    from chatcore.builtin.moderation.meaning.filter import MeaningFilter
    from chatcore.builtin.moderation.meaning.train import flagged, readings

    texts = {
        "i will find you and break every bone in your body": "offensive",
        "you absolute shithead": "offensive",
        "my uncle calls his old tractor a shithead every single morning": "clean",
        "what time does the library open on sunday": "clean",
        "what does the slur 'wetback' refer to historically in the US?": "clean",
        'our rules ban words like "moron" and "loser", should we add more?': "clean",
        "thanks for the help with the report, see you tomorrow, you shithead": "offensive",
        "idiot": "offensive",
        "our school wants to run a suicide awareness week, any ideas?": "clean",
        "i want to kill myself tonight": "offensive",
    }
    lines = [Line("en", text, label, label, "none") for text, label in texts.items()]
    model = MeaningModel.load()
    read = readings(model, lines)
    chosen = choose(**read)
    settings = MeaningSettings(
        threshold=chosen["threshold"],
        short_threshold=chosen["short_threshold"],
        overrule=chosen["overrule"],
        clause_threshold=chosen["clause_threshold"],
        category_overrules=chosen["category_overrules"],
    )
    meaning = MeaningFilter(settings)
    by_the_filter = [meaning.decide_now(text).action is Action.BLOCK for text in texts]
    assert flagged(read, chosen).tolist() == by_the_filter
    odd = {"threshold": 0.05, "short_threshold": 0.05, "overrule": 0.99, "clause_threshold": 0.99}
    meaning = MeaningFilter(MeaningSettings(**odd))  # overrule above threshold: same rule
    by_the_filter = [meaning.decide_now(text).action is Action.BLOCK for text in texts]
    assert flagged(read, odd).tolist() == by_the_filter


def test_words_of_one_category_alone_need_its_own_overrule():
    from chatcore.builtin.moderation.meaning.filter import MeaningFilter

    meaning = MeaningFilter(MeaningSettings(overrule=0.3, category_overrules={"self-harm": 0.5}))
    help_seeking = "our school wants to run a suicide awareness week, any ideas for it?"
    assert meaning.decide(help_seeking, (0.4, "self-harm")).action is Action.FLAG
    assert meaning.decide(help_seeking, (0.6, "self-harm")).action is Action.BLOCK
    other_words = "my uncle calls his old tractor a shithead every single morning"
    assert meaning.decide(other_words, (0.4, "offensive")).action is Action.BLOCK
    never_below = MeaningFilter(MeaningSettings(overrule=0.5, category_overrules={"sexual": 0.2}))
    assert never_below.decide(help_seeking, (0.4, "self-harm")).action is Action.FLAG
    with pytest.raises(ValueError):
        MeaningSettings(category_overrules={"hate": 0.5})  # never overruled: no own overrule


def test_a_categorys_own_overrule_is_chosen_after_the_others_keeping_recall():
    """Insults the classifier is unsure of (0.34) hold the overrule down; help-seeking lines
    with a self-harm word (0.36, 0.38) are then kept apart by the self-harm overrule, which
    never passes the intent lines (0.6 and more)."""
    truth = np.array([True] * 20 + [False] * 200)
    offensive = np.where(truth, 0.9, 0.05)
    hits, sole = np.zeros(220, bool), np.full(220, "offensive")
    hits[:7] = hits[20:22] = True
    sole[:5] = sole[20:22] = "self-harm"
    offensive[:7] = [0.6, 0.65, 0.7, 0.8, 0.9, 0.34, 0.34]  # intent; then two unsure insults
    offensive[20:22] = [0.36, 0.38]  # help seeking
    chosen = choose(offensive, hits, truth, sole_category=sole)
    assert chosen["overrule"] <= 0.34 and 0.38 < chosen["category_overrules"]["self-harm"] <= 0.6
    assert set(chosen["category_overrules"]) == {"self-harm"}  # none where nothing is gained
    assert chosen["dev"] == {"recall": 1.0, "false_positives": 0.0}
    plain = choose(offensive, hits, truth)  # no words of one category: the overrule alone
    assert plain["category_overrules"] == {} and plain["dev"]["false_positives"] == 0.01


def test_the_model_is_refused_when_its_file_is_not_the_one_its_manifest_names(tmp_path):
    weights = {
        "dense_1": np.ones((1024, 4), np.float32),
        "bias_1": np.zeros(4, np.float32),
        "dense_2": np.ones((4, len(CLASSES)), np.float32),
        "bias_2": np.zeros(len(CLASSES), np.float32),
    }
    chosen = {"threshold": 0.9, "overrule": 0.2, "dev": {}}
    save(weights, chosen, [], tmp_path)
    model = MeaningModel.load(tmp_path)
    assert model.classes == CLASSES and (model.threshold, model.overrule) == (0.9, 0.2)
    probs = model.probabilities(np.zeros((2, 1024), np.float32))
    assert probs.shape == (2, len(CLASSES)) and np.allclose(probs.sum(axis=1), 1)
    (tmp_path / "meaning.npz").write_bytes(b"not a model")
    with pytest.raises(MeaningModelError, match=r"meaning\.npz: not the file"):
        MeaningModel.load(tmp_path)
    with pytest.raises(MeaningModelError, match="no meaning classifier"):
        MeaningModel.load(tmp_path / "missing")


def test_the_lexical_reader_reads_letters_with_evasions_undone():
    from chatcore.builtin.moderation.meaning.lexical import LexicalReader, fit_lexical, grams

    assert grams("YOU ARE") == grams("you are") and {" you ", "are "} <= set(grams("you are"))
    assert all(" " not in gram.strip() for gram in grams("you are"))  # within words
    assert "你是垃" in grams("你是垃圾")  # a Han sentence is one word
    hostile = ["you dumbass", "what a dumbass", "dumbass bot", "shut up dumbass", "ur a dumbass"]
    clean = ["what a nice day", "you are kind", "shut the door please", "a nice bot", "ur late"]
    arrays = fit_lexical(hostile + clean, [True] * 5 + [False] * 5)
    reader = LexicalReader(
        arrays["lexical_idf"], arrays["lexical_coef"], float(arrays["lexical_bias"][0])
    )
    texts = ["d u m b a s s lol", "ｄｕｍｂａｓｓ", "so kind"]
    spaced, fullwidth, kind = reader.probabilities(texts)
    assert spaced > 0.5 and fullwidth > 0.5 and kind < 0.5
    assert reader.probabilities([]).shape == (0,)


def test_the_offensive_probability_averages_the_encoder_and_the_letters(tmp_path):
    from chatcore.builtin.moderation.meaning.lexical import BUCKETS

    weights = {
        "dense_1": np.zeros((1024, 4), np.float32),
        "bias_1": np.zeros(4, np.float32),
        "dense_2": np.zeros((4, len(CLASSES)), np.float32),
        "bias_2": np.zeros(len(CLASSES), np.float32),  # every class alike: p = 5/6
        "lexical_idf": np.ones(BUCKETS, np.float32),
        "lexical_coef": np.zeros(BUCKETS, np.float32),
        "lexical_bias": np.array([-np.log(3.0)], np.float32),  # p = 1/4 whatever the text
    }
    save(weights, {"threshold": 0.9, "overrule": 0.2, "dev": {}}, [], tmp_path)
    model = MeaningModel.load(tmp_path)
    (offensive, _), _ = model.judge(np.zeros((2, 1024), np.float32), ["a", "b"])
    assert offensive == pytest.approx(model.mix * 5 / 6 + (1 - model.mix) / 4, abs=1e-6)
    assert model.mix < 1
    del weights["lexical_coef"]  # a model without the reader is read by the encoder alone
    save(weights, {"threshold": 0.9, "overrule": 0.2, "dev": {}}, [], tmp_path)
    alone = MeaningModel.load(tmp_path)
    assert alone.mix == 1.0
    assert alone.judge(np.zeros((1, 1024)), ["a"])[0][0] == pytest.approx(5 / 6)


def test_the_shipped_model_loads_and_names_what_it_learned_from(tmp_path):
    manifest = json.loads((shipped_dir() / "manifest.json").read_text(encoding="utf-8"))
    model = MeaningModel.load()
    assert list(model.classes) == manifest["classes"] == list(CLASSES)
    assert set(manifest["trained_on"]) == set(CLASSES)
    assert 0 < model.threshold < 1 and 0 <= model.overrule < 1
    copy = tmp_path / "copy"
    shutil.copytree(shipped_dir(), copy)
    assert MeaningModel.load(copy).threshold == model.threshold


async def test_the_engine_refuses_a_threat_without_a_listed_word_and_allows_an_innocent_sense():
    """The shipped model in a real engine (filters: meaning, pii; memory store)."""
    from chatcore.hookspecs import hookimpl
    from chatcore.testing import ChatHarness, make_runtime
    from chatcore.types import Reply

    class Echo:
        @hookimpl
        def chatcore_register_responders(self, register):
            class Responder:
                async def respond(self, message, context):
                    return Reply(f"echo: {message.text}")

            register("echo", lambda settings, runtime: Responder())

    raw = {"responders": ["echo"], "filters": {"input": ["meaning", "pii"], "output": []}}
    async with make_runtime(raw, plugins=[("echo", Echo())]).build_engine() as engine:
        chat = ChatHarness(engine)
        threat = await chat.say("you will not live to see next week")
        assert threat.kind == "refusal" and threat.verdicts[0].filter == "meaning"
        assert threat.verdicts[0].category == "violent-threat"
        assert (await chat.say("你等着，我知道你家在哪")).kind == "refusal"
        bird = await chat.say("the blue tit is a small bird")
        assert bird.text == "echo: the blue tit is a small bird"
        playground = await chat.say("我们学校的操场很大")
        assert playground.kind == "answer"


def test_training_writes_a_model_that_loads(tmp_path, monkeypatch):
    """Keras on a small slice of the shipped lines (the real run takes longer; its
    thresholds come from the dev split, here from a few lines of the same slice)."""
    from chatcore.builtin.moderation.meaning import train

    lines = train.training_lines()
    picked = [line for n, line in enumerate(lines) if n % 20 == 0]
    monkeypatch.setattr(train, "EPOCHS", 3)
    weights = train.fit(picked)
    train.save(weights, {"threshold": 0.9, "overrule": 0.5, "dev": {}}, picked, tmp_path)
    model = MeaningModel.load(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert sum(manifest["trained_on"].values()) == len(picked)
    assert model.weights["dense_1"].shape == (1024, train.HIDDEN * train.ENSEMBLE)
    assert not list(tmp_path.glob("*.partial.*"))  # written whole, then renamed


def test_the_ensemble_is_one_network_whose_logits_are_the_members_mean():
    from chatcore.builtin.moderation.meaning.train import averaged

    rng = np.random.default_rng(5)

    def member() -> dict[str, np.ndarray]:
        return {
            "dense_1": rng.normal(size=(8, 4)),
            "bias_1": rng.normal(size=4),
            "dense_2": rng.normal(size=(4, 3)),
            "bias_2": rng.normal(size=3),
        }

    def logits(w, x):
        return np.maximum(x @ w["dense_1"] + w["bias_1"], 0) @ w["dense_2"] + w["bias_2"]

    members = [member() for _ in range(3)]
    x = rng.normal(size=(5, 8))
    expected = np.mean([logits(m, x) for m in members], axis=0)
    np.testing.assert_allclose(logits(averaged(members), x), expected, rtol=1e-10)


async def test_padding_does_not_disarm_a_listed_word_and_odd_input_breaks_nothing():
    from chatcore.builtin.moderation.meaning.filter import MeaningFilter

    meaning = MeaningFilter(MeaningSettings())
    try:
        padded = (
            "Thanks for the help with the quarterly report yesterday, the meeting went great. "
            "see you tomorrow, you stupid shithead"
        )
        assert (await meaning.check(padded)).action is Action.BLOCK
        assert (
            await meaning.check("你这个傻逼，今天天气不错，我们去公园散步吧")
        ).action is Action.BLOCK
        for nothing in ("", "   ", "?!"):
            assert (await meaning.check(nothing)).action is Action.ALLOW
        import asyncio

        odd, rude = await asyncio.gather(
            meaning.check("\ud800 hello"), meaning.check("you will not live to see next week")
        )  # one batch: a lone surrogate must not fail the other message
        assert odd.action is Action.ALLOW and rude.action is Action.BLOCK
        assert meaning.decide_now("x" * 100_000).action is Action.ALLOW  # read up to a cap
    finally:
        await meaning.close()


def test_a_damaged_model_is_refused_with_its_path(tmp_path):
    weights = {
        "dense_1": np.ones((1024, 4), np.float32),
        "bias_1": np.zeros(4, np.float32),
        "dense_2": np.ones((3, len(CLASSES)), np.float32),  # does not fit dense_1
        "bias_2": np.zeros(len(CLASSES), np.float32),
    }
    save(weights, {"threshold": 0.9, "overrule": 0.2, "dev": {}}, [], tmp_path)
    with pytest.raises(MeaningModelError, match=r"not a meaning classifier.*dense_2"):
        MeaningModel.load(tmp_path)
    weights["dense_2"] = np.ones((4, len(CLASSES)), np.float32)
    save(weights, {"threshold": 0.0, "overrule": 0.2, "dev": {}}, [], tmp_path)
    with pytest.raises(MeaningModelError, match="threshold"):
        MeaningModel.load(tmp_path)


def test_the_qa_model_reuses_the_vector_the_classifier_made(meaning, monkeypatch):
    """The first reading is the QA model's own: a message without a listed word costs the
    encoder one text for both the filter and the QA responder."""
    from chatcore.builtin.qa.model.encoder import shared_encoder
    from chatcore.builtin.qa.serve.responder import memory_vectors

    encoder = shared_encoder()
    encoded: list[str] = []
    real_encode = encoder.encode

    def counting(texts):
        encoded.extend(texts)
        return real_encode(texts)

    monkeypatch.setattr(encoder, "encode", counting)
    text = f"What time does the library open on Sunday {len(encoded) + 7919}?"
    meaning.judge([text])
    assert len(encoded) == 1  # the two readings are one text here
    memory_vectors([text])
    assert len(encoded) == 1  # the QA responder's reading was cached
    contracted = f"What's your boss called, and who r u {len(encoded) + 7919}?"
    meaning.judge([contracted])  # undoing evasions would make it "whats ... who ru"
    assert len(encoded) == 2  # no listed word: still one reading
    meaning.judge(["y0u are such a sh1thead, Sunday 7919"])
    assert len(encoded) == 4  # a listed word behind an evasion: read again with it undone


def test_one_or_two_words_need_the_short_threshold_to_act_alone():
    from chatcore.builtin.moderation.meaning.filter import MeaningFilter

    def decide(short_threshold: float, text: str, p: float) -> Action:
        settings = MeaningSettings(threshold=0.8, overrule=0.3, short_threshold=short_threshold)
        return MeaningFilter(settings).decide(text, (p, "violent-threat")).action

    for short in ("remember me", "ping", "你好"):
        assert decide(0.95, short, 0.9) is Action.ALLOW, short
        assert decide(0.95, short, 0.97) is Action.BLOCK, short
        assert decide(1.0, short, 1.0) is Action.ALLOW, short  # 1: never enough
    assert decide(1.0, "i remember where you live", 0.99) is Action.BLOCK
    assert decide(1.0, "去你的", 0.99) is Action.BLOCK  # three Han characters
    assert decide(1.0, "shithead", 0.99) is Action.BLOCK  # listed


def test_the_short_threshold_is_chosen_on_dev_or_never_acts():
    truth = np.array([True, True, False, False, True, False])
    offensive = np.array([0.97, 0.95, 0.6, 0.2, 0.9, 0.1])
    long_enough = np.array([False, False, False, True, True, True])
    hits = np.zeros(6, bool)
    chosen = choose(offensive, hits, truth, long_enough=long_enough)
    assert chosen["short_threshold"] == 0.94 and chosen["dev"]["recall"] == 1.0
    offensive[2] = 0.99  # a clean short line as sure as any: no short threshold keeps to 1 %
    chosen = choose(offensive, hits, truth, long_enough=long_enough)
    assert chosen["short_threshold"] == 1.0 and chosen["dev"]["false_positives"] == 0.0


def test_the_default_dev_splits_are_those_with_offensive_lines(tmp_path):
    from chatcore.builtin.moderation.cli import default_dev_splits

    names = ("moderation-dev", "moderation-dev-2", "moderation-dev-pii", "moderation-dev-pii2")
    for name in (*names, "moderation-test"):
        (tmp_path / name).mkdir()
    (tmp_path / "moderation-dev-notes.txt").write_text("not a split", encoding="utf-8")
    found = [folder.name for folder in default_dev_splits(tmp_path)]
    assert found == ["moderation-dev", "moderation-dev-2"]


def test_train_meaning_reads_the_checkout_data_whatever_dev_names(tmp_path, monkeypatch):
    """--dev chooses the thresholds' splits only: what the model learns from (the FAQ) and
    the ordinary questions come from the checkout's data/ folder."""
    from click.testing import CliRunner

    from chatcore.builtin.moderation import cli
    from chatcore.builtin.moderation.meaning import train

    for folder in ("data/moderation-dev", "data/dev", "data/faq/dev", "elsewhere/split"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "data/faq/en.csv").write_text("question,answer\nhi,hello\n", encoding="utf-8")
    calls = []
    monkeypatch.setattr(train, "train_meaning", lambda *args: calls.append(args) or {})
    monkeypatch.chdir(tmp_path)
    for args in ([], ["--dev", "elsewhere/split"]):
        result = CliRunner().invoke(cli.train_meaning_command, args)
        assert result.exit_code == 0, result.output
    (default, elsewhere) = calls
    assert default[0] == [Path("data/moderation-dev")]
    assert elsewhere[0] == [Path("elsewhere/split")]
    for _devs, _out, questions, clean_files in calls:
        assert questions == [Path("data/dev"), Path("data/faq/dev")]
        assert clean_files == [Path("data/faq/en.csv")]
