"""Word boundaries, Chinese words around terms, allow-lists, user lists and actions."""

from __future__ import annotations

import pytest

from chatcore.builtin.moderation.filters import LexiconFilter
from chatcore.builtin.moderation.settings import LexiconSettings
from chatcore.errors import ConfigError


def test_chinese_terms_inside_ordinary_words_are_not_hits():
    lexicon = LexiconFilter()
    clean = ["前面路口交通很堵", "他妈妈做饭很好吃", "我在学操作系统", "想死你了", "预防自杀热线"]
    clean += ["生日你想怎么过？", "周日你有空吗"]  # 日 a day, then 你
    clean += ["老妈逼我相亲，烦得要命", "我妈逼我考公务员"]  # a mother forcing, not 妈逼
    for text in clean:
        assert lexicon.decide(text).action.value == "allow", text
    for text in [
        "他妈的",
        "我们口交吧",
        "我想死",
        "操你妈",
        "想日你",
        "你妈逼的",
        "你他妈逼我干嘛",
    ]:
        assert lexicon.decide(text).action.value == "block", text


def test_allow_list_overrides_a_shorter_blocked_term():
    blocked = LexiconFilter(LexiconSettings(builtin=False, terms={"offensive": ["*dick*"]}))
    assert blocked.decide("I read dickens").action.value == "block"
    allowed = LexiconFilter(
        LexiconSettings(builtin=False, terms={"offensive": ["*dick*"]}, allow=["dickens"])
    )
    assert allowed.decide("I read dickens").action.value == "allow"
    assert allowed.decide("what a dick").action.value == "block"


def test_user_lists_plain_text_and_yaml(tmp_path):
    txt = tmp_path / "mine.txt"
    txt.write_text("# my list\n[insult]\nnincompoop\nwidget | spam\n", encoding="utf-8")
    yml = tmp_path / "mine.yaml"
    yml.write_text("hate:\n  - grobble\n", encoding="utf-8")
    allow = tmp_path / "allow.txt"
    allow.write_text("widget factory\n", encoding="utf-8")
    settings = LexiconSettings(
        builtin=False, lists=[txt, yml], allow_lists=[allow], actions={"spam": "flag"}
    )
    lexicon = LexiconFilter(settings)
    assert lexicon.decide("you n1nc0mp00p").categories == ("insult",)
    assert lexicon.decide("grobble them").category == "hate"
    flagged = lexicon.decide("buy a widget")
    assert flagged.action.value == "flag" and flagged.masked == "buy a widget"
    assert "widget" not in flagged.snippet  # never the full text, even when only flagged
    assert lexicon.decide("the widget factory").action.value == "allow"


def test_bad_list_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("hate: grobble\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.yaml"):
        LexiconFilter(LexiconSettings(builtin=False, lists=[bad]))
    with pytest.raises(ConfigError, match=r"missing\.txt"):
        LexiconFilter(LexiconSettings(builtin=False, lists=[tmp_path / "missing.txt"]))


def test_per_category_actions_and_the_strongest_wins():
    lexicon = LexiconFilter(LexiconSettings(actions={"offensive": "mask", "sexual": "flag"}))
    masked = lexicon.decide("this shit is hard")
    assert masked.action.value == "mask" and masked.masked == "this **** is hard"
    flagged = lexicon.decide("i am horny")
    assert flagged.action.value == "flag" and flagged.masked == "i am horny"
    both = lexicon.decide("i will kill you, shit")
    assert both.action.value == "block" and both.category == "violent-threat"
    assert set(both.categories) == {"violent-threat", "offensive"}


def test_snippet_is_redacted():
    verdict = LexiconFilter().decide("you are a motherfucker")
    assert "motherfucker" not in verdict.snippet and "*" in verdict.snippet


def test_chinese_homophones_of_long_terms():
    lexicon = LexiconFilter()
    for text in ["曹尼玛", "草拟吗你", "塔玛德烦死了", "草nima", "cao你妈"]:
        assert lexicon.decide(text).category == "offensive", text
    for text in ["你好吗", "我要啥都行", "他妈妈的包", "草nimal"]:
        assert lexicon.decide(text).action.value == "allow", text
    plain = LexiconFilter(LexiconSettings(homophones=False))
    assert plain.decide("草拟吗").action.value == "allow"


def test_settings_mistakes_are_config_errors():
    with pytest.raises(ConfigError, match="ofensive"):
        LexiconFilter(LexiconSettings(actions={"ofensive": "mask"}))
    with pytest.raises(ConfigError, match=r"'fr' \(available: \['en', 'zh'\]\)"):
        LexiconFilter(LexiconSettings(languages=["fr"]))


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("你这个女表子", "offensive"),  # 婊 written 女表
        ("贝戋人一个", "offensive"),  # 贱
        ("好想歹匕了算了", "self-harm"),  # 死
        ("扌喿你妈", "offensive"),  # 操
    ],
)
def test_a_listed_han_word_written_as_its_characters_parts_is_a_hit(text, category):
    verdict = LexiconFilter().decide(text)
    assert verdict.action.value == "block" and verdict.categories == (category,), text


