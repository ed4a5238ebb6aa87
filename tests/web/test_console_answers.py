"""The console's "Taught answers": list, edit, delete, undo and the history, as ``chatcore
answers`` does them, on a real SQLite taught log handed to the console (no model needed: the
webecho responder answers the chats, the log is what is under test)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from chatcore.builtin.qa.teach.log import Change, Knowledge, SqliteTaughtLog, answer_target
from chatcore.testing import make_runtime

from .conftest import PASSWORD, Site, echo_plugin, web_config

MODEL_ANSWER = "We open at 9."  # a model answer an operator edited with chatcore answers edit


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    """The web site with its console, whose taught log is an SQLite file (``site.log_path``)."""
    runtime = make_runtime(
        web_config(tmp_path / "data", admin_password="${ADMIN_PASSWORD}"),
        plugins=[("webecho", echo_plugin)],
        environ={"ADMIN_PASSWORD": PASSWORD},
    )
    engine = runtime.build_engine()
    await engine.start()
    frontend = runtime.build_frontend("web")
    frontend.taught_log = SqliteTaughtLog(tmp_path / "taught.sqlite3")
    server = TestServer(frontend.app(engine), host="127.0.0.1")
    await server.start_server()
    jar = aiohttp.CookieJar(unsafe=True)
    opened = Site(server, aiohttp.ClientSession(cookie_jar=jar), frontend, engine)
    opened.log_path = tmp_path / "taught.sqlite3"  # type: ignore[attr-defined]
    try:
        await opened.login()
        yield opened
    finally:
        await opened.session.close()
        await server.close()
        await engine.stop()


async def post(site: Site, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST to a console API with the session's CSRF token: (status, JSON body)."""
    headers = {"X-CSRF-Token": await site.csrf()}
    response = await site.session.post(site.url(f"/admin/api/{path}"), json=body, headers=headers)
    return response.status, await response.json()


async def listed(site: Site) -> dict[str, dict[str, Any]]:
    response = await site.session.get(site.url("/admin/api/answers"))
    assert response.status == 200, await response.text()
    return {item["target"]: item for item in (await response.json())["items"]}


async def history(site: Site) -> list[dict[str, Any]]:
    response = await site.session.get(site.url("/admin/api/answers/history"))
    assert response.status == 200, await response.text()
    return (await response.json())["items"]


async def teach(site: Site, question: str, answer: str) -> tuple[str, int]:
    status, body = await post(site, "teach", {"question": question, "answer": answer})
    assert status == 200, body
    return body["target"], body["change"]


def folded(site: Site) -> Knowledge:
    """What a bot of the deployment (another process, its own connection) knows now."""
    other = SqliteTaughtLog(site.log_path)  # type: ignore[attr-defined]
    try:
        return Knowledge.fold(other.since(0))
    finally:
        other.close()


async def test_a_taught_answer_is_listed_and_edited_and_the_history_says_by_whom(site):
    target, taught = await teach(site, "when does the shop open", "At nine.")
    item = (await listed(site))[target]
    assert item["state"] == "taught" and item["questions"] == ["when does the shop open"]
    assert item["answer"] == "At nine." and item["original"] is None
    assert item["changed_by"] == "console" and item["changed_at"] > 0
    status, edited = await post(site, "answers/edit", {"target": target, "answer": " At ten. "})
    assert status == 200 and edited["target"] == target and edited["change"] > taught
    assert (await listed(site))[target]["answer"] == "At ten."
    assert folded(site).items[target].answer == "At ten."  # what every bot follows
    changes = await history(site)
    assert [(c["seq"], c["op"], c["who"]) for c in changes] == [
        (edited["change"], "edit", "console"),
        (taught, "add", "console"),
    ]
    assert all(c["in_force"] for c in changes) and changes[0]["answer"] == "At ten."


async def test_an_edit_the_output_filters_would_block_is_refused_and_changes_nothing(site):
    target, _ = await teach(site, "say something rude", "No.")
    before = await history(site)
    status, body = await post(
        site, "answers/edit", {"target": target, "answer": "you fucking idiot"}
    )
    assert status == 422 and "lexicon filter would block" in body["error"]
    assert (await listed(site))[target]["answer"] == "No."
    assert await history(site) == before


