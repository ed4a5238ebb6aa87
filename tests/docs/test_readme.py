"""The README cannot rot: every command it shows runs as written, parsed from the README itself,
against the session's tiny model (a command added there without working fails here).

Commands run in a scratch directory that holds what the README's placeholders name: `pairs.csv`
(the tiny pairs), `bot.yaml`, `data/dev/en.yml` (a dev set over the tiny model's questions) and
`configs/telegram.yaml` pointed at the fake Bot API server on 127.0.0.1. Each must exit 0 with no
traceback; commands the README describes get their promise checked too (`PROMISES`)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
import pexpect
import pytest
import yaml

from chatcore.cli import build_cli
from chatcore.testing import free_port
from chatcore.testing.telegram_server import DEFAULT_TOKEN, FakeTelegramServer
from chatcore.testing.terminal import pty_env
from tests.tiny import TINY

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.M | re.S)
OPTIONAL = re.compile(r"\[([^\]]+)\]")
PLACEHOLDERS = {"NAME": "sample"}
STDIN = "who are you\nhi\n"


@dataclass(frozen=True)
class Shown:
    """One command line of the README and what its comment promises."""

    command: str
    comment: str

    @property
    def words(self) -> list[str]:
        return shlex.split(self.command.split("|")[-1])


def section(title: str) -> str:
    """The text under a `## title` heading, up to the next one."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def shown_in(title: str) -> list[Shown]:
    """Each command of the section's sh blocks with its comment; `[--opt]` gives two variants
    and a full `chatcore ...` command quoted in a comment is run as well."""
    shown: list[Shown] = []
    for block in SH_BLOCK.findall(section(title)):
        for line in block.splitlines():
            command, _, comment = line.partition("  #")
            command = " ".join(PLACEHOLDERS.get(w, w) for w in command.split())
            for variant in expand_optional(command):
                shown.append(Shown(variant, comment.strip()))
            for quoted in re.findall(r"`(chatcore [^`]+)`", comment):
                shown.append(Shown(quoted, f"(quoted in the comment of `{command}`)"))
    return shown


def expand_optional(command: str) -> list[str]:
    """`chatcore plugins [--json]` -> without and with the optional part."""
    match = OPTIONAL.search(command)
    if not match:
        return [command]
    without = " ".join((command[: match.start()] + command[match.end() :]).split())
    with_it = command[: match.start()] + match.group(1) + command[match.end() :]
    return expand_optional(without) + expand_optional(with_it)


# ---------------------------------------------------------------------------- the workspace


@pytest.fixture(scope="module")
def fake_telegram():
    """The Bot API test double, in a loop of its own thread for the module's subprocesses."""
    loop = asyncio.new_event_loop()
    server = FakeTelegramServer()
    loop.run_until_complete(server.start())
    yield server, loop
    loop.run_until_complete(server.close())
    loop.close()


@pytest.fixture(scope="module")
def workspace(tiny_model_dir, fake_telegram, tmp_path_factory) -> Path:
    """A directory laid out as the README's commands expect, with the tiny model as the
    default one and a chat already stored."""
    where = tmp_path_factory.mktemp("readme")
    home = where / "home"
    shutil.copytree(tiny_model_dir, home / "models" / "default")
    pairs = yaml.safe_load(TINY.read_text(encoding="utf-8"))["conversations"]
    write_pairs_csv(where / "pairs.csv", pairs)
    write_tiny_dev_set(where / "data" / "dev" / "en.yml", pairs)
    shutil.copy(ROOT / "configs" / "default.yaml", where / "bot.yaml")
    telegram = yaml.safe_load((ROOT / "configs" / "telegram.yaml").read_text(encoding="utf-8"))
    telegram["telegram"].update(api_base_url=fake_telegram[0].api_base_url, poll_timeout=1)
    (where / "configs").mkdir()
    (where / "configs" / "telegram.yaml").write_text(yaml.safe_dump(telegram), encoding="utf-8")
    shutil.copy(ROOT / "configs" / "web.yaml", where / "configs" / "web.yaml")
    seeded = run_shell("echo 'hello there' | chatcore chat", where)
    assert seeded.returncode == 0, seeded.stderr
    return where


def write_pairs_csv(path: Path, pairs: list[list[str]]) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["question", "answer"])
        writer.writerows(pairs)


def write_tiny_dev_set(path: Path, pairs: list[list[str]]) -> None:
    """Reworded tiny questions and out-of-domain ones, in the format of data/dev/en.yml."""
    path.parent.mkdir(parents=True)
    dev = {
        "paraphrases": [[q.lower().rstrip("?"), q] for q, _ in pairs[:4]],
        "out_of_domain": ["how do i bake sourdough bread", "what is the tallest mountain"],
    }
    path.write_text(yaml.safe_dump(dev, allow_unicode=True), encoding="utf-8")


