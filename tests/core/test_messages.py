"""The message catalogue: every text users see has an id, English and Chinese, and the
config's ``messages:`` section overrides it, checked like every other config key."""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

import pytest

from chatcore import ConfigError, hookimpl
from chatcore.errors import PluginError
from chatcore.messages import MESSAGES, Catalogue
from chatcore.runtime import Runtime
from chatcore.testing import ChatHarness, make_runtime

SOURCE = Path(__file__).parents[2] / "chatcore"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    """The catalogue with every built-in plugin's messages registered."""
    return make_runtime().registry.messages


def test_every_message_has_english_and_chinese(catalogue):
    assert len(catalogue.ids) > len(MESSAGES)  # the built-in plugins' are there too
    for message_id in catalogue.ids:
        assert {"en", "zh"} <= set(catalogue.texts(message_id)), message_id


def asked_ids(path: Path) -> set[str]:
    """The literal ids of ``….text("id", …)`` and ``….say("id", …)`` calls in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("text", "say")
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }


def test_every_id_the_source_asks_for_exists(catalogue):
    asked = {
        (path.relative_to(SOURCE), message_id)
        for path in SOURCE.rglob("*.py")
        for message_id in asked_ids(path)
    }
    assert len(asked) > 15
    assert [(path, i) for path, i in sorted(asked) if i not in catalogue.ids] == []


def test_the_telegram_notes_are_catalogue_ids(catalogue):
    pytest.importorskip("telegram")
    from chatcore.builtin.telegram.handler import NOT_ALLOWED, NOTES

    assert {*NOTES.values(), NOT_ALLOWED} <= set(catalogue.ids)


def test_every_message_is_used_somewhere(catalogue):
    """No dead ids: each is named outside its own catalogue entry."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in SOURCE.rglob("*.py"))
    unused = [
        message_id
        for message_id in catalogue.ids
        if source.count(f'"{message_id}"') <= source.count(f'"{message_id}": {{')
    ]
    assert unused == []


def test_missing_language_falls_back_to_english_and_fields_are_filled():
    catalogue = Catalogue()
    catalogue.add({"t.hi": {"en": "Hi {name}", "zh": "你好{name}"}}, "p")
    assert catalogue.text("t.hi", "zh", name="小明") == "你好小明"
    assert catalogue.text("t.hi", "fr", name="Ann") == "Hi Ann"
    assert catalogue.text("t.hi", None, name="Ann") == "Hi Ann"
    assert (
        catalogue.text("unknown_command", "zh", name="x")
        == "未知命令 /x。输入 /help 查看可用命令。"
    )


def test_plugin_messages_are_checked_when_registered():
    catalogue = Catalogue()
    with pytest.raises(PluginError, match=r"'p': message 'fallback': already registered by"):
        catalogue.add({"fallback": {"en": "mine"}}, "p")
    with pytest.raises(PluginError, match=r'"en" text'):
        catalogue.add({"t.zh_only": {"zh": "只有中文"}}, "p")
    with pytest.raises(PluginError, match=r"unknown field \{nmae\}"):
        catalogue.add({"t.typo": {"en": "Hi {name}", "zh": "你好{nmae}"}}, "p")
    with pytest.raises(PluginError, match=r"'t.brace': not a valid text"):
        catalogue.add({"t.brace": {"en": "a { brace"}}, "p")


def test_two_plugins_registering_one_id_are_both_named():
    class P:
        @hookimpl
        def chatcore_register_messages(self, register):
            register({"p.hello": {"en": "hello"}})

    with pytest.raises(PluginError, match=r"message 'p.hello': already registered") as info:
        make_runtime(plugins=[("p", P()), ("q", P())])
    assert {"'p'", "'q'"} <= set(re.findall(r"'[pq]'", str(info.value)))


async def test_config_overrides_change_replies_through_the_engine():
    runtime = make_runtime(
        {
            "messages": {
                "en": {"fallback": "No idea, sorry.", "unknown_command": "No /{name} here."},
                "zh": {"help.title": "命令："},
                "fr": {"fallback": "Je ne sais pas."},
            }
        }
    )
    async with runtime.build_engine() as engine:
        chat = ChatHarness(engine)
        fallback = await chat.say("what is this")
        unknown = await chat.say("/nope")
        await ChatHarness(engine, chat_id="zh").say("/lang zh")
        help_zh = await ChatHarness(engine, chat_id="zh").say("/help")
        chinese = await ChatHarness(engine, chat_id="zh2").say("你叫什么名字")
        pinned = await ChatHarness(engine, chat_id="fr").say("/lang fr")
        french = await ChatHarness(engine, chat_id="fr").say("what is this")
    assert fallback.text == "No idea, sorry."
    assert unknown.text == "No /nope here."
    assert help_zh.text.startswith("命令：\n")
    assert chinese.text == "这个我还不知道。能换个说法吗？"  # not overridden: the built-in text
    assert pinned.text == "Okay, I'll answer in English."  # no French text for it: English
    assert french.text == "Je ne sais pas."


async def test_defaults_are_the_built_in_texts():
    async with make_runtime().build_engine() as engine:
        reply = await ChatHarness(engine).say("what is this")
        usage = await ChatHarness(engine).say("/lang xx")
    assert reply.text == "I don't know that yet. Could you say it another way?"
    assert usage.text == "Usage: /lang en|zh|auto (now: auto)"


def load(tmp_path: Path, text: str) -> Runtime:
    path = tmp_path / "bot.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return Runtime.load(path, raw=None, environ={})


def test_unknown_message_id_is_a_config_error_naming_file_line_and_key(tmp_path):
    text = """
    store: memory
    messages:
      en:
        fallbak: "Hmm."
        history.header: "Last {n}:"
      english:
        fallback: "Hmm."
    """
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    bot = tmp_path / "bot.yaml"
    assert info.value.problems == [
        f"{bot}:4: messages.en.fallbak: unknown message id (did you mean fallback?)",
        f"{bot}:5: messages.en.history.header: unknown field {{n}} (this text's fields: {{count}})",
        f"{bot}:6: messages.english: not a language code like en or zh",
    ]


def test_a_message_of_the_wrong_shape_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, "messages:\n  en: just a text\n")
    assert info.value.problems == [
        f"{tmp_path / 'bot.yaml'}:2: messages.en: expected a mapping, got text 'just a text'"
    ]


def test_a_broken_template_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"bot.yaml:3: messages.en.fallback: not a valid text"):
        load(tmp_path, "messages:\n  en:\n    fallback: 'a { brace'\n")
    attribute = "messages:\n  en:\n    unknown_command: '{name.__class__}'\n"
    with pytest.raises(ConfigError, match=r"unknown_command: fields are plain names like"):
        load(tmp_path, attribute)


@pytest.mark.parametrize("text", ["/{name:{evil}}", "/{name:d}", "/{name!z}"])
def test_a_format_spec_that_would_fail_when_said_is_a_config_error(tmp_path, text):
    config = f"messages:\n  en:\n    unknown_command: '{text}'\n"
    with pytest.raises(ConfigError, match=r"bot.yaml:3: messages.en.unknown_command: not a valid"):
        load(tmp_path, config)