@pytest.mark.parametrize(
    "text",
    [
        "男女表现差不多",
        "手表坏了",
        "一只又鸟在叫",
        "他说话很贱吗",
        "要加强女干部队伍建设",  # 女干 is no 奸
        "这双鞋女码比男码小",  # 女马 is no 妈
        # split spellings sound like everyday words: they are not read as homophones
        "树上有鸟吧",
        "从全局视角来看",
        "被检人需要空腹抽血",
        "你今天带笔吗",
    ],
)
def test_the_parts_of_a_character_alone_are_no_hit(text):
    assert LexiconFilter().decide(text).action.value == "allow", text


def test_split_spellings_are_of_terms_of_two_characters_or_more():
    from chatcore.builtin.moderation.variants import split_han

    assert list(split_han("婊")) == []
    assert set(split_han("婊子")) == {"女表子"}
    spellings = set(split_han("贱婊子"))
    assert {"贝戋婊子", "贱女表子", "贝戋女表子"} == spellings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("傻X，会不会停车", "block"),  # a masked letter
        ("你特么是不是瞎", "block"),
        ("约泡吗", "block"),
        ("最近总想紫砂", "block"),  # a homophone of 自杀 after 想
        ("你去紫砂吧", "block"),
        ("我们去紫砂壶市场逛逛吧", "allow"),  # the clay
        ("我想紫砂壶应该用开水烫一下", "allow"),
        ("扎西尼玛的家在拉萨", "allow"),  # a name
        ("我家老三小名叫阿三", "allow"),
        ("50 GHS in Accra", "allow"),
    ],
)
def test_chinese_internet_spellings_of_listed_words(text, expected):
    assert LexiconFilter().decide(text).action.value == expected, text


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("操，又掉线了", "offensive"),  # 操 on its own, swearing
        ("这客服真他妈烦人", "offensive"),
        ("你就是个憨批", "offensive"),
        ("台巴子又来带节奏", "hate"),
        ("黑蛆都滚出去", "hate"),
        ("再惹我就打死你", "violent-threat"),
        ("这种人就该枪毙", "violent-threat"),
        ("考不上就一死了之", "self-harm"),
        ("又想划手了", "self-harm"),
        ("加个好友裸聊吗", "sexual"),
    ],
)
def test_everyday_chinese_swearing_insults_and_threats_are_listed(text, category):
    verdict = LexiconFilter().decide(text)
    assert (verdict.action.value, verdict.category) == ("block", category), text


@pytest.mark.parametrize(
    "text",
    [
        "明天早上操场集合",  # 操 in its ordinary words
        "这个操作系统怎么升级",
        "别为我操心了",
        "曹操的故事",
        "他操着一口湖南口音",
        "打死我也不说",  # 打死 as "never"
        "夏天打死蚊子",
        "睡前划手机停不下来",  # 划手 as swiping a phone
        "这纸好割手",
        "这把我赢了",  # sounds like a listed phrase: not read as its homophone
        "她妈真好，还给我们做饭",
        "扎西尼玛的家在拉萨",
        "她是女拳击手",
        "我计划手头的事做完就走",
        "你这是自寻死路",
        "吃喝拉撒比什么都重要",
        "做眼保健操",
        "这本画册那么贵",
        "家里的电饭桶坏了",
        "防割手套哪里买",
    ],
)
def test_the_ordinary_words_around_them_are_not(text):
    assert LexiconFilter().decide(text).action.value == "allow", text


@pytest.mark.parametrize(
    ("text", "category", "masked"),
    [
        ("你是不是傻*啊", "offensive", "你是不是**啊"),  # a symbol for the second character
        ("傻＊，别烦我", "offensive", "**，别烦我"),  # full width
        ("*你妈的", "offensive", "****"),  # for the first
        ("真的想自*了，太累了", "self-harm", "真的***了，太累了"),  # 想自杀, longer than 自慰
        ("我要*了你", "violent-threat", "*****"),
    ],
)
def test_a_han_character_masked_by_a_symbol_is_read_as_the_listed_word(text, category, masked):
    verdict = LexiconFilter().decide(text)
    assert (verdict.action.value, verdict.category) == ("block", category), text
    assert verdict.masked == masked  # what the writer wrote of the word, the symbol with it


@pytest.mark.parametrize(
    "text",
    [
        "自*",  # 自杀 or 自慰: the fillings disagree, so neither
        "真想*了你",  # 想死了 or 杀了你
        "注意：带*号的为必填项",
        "各自*注：见下文",
        "星期*有空吗",
        "3*4=12",
        "傻**",  # a run of masks is no one character
        "●我要退款",  # a bullet, a box: no masks
        "□我同意用户协议",
        "*我们会尽快回复",  # one common character beside a mask shows no word
        "今天热*了",
        "*妈妈你好",
        "4月1日*起生效",
        "傻* 傻* 傻* 傻*",  # more masks than are read
    ],
)
def test_a_mask_that_makes_no_listed_word_or_several_is_none(text):
    assert LexiconFilter().decide(text).action.value == "allow", text
