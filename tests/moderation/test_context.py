"""The lexicon reads around a term: innocent senses, spelled-out letters joined only into
listed words, chat shorthand in listed phrases (issue #22)."""

from __future__ import annotations

import pytest

from chatcore.builtin.moderation.context import shorthands
from chatcore.builtin.moderation.filters import LexiconFilter
from chatcore.builtin.moderation.settings import LexiconSettings
from chatcore.builtin.moderation.terms import parse_text, parse_yaml
from chatcore.errors import ConfigError


def action(lexicon: LexiconFilter, text: str) -> str:
    return lexicon.decide(text).action.value


@pytest.mark.parametrize(
    "text",
    [
        "our cock crows at 4am every day",
        "the bitch just had a litter of six puppies",
        "a donkey is a wild ass",
        "blue tits at the feeder",
        "spotted dick with custard",
    ],
)
def test_a_shipped_sense_word_nearby_clears_the_term(text):
    assert action(LexiconFilter(), text) == "allow"


@pytest.mark.parametrize("text", ["you are a cock", "shut up bitch", "nice tits", "you ass"])
def test_the_same_terms_without_their_sense_words_still_count(text):
    assert action(LexiconFilter(), text) == "block"


def test_a_sense_word_counts_only_among_the_few_words_around_the_term():
    far = "the farm was sold last year and since then everybody calls him a cock"
    assert action(LexiconFilter(), far) == "block"


def test_a_dish_named_like_a_slur_is_an_allowed_phrase_the_slur_is_not():
    lexicon = LexiconFilter()
    assert action(lexicon, "how long do faggots and peas take in the oven") == "allow"
    assert action(lexicon, "faggots in gravy for tea tonight") == "allow"
    assert action(lexicon, "all faggots should leave") == "block"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Going for a fag, back in 5", "allow"),
        ("she bought a packet of fags at the corner shop", "allow"),
        ("fag break at 3?", "allow"),
        ("you're such a fag", "block"),
        ("shut up fag", "block"),
        ("all fags should burn", "block"),
        ("he's pretty tough for a fag", "block"),
        ("I'd never vote for a fag", "block"),
        ("go bum a fag, loser", "block"),
        ("you fag end of humanity", "block"),
        ("we walked the whole of Offa\u2019s Dyke path in May", "allow"),
        ("the sea dyke held during the storm", "allow"),
        ("drainage dykes on the farm flooded again", "allow"),
        ("he grew a van dyke beard", "allow"),
        ("get lost you dyke", "block"),
    ],
)
def test_a_cigarette_a_levee_or_a_place_is_an_allowed_phrase_the_slur_is_not(text, expected):
    assert action(LexiconFilter(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("our cock crows at 4am and the neighbours hate that cock", "allow"),
        ("the neighbours hate that cock", "block"),
        ("our cock crows at 4am, you stupid cunt", "block"),  # another term
    ],
)
def test_a_word_keeps_in_a_message_the_sense_its_sense_words_give_it_once(text, expected):
    assert action(LexiconFilter(), text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "faggots and peas for tea, then I'm going to punch a faggot",
        "我在路口交通灯这里，给我口交",  # 路口交通 clears only the 口交 it covers
        "dick van dyke. you dyke",
    ],
)
def test_an_allowed_phrase_clears_only_the_hit_it_covers(text):
    assert action(LexiconFilter(), text) == "block"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i dont wanna die", "allow"),
        ("窝不想死", "allow"),
        ("i wanna die", "block"),
        ("好想死", "block"),
    ],
)
def test_not_wanting_to_die_is_no_self_harm(text, expected):
    assert action(LexiconFilter(), text) == expected


def test_senses_never_clear_hate():
    settings = LexiconSettings(
        builtin=False, terms={"hate": ["grobble"]}, allow=["grobble ~ recipe peas"]
    )
    lexicon = LexiconFilter(settings)
    assert action(lexicon, "grobble and peas for tea") == "block"
    assert [span.sensed for span in lexicon.spans("grobble and peas for tea")] == [True]
    assert [span.sensed for span in lexicon.spans("you grobble, go away")] == [False]
    assert [span.sensed for span in lexicon.spans("grobble peasants, go away")] == [False]


