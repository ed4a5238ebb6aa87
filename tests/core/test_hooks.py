"""One test per hook (named test_hook_<hook>), and checks that every hook is documented and
tested (datasette's test_docs is the model)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import click
from click.testing import CliRunner

from chatcore import Reply, Settings, hookimpl, hookspecs
from chatcore.builtin.conversation.memory import MemoryStore
from chatcore.cli import ChatcoreGroup
from chatcore.plugins import build_plugin_manager
from chatcore.testing import ChatHarness, make_runtime

HOOKS = sorted(n for n, f in vars(hookspecs).items() if n.startswith("chatcore_"))
DOCS = Path(__file__).parents[2] / "docs" / "hooks.md"


def test_every_hook_has_a_test():
    tests = {n for n in globals() if n.startswith("test_hook_")}
    assert {f"test_hook_{h}" for h in HOOKS} <= tests


def test_every_hook_is_documented_with_its_signature():
    text = DOCS.read_text(encoding="utf-8")
    documented = re.findall(r"^### `(chatcore_\w+)\((.*?)\)`", text, flags=re.M)
    assert sorted(name for name, _ in documented) == HOOKS
    for name, args in documented:
        expected = list(inspect.signature(getattr(hookspecs, name)).parameters)
        assert [a.strip() for a in args.split(",") if a.strip()] == expected, name


class GreeterSettings(Settings):
    greeting: str = "hello"


async def test_hook_chatcore_register_frontends():
    class P:
        @hookimpl
        def chatcore_register_frontends(self, register):
            register("greeter", lambda s, r: s, settings=GreeterSettings)

    runtime = make_runtime({"greeter": {"greeting": "hi there"}}, plugins=[("p", P())])
    assert runtime.build("frontend", "greeter").greeting == "hi there"
    assert runtime.registry.get("frontend", "greeter").plugin == "p"


async def test_hook_chatcore_register_filters():
    from chatcore import Action, Verdict

    class P:
        @hookimpl
        def chatcore_register_filters(self, register):
            class NoDigits:
                async def check(self, text, message):
                    blocked = any(c.isdigit() for c in text)
                    return Verdict(Action.BLOCK if blocked else Action.ALLOW, "digits")

            register("no_digits", lambda s, r: NoDigits())

    runtime = make_runtime({"filters": {"input": ["no_digits"]}}, plugins=[("p", P())])
    async with runtime.build_engine() as engine:
        assert (await ChatHarness(engine).say("call 555")).kind == "refusal"
        assert (await ChatHarness(engine).say("call me")).kind == "answer"


async def test_hook_chatcore_register_responders():
    class P:
        @hookimpl
        def chatcore_register_responders(self, register):
            class Never:
                async def respond(self, message, context):
                    return None  # passes to the next responder

            class Echo:
                async def respond(self, message, context):
                    return Reply(message.text[::-1])

            register("never", lambda s, r: Never())
            register("echo", lambda s, r: Echo())

    runtime = make_runtime({"responders": ["never", "echo"]}, plugins=[("p", P())])
    async with runtime.build_engine() as engine:
        reply = await ChatHarness(engine).say("abc")
    assert (reply.text, reply.source) == ("cba", "echo")


async def test_hook_chatcore_register_stores():
    stores: list[MemoryStore] = []

    class Counting(MemoryStore):
        def __init__(self):
            super().__init__()
            stores.append(self)

    class P:
        @hookimpl
        def chatcore_register_stores(self, register):
            register("counting", lambda s, r: Counting())

    runtime = make_runtime({"store": "counting"}, plugins=[("p", P())])
    async with runtime.build_engine() as engine:
        await ChatHarness(engine).say("remember me")
    assert [t.user_text for t in await stores[0].all_turns("test:chat")] == ["remember me"]


async def test_hook_chatcore_register_commands():
    class P:
        @hookimpl
        def chatcore_register_commands(self, register):
            async def stats(ctx):
                return f"{ctx.name} {ctx.args} for {ctx.message.user_id}"

            register("stats", stats, description="numbers", usage="[days]", admin_only=True)

    runtime = make_runtime(plugins=[("p", P())])
    async with runtime.build_engine() as engine:
        user = await ChatHarness(engine).say("/stats 7")
        admin = await ChatHarness(engine, user_id="boss").say("/stats 7", is_admin=True)
        help_text = (await ChatHarness(engine, user_id="boss").say("/help", is_admin=True)).text
    assert user.kind == "refusal" and "admins only" in user.text
    assert admin.text == "stats 7 for boss"
    assert "/stats [days] - numbers" in help_text


async def test_hook_chatcore_register_messages():
    class P:
        @hookimpl
        def chatcore_register_messages(self, register):
            register(
                {"weather.none": {"en": "No forecast for {city}.", "zh": "没有{city}的预报。"}}
            )

        @hookimpl
        def chatcore_register_commands(self, register):
            async def weather(ctx):
                return ctx.text("weather.none", city=ctx.args)

            register("weather", weather)

    runtime = make_runtime(plugins=[("p", P())])
    assert runtime.registry.messages.text("weather.none", "zh", city="北京") == "没有北京的预报。"
    async with runtime.build_engine() as engine:
        reply = await ChatHarness(engine).say("/weather Oslo")
    assert reply.text == "No forecast for Oslo."


def test_hook_chatcore_register_cli():
    class P:
        @hookimpl
        def chatcore_register_cli(self, cli):
            @cli.command()
            @click.argument("name")
            def greet(name):
                click.echo(f"hello {name}")

    cli = ChatcoreGroup()
    pm = build_plugin_manager(plugins=[("p", P())], load_entrypoints=False)
    pm.hook.chatcore_register_cli(cli=cli)
    result = CliRunner().invoke(cli, ["greet", "ada"])
    assert result.output == "hello ada\n"


async def test_hook_chatcore_startup_and_shutdown_order():
    calls: list[str] = []

    class P:
        @hookimpl
        def chatcore_startup(self, engine):
            calls.append(f"startup:{engine.store.__class__.__name__}")

        @hookimpl
        async def chatcore_shutdown(self, engine):
            calls.append("shutdown")

    runtime = make_runtime(plugins=[("p", P())])
    async with runtime.build_engine() as engine:
        await ChatHarness(engine).say("hi")
        calls.append("message")
    assert calls == ["startup:MemoryStore", "message", "shutdown"]


test_hook_chatcore_startup = test_hook_chatcore_startup_and_shutdown_order
test_hook_chatcore_shutdown = test_hook_chatcore_startup_and_shutdown_order


async def test_hook_chatcore_on_message_and_on_reply():
    seen: list[tuple] = []

    class Audit:
        @hookimpl
        def chatcore_on_message(self, message, engine):
            seen.append(("message", message.text, engine is not None))

        @hookimpl
        def chatcore_on_reply(self, message, reply):
            seen.append(("reply", message.text, reply.kind, reply.latency_ms > 0))

    runtime = make_runtime(plugins=[("audit", Audit())])
    async with runtime.build_engine() as engine:
        await ChatHarness(engine).say("ping")
        await ChatHarness(engine).say("/help")
    assert seen == [
        ("message", "ping", True),
        ("reply", "ping", "answer", True),
        ("message", "/help", True),
        ("reply", "/help", "command", True),
    ]


test_hook_chatcore_on_message = test_hook_chatcore_on_message_and_on_reply
test_hook_chatcore_on_reply = test_hook_chatcore_on_message_and_on_reply
