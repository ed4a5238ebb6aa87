"""The web section is checked like every other one, and the shipped config is valid."""

from __future__ import annotations

from pathlib import Path

from chatcore.builtin.web.security import check_password
from tests.core.test_cli import run

ROOT = Path(__file__).resolve().parents[2]


def test_a_wrong_web_key_names_the_file_line_and_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "frontend: web\nweb:\n  port: 8080\n  widget:\n    colors:\n      accent: blue\n"
        "  allowed_origin: [https://shop.example]\n",
        encoding="utf-8",
    )
    result = run("config", "check", str(bad), cwd=tmp_path)
    assert result.returncode == 2
    assert f"{bad}:6: web.widget.colors.accent: value error, a color is #rgb or #rrggbb" in (
        result.stderr
    )
    assert f"{bad}:7: web.allowed_origin: unknown key (did you mean allowed_origins?)" in (
        result.stderr
    )


def test_the_shipped_web_config_is_valid_and_keeps_the_password_masked(tmp_path):
    result = run(
        "config",
        "check",
        str(ROOT / "configs" / "web.yaml"),
        env={"CHATCORE_WEB_ADMIN_PASSWORD": "hunter2-hunter2"},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "hunter2" not in result.stdout and "frontend: web" in result.stdout


def test_hash_password_prints_a_hash_of_a_piped_password(tmp_path):
    result = run("web", "hash-password", stdin="long enough\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    stored = result.stdout.strip()
    assert check_password("long enough", stored) and "long enough" not in stored
    short = run("web", "hash-password", stdin="short\n", cwd=tmp_path)
    assert short.returncode == 2 and "at least 8 characters" in short.stderr