def environment(where: Path) -> dict[str, str]:
    env = pty_env(where / "home", CHATCORE_TELEGRAM_TOKEN=DEFAULT_TOKEN)
    env["CHATCORE_TELEGRAM_WEBHOOK_SECRET"] = "a-webhook-secret"  # configs/workers.yaml's
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def run_shell(command: str, where: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=where,
        env=environment(where),
        input=STDIN,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# ---------------------------------------------------------------------------- how each runs


def run_in_terminal(shown: Shown, where: Path) -> str:
    """An interactive chat in a pseudo-terminal: prompt, one question, one answer, /quit."""
    child = pexpect.spawn(
        "bash",
        ["-c", shown.command],
        cwd=str(where),
        env=environment(where),
        encoding="utf-8",
        timeout=60,
        dimensions=(24, 100),
    )
    child.expect("you> ")
    child.sendline("who are you")
    child.expect(r"bot> (.+?)\r\n")
    answer = child.match.group(1)
    child.expect("you> ")
    child.sendline("/quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return answer


def run_serving(shown: Shown, where: Path, fake_telegram) -> str:
    """`chatcore serve telegram`: answer one message through the fake Bot API server, then
    stop on SIGTERM with exit code 0."""
    server, loop = fake_telegram
    output, code = loop.run_until_complete(serve_one_message(shown, where, server))
    assert code == 0, output
    assert DEFAULT_TOKEN.split(":")[1] not in output  # the token is never logged
    return output + "\n".join(server.texts(77))


async def serve_one_message(shown: Shown, where: Path, server: FakeTelegramServer):
    proc = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        f"exec {shown.command}",
        cwd=where,
        env=environment(where),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        server.text("who are you", user_id=77)
        await server.wait_for(lambda: server.texts(77), timeout=60)
        proc.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return output.decode(errors="replace"), proc.returncode


def run_web(shown: Shown, where: Path) -> str:
    """`chatcore serve web`: answer one question over the chat socket, then stop on SIGTERM
    with exit code 0."""
    port = free_port()
    env = {**environment(where), "CHATCORE_WEB_PORT": str(port)}
    proc = subprocess.Popen(
        ["bash", "-c", f"exec {shown.command}"],
        cwd=where,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        reply = asyncio.run(ask_web(port, "who are you", proc))
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.returncode is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output
    return reply


async def ask_web(port: int, question: str, proc: subprocess.Popen) -> str:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        for _ in range(600):  # the model loads first: up to a minute on a busy machine
            assert proc.poll() is None, "chatcore serve web exited"
            try:
                ws = await session.ws_connect(f"http://127.0.0.1:{port}/ws")
                break
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
        await ws.send_json({"type": "hello", "token": None, "after": 0})
        await ws.receive_json(timeout=30)
        await ws.send_json({"type": "message", "id": "readme-1", "text": question})
        while (frame := await ws.receive_json(timeout=60))["type"] != "reply":
            pass
        await ws.close()
        return frame["text"]


# ---------------------------------------------------------------------------- the promises


def one_line(result: subprocess.CompletedProcess, where: Path) -> None:
    assert len(result.stdout.splitlines()) == 1 and result.stdout.strip(), result.stdout
    assert "you>" not in result.stdout  # piped: plain replies, no prompt


def json_lines(result: subprocess.CompletedProcess, where: Path) -> None:
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == len(STDIN.splitlines()) and all(r.get("text") for r in rows)


def trained(result: subprocess.CompletedProcess, where: Path) -> None:
    assert "saved model to models/mybot" in result.stdout
    assert (where / "models" / "mybot" / "model.keras").is_file()


def data_report(result: subprocess.CompletedProcess, where: Path) -> None:
    assert result.stdout.startswith("pairs: 12\n") and "(dropped): 0" in result.stdout


def eval_table(result: subprocess.CompletedProcess, where: Path) -> None:
    for column in ("top1", "answered", "fb recall", "fb precision", "encoder", "tfidf", "latency"):
        assert column in result.stdout, result.stdout


def verdict(result: subprocess.CompletedProcess, where: Path) -> None:
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and all(r["action"] in ("allow", "mask", "block") for r in rows)


def stored_chats(result: subprocess.CompletedProcess, where: Path) -> None:
    assert re.search(r"^repl:\S+  \d+ turn\(s\), last ", result.stdout, re.M), result.stdout


def loaded_plugins(result: subprocess.CompletedProcess, where: Path) -> None:
    names = ("core", "qa", "conversation", "moderation", "repl", "telegram", "authoring")
    text = result.stdout
    listed = {p["name"] for p in json.loads(text)} if text.startswith("[") else text
    assert all(name in listed for name in names), text


def scaffolded(result: subprocess.CompletedProcess, where: Path) -> None:
    assert (where / "chatcore-sample" / "pyproject.toml").is_file(), result.stdout


def config_ok(result: subprocess.CompletedProcess, where: Path) -> None:
    assert result.stderr.rstrip().endswith("bot.yaml: OK"), result.stderr
    assert "responders:" in result.stdout  # the resolved config


PROMISES: dict[str, Callable[[subprocess.CompletedProcess, Path], None]] = {
    "chatcore chat": one_line,
    "chatcore ask -": json_lines,
    "chatcore ask": one_line,
    "chatcore train": trained,
    "chatcore data check": data_report,
    "chatcore eval": eval_table,
    "chatcore moderate": verdict,
    "chatcore history": stored_chats,
    "chatcore plugins": loaded_plugins,
    "chatcore plugin new": scaffolded,
    "chatcore config check": config_ok,
}


def promise_for(shown: Shown) -> Callable | None:
    """The longest PROMISES key the command starts with (pipes: its last stage)."""
    stage = " ".join(shown.words)
    keys = [k for k in PROMISES if stage == k or stage.startswith(k + " ")]
    return PROMISES[max(keys, key=len)] if keys else None


USING_IT = shown_in("Using it")


@pytest.mark.parametrize("shown", USING_IT, ids=lambda s: s.command)
def test_every_command_in_using_it_runs_as_written(shown: Shown, workspace, fake_telegram):
    words = shown.words
    if words[:2] == ["chatcore", "chat"] and "|" not in shown.command:
        assert run_in_terminal(shown, workspace).strip()
        return
    if words[:3] == ["chatcore", "serve", "web"]:
        assert run_web(shown, workspace)
        return
    if words[:2] == ["chatcore", "serve"]:
        assert run_serving(shown, workspace, fake_telegram).strip()
        return
    result = run_shell(shown.command, workspace)
    assert result.returncode == 0, f"{shown.command}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout.strip() or result.stderr.strip(), "no output at all"
    promise = promise_for(shown)
    if promise is not None:
        promise(result, workspace)


def test_the_readme_shows_the_commands_this_test_knows():
    """The parser finds the block (an empty parse would make the test above vacuous)."""
    commands = [s.command for s in USING_IT]
    assert "chatcore chat" in commands and "chatcore eval --data data/dev/en.yml" in commands
    assert "chatcore plugins --json" in commands  # `[--json]` expanded
    assert all(promise_for(s) for s in USING_IT if s.words[1] not in ("serve",)), commands


def test_the_commands_in_a_chat_are_understood(workspace):
    """`/help`, `/history [n]`, `/lang en|zh|auto` ... as listed under "In a chat"."""
    paragraph = next(p for p in section("Using it").split("\n\n") if p.startswith("In a chat:"))
    commands: list[str] = []
    for quoted in re.findall(r"`(/[^`]+)`", paragraph):
        name, _, args = quoted.partition(" ")
        for arg in expand_optional(args.replace("[n]", "[2]")):
            commands += [f"{name} {a}".strip() for a in arg.split("|")] if arg else [name]
    assert {"/help", "/reset", "/history", "/history 2", "/forget", "/lang zh"} <= set(commands)
    script = "\n".join(commands) + "\n"
    result = subprocess.run(
        ["chatcore", "chat"],
        cwd=workspace,
        env=environment(workspace),
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "Unknown command" not in result.stdout and "未知命令" not in result.stdout
    assert result.stdout.strip()


def test_quickstart_commands_do_what_the_readme_says(workspace):
    """`make chat` trains when the model is missing, then chats; `make test` is CI's entry."""
    block = SH_BLOCK.findall(section("Quickstart"))[0]
    shown = [line.partition("#")[0].strip() for line in block.splitlines()]
    assert shown == ["make chat", "make test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.M), ci
    test_steps = dry_run("test")
    assert any(" -m pytest" in s for s in test_steps) and any("ruff check" in s for s in test_steps)
    chat_steps = [s for s in dry_run("chat") if "chatcore " in s]
    assert [s.split("chatcore ", 1)[1] for s in chat_steps] == ["train --if-missing", "chat"]
    again = run_shell("chatcore train --if-missing", workspace)  # the non-interactive step
    assert again.returncode == 0 and "model already trained" in again.stdout, again.stderr


def dry_run(target: str) -> list[str]:
    """The recipe lines `make -n TARGET` would run (prerequisites assumed up to date)."""
    result = subprocess.run(
        ["make", "-n", "-o", "setup", "-o", ".venv/.installed", "-o", "services", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


# ---------------------------------------------------------------------------- --help, configs


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths += command_paths(command, (*prefix, name))
    return paths


@pytest.mark.parametrize("path", command_paths(build_cli()), ids=" ".join)
def test_every_subcommand_has_working_help(path, tmp_path):
    result = subprocess.run(
        ["chatcore", *path, "--help"],
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Usage: chatcore {' '.join(path)} ")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("config", sorted((ROOT / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_config_checks(config, tmp_path):
    result = subprocess.run(
        ["chatcore", "config", "check", str(config)],
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.rstrip().endswith(f"{config}: OK"), result.stderr
    assert DEFAULT_TOKEN.split(":")[1] not in result.stdout + result.stderr