async def test_delete_then_undo_restores_and_the_same_undo_twice_is_refused(site):
    target, _ = await teach(site, "where is the shop", "On Main Street.")
    status, deleted = await post(site, "answers/delete", {"target": target})
    assert status == 200
    assert (await listed(site))[target]["state"] == "deleted"
    assert not folded(site).taught()  # the bots no longer give it
    again = await post(site, "answers/delete", {"target": target})
    assert again[0] == 409 and "deleted already" in again[1]["error"]
    status, undone = await post(site, "answers/undo", {"change": deleted["change"]})
    assert status == 200 and undone["undoes"] == deleted["change"]
    item = (await listed(site))[target]
    assert item["state"] == "taught" and item["answer"] == "On Main Street."
    changes = {c["seq"]: c for c in await history(site)}
    assert not changes[deleted["change"]]["in_force"]  # undone
    assert changes[undone["change"]]["op"] == "undo" and not changes[undone["change"]]["in_force"]
    twice = await post(site, "answers/undo", {"change": deleted["change"]})
    assert twice[0] == 409 and "not one in force" in twice[1]["error"]
    assert len(await history(site)) == len(changes)  # the refused undo appended nothing


async def test_undo_without_a_number_takes_back_the_last_change_in_force(site):
    nothing = await post(site, "answers/undo", {})
    assert nothing == (409, {"error": "nothing to undo"})
    first, _ = await teach(site, "first question", "First.")
    second, _ = await teach(site, "second question", "Second.")
    status, undone = await post(site, "answers/undo", {"change": None})
    assert status == 200 and undone["target"] == second
    assert list(await listed(site)) == [first]  # an item whose add was undone is not listed


async def test_unknown_targets_empty_answers_and_bad_numbers_are_refused(site):
    target, _ = await teach(site, "a question", "An answer.")
    for path, body in (
        ("answers/edit", {"target": "taught:00000000", "answer": "x"}),
        ("answers/edit", {"target": answer_target("never edited"), "answer": "x"}),
        ("answers/delete", {"target": "taught:00000000"}),
    ):
        status, error = await post(site, path, body)
        assert status == 404 and body["target"] in error["error"]
    assert (await post(site, "answers/edit", {"target": target, "answer": "  "}))[0] == 400
    assert (await post(site, "answers/edit", {"target": target}))[0] == 400
    assert (await post(site, "answers/delete", {}))[0] == 400
    assert (await post(site, "answers/undo", {"change": "1"}))[0] == 400
    assert (await post(site, "answers/undo", {"change": True}))[0] == 400
    assert (await post(site, "answers/undo", {"change": 999}))[0] == 409
    assert len(await history(site)) == 1


async def test_taught_answers_need_a_session_and_their_changes_the_csrf_token(site):
    target, _ = await teach(site, "a question", "An answer.")
    body = {"target": target}
    delete = site.url("/admin/api/answers/delete")
    assert (await site.session.post(delete, json=body)).status == 403  # no CSRF token
    foreign = {"X-CSRF-Token": await site.csrf(), "Origin": "http://evil.example"}
    assert (await site.session.post(delete, json=body, headers=foreign)).status == 403
    site.session.cookie_jar.clear()  # logged out
    for path in ("answers", "answers/history"):
        assert (await site.session.get(site.url(f"/admin/api/{path}"))).status == 401
    for path in ("answers/edit", "answers/delete", "answers/undo"):
        response = await site.session.post(site.url(f"/admin/api/{path}"), json=body)
        assert response.status == 401
    assert not folded(site).items[target].deleted


async def test_changes_made_with_chatcore_answers_show_and_keep_the_model_answer(site):
    cli = SqliteTaughtLog(site.log_path)  # as `chatcore answers` appends, from another process
    edited, deleted = answer_target(MODEL_ANSWER), answer_target("Ask a person.")
    try:
        cli.append(Change("add", "taught:0c11c11c", "opening hours", "9 to 5.", who="alice"))
        first_edit = cli.append(
            Change("edit", edited, answer="9 to 6.", original=MODEL_ANSWER, who="alice")
        )
        cli.append(Change("delete", deleted, original="Ask a person.", who="alice"))
    finally:
        cli.close()
    items = await listed(site)
    assert [(i["state"], i["changed_by"]) for i in items.values()] == [
        ("taught", "alice"),
        ("edited", "alice"),
        ("deleted", "alice"),
    ]
    assert items[edited]["original"] == MODEL_ANSWER and items[edited]["questions"] == []
    assert [c["who"] for c in await history(site)] == ["alice"] * 3
    status, _ = await post(site, "answers/edit", {"target": edited, "answer": "9 to 7."})
    assert status == 200
    # the console's edit names the model answer too: undoing the first edit leaves it known
    assert (await post(site, "answers/undo", {"change": first_edit}))[0] == 200
    item = (await listed(site))[edited]
    assert item["state"] == "edited" and item["answer"] == "9 to 7."
    assert folded(site).override(MODEL_ANSWER).answer == "9 to 7."  # type: ignore[union-attr]