@pytest.mark.parametrize(
    ("text", "sensed"),
    [
        ("the dyke flooded after the storm", True),
        ("faggots in the freezer, peas on the side", True),
        ("you damn dyke", False),  # "dam" does not start "damn" for a slur's sense
        ("out of my seat you dyke", False),
        ("faggot from liverpool", False),
        ("my son has spastic cerebral palsy, any physio tips?", True),  # the medical sense
        ("spastics like him shouldn't be on the team", False),
        ("watch your tone, you spastic", False),  # no clinical word: the slur
    ],
)
def test_a_slurs_sense_word_counts_whole_or_inflected(text, sensed):
    assert [span.sensed for span in LexiconFilter().spans(text)] == [sensed]


def test_your_own_senses_inline_and_for_han_terms():
    settings = LexiconSettings(
        builtin=False,
        terms={"offensive": ["widget", "狗东西"]},
        allow=["widget ~ factory", "狗东西 ~ 宠物店"],
    )
    lexicon = LexiconFilter(settings)
    assert action(lexicon, "the widget factory is closed") == "allow"
    assert action(lexicon, "you widget") == "block"
    assert action(lexicon, "宠物店卖的狗东西都很贵") == "allow"
    assert action(lexicon, "你这个狗东西") == "block"


def test_sense_lines_parse_and_bad_ones_name_file_and_line():
    (entry,) = parse_text("cock ~ rooster hen\n", "mine.txt", allow=True)
    assert (entry.term, entry.senses, entry.allow) == ("cock", ("rooster", "hen"), True)
    (entry,) = parse_yaml("- {term: cock, senses: [rooster]}\n", "mine.yaml", allow=True)
    assert entry.senses == ("rooster",)
    with pytest.raises(ConfigError, match=r"mine\.txt:2: a sense needs"):
        parse_text("fine\nco*ck ~ rooster\n", "mine.txt", allow=True)
    with pytest.raises(ConfigError, match=r"mine\.txt:1: a sense needs"):
        parse_text("cock ~  \n", "mine.txt", allow=True)


@pytest.mark.parametrize("text", ["c l a s s", "a s s e s s m e n t", "b a s s o o n"])
def test_spelled_out_letters_forming_an_innocent_word_are_allowed(text):
    assert action(LexiconFilter(), text) == "allow"


@pytest.mark.parametrize(
    "text", ["a s s", "s h i t", "y o u a s s", "u r a c u n t", "m o t h e r f u c k e r"]
)
def test_spelled_out_letters_forming_listed_words_still_count(text):
    assert action(LexiconFilter(), text) == "block"


def test_chat_shorthand_in_listed_phrases():
    assert set(shorthands("i will kill you")) >= {"i will kill u", "i will kill ya"}
    assert "ur family" in set(shorthands("your family"))
    assert list(shorthands("idiot")) == []
    assert len(list(shorthands("you you you you you you"))) <= 12
    settings = LexiconSettings(builtin=False, terms={"violent-threat": ["i will find you"]})
    lexicon = LexiconFilter(settings)
    assert action(lexicon, "i will find u") == "block"
    assert action(lexicon, "i will find ya tomorrow") == "block"
    assert action(lexicon, "i will find umbrellas") == "allow"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm not suicidal, just tired", "allow"),
        ("I have never been suicidal", "allow"),
        ("please don't kill yourself, talk to me", "allow"),
        ("我不是想自杀，只是很累", "allow"),
        ("我已经三个月没有自残了", "allow"),
        ("i want to kill myself", "block"),
        ("why don't you just go kill yourself", "block"),  # an urging, no negation
        ("你怎么还不去死", "block"),  # a bare 不 is no denial
        ("not that anyone cares but i want to die", "block"),  # too far before the term
        ("No one cares, kill yourself", "block"),  # another clause; "no" denies nothing
        ("I don't care, kill yourself", "block"),
        ("i dont care kill yourself", "block"),
        ("won't you just kill yourself", "block"),
        ("why the hell don't you kill yourself", "block"),
        ("这都不会？去死吧", "block"),
        ("你不会去死吗", "block"),  # a question
        ("I don't want to kill myself but I keep thinking about it", "block"),  # undone
        ("我不想再自残了，但是忍不住", "block"),
    ],
)
def test_a_negation_just_before_a_self_harm_term_denies_it(text, expected):
    assert action(LexiconFilter(), text) == expected


def test_a_negation_denies_only_self_harm():
    assert action(LexiconFilter(), "you are not a moron") == "block"


def test_a_question_in_another_clause_leaves_a_denial_standing():
    lexicon = LexiconFilter()
    assert action(lexicon, "每天都觉得空空的，不是想自杀，只是很累，有什么办法吗") == "allow"
    assert action(lexicon, "I'm not suicidal, are you?") == "allow"
    assert action(lexicon, "你不会自杀吧，胆小鬼") == "block"  # the term's own clause asks
