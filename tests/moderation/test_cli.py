"""``chatcore moderate`` in a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CHATCORE_CONFIG": ""}
    return subprocess.run(
        [sys.executable, "-m", "chatcore", "moderate", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_one_text():
    result = run("this is sh1t, man", "-f", "lexicon", "-f", "pii")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["action"] == "block" and data["categories"] == ["offensive"]
    assert data["masked"] == "this is ****, man"
    assert data["filters"][0]["filter"] == "lexicon"


def test_the_default_filters_read_meaning():
    hostile = json.loads(run("you stupid sh1t, nobody likes you").stdout)
    assert hostile["action"] == "block" and "offensive" in hostile["categories"]
    plain = json.loads(run("people like you will find out what happens, I know your street").stdout)
    assert plain["action"] == "block" and plain["filters"][0]["filter"] == "meaning"
    assert json.loads(run("what time do you open on sunday?").stdout)["action"] == "allow"


def test_stdin_one_json_object_per_line(tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("[spam]\nwidget\n", encoding="utf-8")
    config = tmp_path / "c.yaml"
    config.write_text(
        f"store: memory\nlexicon:\n  lists: [{words}]\n  actions: {{spam: flag}}\n",
        encoding="utf-8",
    )
    lines = "hello there\n\nmail me at bob@example.org\nbuy a w1dget\n傻逼\n"
    result = run("-", "-c", str(config), stdin=lines)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["action"] for r in rows] == ["allow", "mask", "flag", "block"]
    assert set(rows[0]) == {"text", "action", "categories", "masked", "filters"}
    assert rows[1]["masked"] == "mail me at ***************"
    assert rows[2]["categories"] == ["spam"] and rows[2]["masked"] == "buy a w1dget"
    assert rows[3]["text"] == "傻逼" and rows[3]["masked"] == "**"


def test_bad_list_is_a_readable_config_error(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("lexicon:\n  lists: [/nonexistent/words.txt]\n", encoding="utf-8")
    result = run("hi", "-c", str(config))
    assert result.returncode != 0
    assert "/nonexistent/words.txt" in result.stderr and "Traceback" not in result.stderr
    assert "c.yaml:1: lexicon: moderation list" in result.stderr


def test_list_paths_are_relative_to_the_config_file(tmp_path):
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "mine.txt").write_text("[spam]\nfrobnicate\n", encoding="utf-8")
    config = tmp_path / "bot.yaml"
    config.write_text("store: memory\nlexicon:\n  lists: [lists/mine.txt]\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "chatcore", "moderate", "frobnicate it", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["categories"] == ["spam"]


def test_decisions_are_in_chatcore_history_redacted(tmp_path):
    config = tmp_path / "bot.yaml"
    config.write_text(f"store: sqlite\nsqlite:\n  path: {tmp_path / 'c.db'}\n", encoding="utf-8")
    env = {**os.environ, "CHATCORE_HOME": str(tmp_path)}

    def chatcore(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "chatcore", *args, "-c", str(config)]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)

    asked = chatcore("ask", "you are a f.u.c.k.i.n.g idiot", "--chat", "c1")
    assert asked.returncode == 0, asked.stderr
    history = chatcore("history", "--chat", "ask:c1", "--json")
    assert history.returncode == 0, history.stderr
    (turn,) = json.loads(history.stdout)
    verdict = turn["verdicts"][0]
    assert verdict["filter"] == "lexicon" and verdict["action"] == "block"
    assert "f.u.c.k" not in history.stdout and "idiot" not in history.stdout
    assert turn["user_text"] == verdict["snippet"]


def test_a_text_over_the_engine_cap_is_checked_on_its_first_characters(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("store: memory\nengine:\n  max_message_chars: 12\n", encoding="utf-8")
    result = run("-", "-f", "lexicon", "-c", str(config), stdin="hello there sh1t\nshort sh1t\n")
    assert result.returncode == 0, result.stderr
    cut, whole = (json.loads(line) for line in result.stdout.splitlines())
    assert cut["action"] == "allow" and cut["truncated"] is True
    assert cut["text"] == "hello there " and "first 12 of 16 characters" in cut["note"]
    assert whole["action"] == "block" and "truncated" not in whole and "note" not in whole


def test_max_chars_option_sets_the_cap():
    text = "x" * 4500 + " sh1t"
    default = json.loads(run(text, "-f", "lexicon").stdout)
    assert default["truncated"] is True and default["action"] == "allow"
    assert "first 4000 of 4505 characters" in default["note"]
    wider = run(text, "-f", "lexicon", "--max-chars", "5000")
    assert wider.returncode == 0, wider.stderr
    assert json.loads(wider.stdout)["action"] == "block"
    assert run(text, "--max-chars", "0").returncode != 0


def test_eval_scores_the_filters_on_a_labelled_split(tmp_path):
    split = tmp_path / "split"
    split.mkdir()
    rows = [
        {"text": "you are a shithead", "label": "offensive", "category": "offensive"},
        {"text": "mail me at jane.doe@example.com", "label": "pii", "category": "email"},
        {"text": "what time do you open", "label": "clean", "category": "clean"},
        {"text": "my number is 42", "label": "pii", "category": "phone"},
    ]
    (split / "en.jsonl").write_text(
        "\n".join(json.dumps({**r, "evasion": "none"}) for r in rows), encoding="utf-8"
    )
    result = run("--eval", str(split), "-f", "lexicon", "-f", "pii")
    assert result.returncode == 0, result.stderr
    table = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[2:]}
    assert table["all"] == ["4", "66.7%", "0.0%", "100.0%", "50.0%"]
    assert table["en"] == table["all"]
    (split / "zh.jsonl").write_text("{not json\n", encoding="utf-8")
    broken = run("--eval", str(split))
    assert broken.returncode != 0 and "zh.jsonl:1" in broken.stderr
    both = run("some text", "--eval", str(split))
    assert both.returncode == 2 and "not both" in both.stderr