async def test_taught_answers_and_their_history_export_as_csv_and_jsonl(site):
    target, _ = await teach(site, "=cmd|' /C calc'!A0", "An answer.")
    await post(site, "answers/edit", {"target": target, "answer": "Another."})
    exported = await site.session.get(site.url("/admin/api/answers"), params={"format": "csv"})
    assert exported.headers["Content-Disposition"].endswith('answers.csv"')
    (row,) = csv.DictReader(io.StringIO(await exported.text()))
    assert row["target"] == target and row["answer"] == "Another."
    assert json.loads(row["questions"]) == ["=cmd|' /C calc'!A0"]  # a JSON cell: defused as a whole
    lines = await site.session.get(
        site.url("/admin/api/answers/history"), params={"format": "jsonl"}
    )
    assert lines.headers["Content-Disposition"].endswith('answers-history.jsonl"')
    ops = [json.loads(line)["op"] for line in (await lines.text()).splitlines()]
    assert ops == ["edit", "add"]


async def test_a_taught_log_that_fails_is_said_not_a_crash(site):
    target, _ = await teach(site, "a question", "An answer.")
    site.frontend.taught_log.close()  # as a file gone bad would fail
    status, body = await post(site, "answers/delete", {"target": target})
    assert status == 503 and "taught.sqlite3" in body["error"]
    response = await site.session.get(site.url("/admin/api/answers"))
    assert response.status == 501 and "taught.sqlite3" in (await response.json())["error"]


async def test_without_a_qa_model_there_are_no_taught_answers(make_site):
    plain = await make_site()  # the webecho responder only: no taught log
    await plain.login()
    for path in ("answers", "answers/history"):
        response = await plain.session.get(plain.url(f"/admin/api/{path}"))
        assert response.status == 404 and "no qa model" in (await response.json())["error"]
    status, body = await post(plain, "answers/undo", {})
    assert status == 404 and "no qa model" in body["error"]


@pytest.mark.slow  # a headless Chromium: a few seconds
async def test_browser_the_taught_answers_tab_edits_deletes_and_undoes_by_keyboard(site):
    """The tab in Debian's Chromium (Playwright, in this event loop): an edit the filters
    refuse stays in its box, a saved one shows, Delete asks first, Undo brings it back, and
    texts stay text."""
    from playwright.async_api import async_playwright, expect

    from chatcore.testing.chromium import launch

    from .browser import TIMEOUT_MS, artifact

    target, _ = await teach(site, "<img src=x onerror=window.pwned=1>", "At nine.")
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        page = await browser.new_page(locale="en-US")
        page.set_default_timeout(TIMEOUT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
        try:
            await page.goto(site.url("/admin"))
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Log in").click()
            await page.get_by_role("link", name="Taught answers").click()
            item = page.locator("#answers-list > li")
            await expect(item).to_have_count(1)
            await expect(item).to_contain_text("<img src=x onerror=window.pwned=1>")
            result = page.locator("#answers-result")
            edit = item.get_by_role("button", name="Edit")
            await edit.focus()
            await page.keyboard.press("Enter")
            box = item.get_by_label(f"New answer for {target}")
            await expect(box).to_be_focused()
            await box.fill("you fucking idiot")
            await page.keyboard.press("Control+Enter")
            await expect(result).to_contain_text("lexicon filter would block")
            await expect(box).to_be_focused()
            await expect(box).to_have_value("you fucking idiot")  # to correct, not to retype
            await page.keyboard.press("Escape")
            await expect(edit).to_be_focused()
            await page.keyboard.press("Enter")
            await box.fill("At ten.")
            await page.keyboard.press("Control+Enter")
            await expect(result).to_have_text(f"{target}: answer saved.")
            await expect(item).to_contain_text("At ten.")
            await expect(page.locator("#history-list tr").first).to_contain_text("console")
            await item.get_by_role("button", name="Delete").click()
            await expect(item.locator(".badge")).to_have_text("deleted")
            delete_seq = (await history(site))[0]["seq"]
            await page.get_by_role("button", name=f"Undo change {delete_seq}").click()
            await expect(result).to_have_text(
                f"Change {delete_seq} undone (as change {delete_seq + 1})."
            )
            await expect(item.locator(".badge")).to_have_text("taught")
            await expect(page.locator("#h-answers-history")).to_be_focused()
            await page.screenshot(path=artifact("console-answers.png"), full_page=True)
            assert await page.evaluate("window.pwned") is None and errors == []
        finally:
            await browser.close()
