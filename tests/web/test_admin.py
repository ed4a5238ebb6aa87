"""The operator console: login, sessions, CSRF, limits, and what its lists show."""

from __future__ import annotations

import csv
import io
import json

import pytest

from .conftest import PASSWORD
from .test_chat_socket import ask

XSS = ["<script>alert(1)</script>", '<img src=x onerror="alert(2)">']


def admin_routes(site) -> list[tuple[str, str]]:
    """Every console route the app has (methods and paths), with sample path values."""
    routes = []
    for route in site.server.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter", "")
        if not path.startswith("/admin") or path == "/admin/login" or route.method == "HEAD":
            continue
        path = path.replace("{chat_key}", "web%3Aabc").replace("{tail}", "anything")
        methods = ["GET", "POST", "DELETE"] if route.method == "*" else [route.method]
        routes.extend((method, path) for method in methods)
    return routes


async def test_every_console_route_and_api_needs_a_login(site):
    routes = admin_routes(site)
    paths = {path for _, path in routes}
    for expected in ("/admin", "/admin/api/conversations", "/admin/api/forget", "/admin/logout"):
        assert expected in paths
    for method, path in routes:
        response = await site.session.request(method, site.url(path), allow_redirects=False)
        if path == "/admin":
            assert response.status == 303 and response.headers["Location"] == "/admin/login"
        else:
            assert response.status == 401, (method, path)


async def test_login_sets_a_strict_http_only_session_cookie(site):
    response = await site.login()
    assert response.status == 303 and response.headers["Location"] == "/admin"
    cookie = response.cookies["chatcore_admin"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/admin"
    page = await site.session.get(site.url("/admin"))
    assert (
        page.status == 200 and "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    )
    assert (await site.session.get(site.url("/admin/api/conversations"))).status == 200


async def test_a_wrong_password_is_refused_and_the_login_form_needs_its_token(site):
    wrong = await site.login("not it")
    assert wrong.status == 401 and "Wrong password." in await wrong.text()
    forged = await site.session.post(
        site.url("/admin/login"), data={"password": PASSWORD}, allow_redirects=False
    )
    assert forged.status == 403  # no login token: a form posted from another site
    assert (await site.session.get(site.url("/admin/api/live"))).status == 401


async def test_wrong_passwords_are_rate_limited_even_before_the_right_one(make_site):
    site = await make_site(admin={"login_attempts": 3, "login_window_seconds": 600})
    for _ in range(3):
        assert (await site.login("guess")).status == 401
    blocked = await site.login(PASSWORD)
    assert blocked.status == 429 and int(blocked.headers["Retry-After"]) > 500
    assert "chatcore_admin" not in blocked.cookies


async def test_state_changes_need_the_sessions_csrf_token_and_no_foreign_origin(site):
    ws = await site.socket()
    token = (await site.hello(ws))["token"]
    await ask(site, ws, "c1", "forget me")
    chat_key = f"web:{token.split('.')[0]}"
    body = {"chat_key": chat_key, "user_id": token.split(".")[0]}
    await site.login()
    csrf = await site.csrf()
    forget = site.url("/admin/api/forget")
    assert (await site.session.post(forget, json=body)).status == 403
    assert (await site.session.post(forget, json=body, headers={"X-CSRF-Token": "x"})).status == 403
    foreign = {"X-CSRF-Token": csrf, "Origin": "http://evil.example"}
    assert (await site.session.post(forget, json=body, headers=foreign)).status == 403
    assert await site.engine.store.all_turns(chat_key)  # nothing deleted so far
    done = await site.session.post(forget, json=body, headers={"X-CSRF-Token": csrf})
    assert (await done.json()) == {"deleted": 1}
    logout = site.url("/admin/logout")
    assert (await site.session.post(logout)).status == 403
    assert (await site.session.post(logout, headers={"X-CSRF-Token": csrf})).status == 204
    assert (await site.session.get(site.url("/admin/api/live"))).status == 401


async def test_conversations_are_searched_by_text_user_and_date_and_exported(site):
    sockets = {}
    for name in ("alice", "bob"):
        ws = await site.socket()
        sockets[name] = (ws, (await site.hello(ws))["token"].split(".")[0])
        await ask(site, ws, f"{name}-1", f"{name} asks about parcels")
    await ask(site, sockets["bob"][0], "bob-2", "*" + XSS[0])
    await site.login()

    async def search(**query):
        response = await site.session.get(site.url("/admin/api/conversations"), params=query)
        return [item["user_id"] for item in (await response.json())["items"]]

    alice, bob = sockets["alice"][1], sockets["bob"][1]
    assert set(await search(q="PARCELS")) == {alice, bob}
    assert await search(q="alice asks") == [alice]
    assert await search(user=bob[:10]) == [bob]
    assert await search(since="2000-01-01", until="2000-01-02") == []
    assert len(await search(since="2000-01-01")) == 2
    bad = await site.session.get(site.url("/admin/api/conversations"), params={"since": "soon"})
    assert bad.status == 400
    opened = await site.session.get(site.url(f"/admin/api/conversations/web%3A{bob}"))
    turns = (await opened.json())["turns"]
    assert [t["user"] for t in turns] == ["bob asks about parcels", "*" + XSS[0]]
    exported = await site.session.get(
        site.url("/admin/api/conversations"), params={"q": "parcels", "format": "csv"}
    )
    assert exported.headers["Content-Disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(await exported.text())))
    defused = {f"'{i}" if i.startswith("-") else i for i in (alice, bob)}  # ids may start "-"
    assert {r["user_id"] for r in rows} == defused
    lines = await site.session.get(
        site.url(f"/admin/api/conversations/web%3A{bob}"), params={"format": "jsonl"}
    )
    assert [json.loads(line)["user"] for line in (await lines.text()).splitlines()][1] == (
        "*" + XSS[0]
    )


async def test_csv_export_defuses_spreadsheet_formulas(site):
    ws = await site.socket()
    await site.hello(ws)
    await ask(site, ws, "f1", "=HYPERLINK(1)")
    await site.login()
    exported = await site.session.get(
        site.url("/admin/api/conversations"), params={"format": "csv"}
    )
    (row,) = csv.DictReader(io.StringIO(await exported.text()))
    assert row["last_user"] == "'=HYPERLINK(1)"


async def test_unanswered_questions_are_grouped_with_counts(site):
    ws = await site.socket()
    await site.hello(ws)
    asked = [
        "dunno how do I reset my password",
        "dunno how do I reset my password?",
        "dunno How can I reset my password",
        "dunno 怎么修改密码",
        "dunno 怎么修改密码？",
        "where is my parcel",  # answered: not listed
    ]
    for n, text in enumerate(asked):
        await ask(site, ws, f"u{n}", text)
    await site.login()
    groups = (await (await site.session.get(site.url("/admin/api/unanswered"))).json())["groups"]
    assert [(g["count"], len(g["questions"])) for g in groups] == [(3, 3), (2, 2)]
    assert all("parcel" not in q for g in groups for q in g["questions"])


async def test_moderation_log_shows_what_was_blocked_or_masked_without_the_raw_text(site):
    ws = await site.socket()
    await site.hello(ws)
    await ask(site, ws, "m1", "mail me at jane.doe@example.com please")
    await ask(site, ws, "m2", "you are a fucking idiot")
    await site.login()
    items = (await (await site.session.get(site.url("/admin/api/moderation"))).json())["items"]
    by_action = {item["action"]: item for item in items}
    assert by_action["mask"]["stage"] == "input" and by_action["mask"]["filter"] == "pii"
    assert "jane.doe@example.com" not in json.dumps(items)
    assert by_action["block"]["filter"] == "lexicon" and "fucking" not in by_action["block"]["text"]


async def test_live_numbers_count_messages_fallbacks_and_latency(site):
    ws = await site.socket()
    await site.hello(ws)
    for n, text in enumerate(["one", "two", "dunno three", "four"]):
        await ask(site, ws, f"l{n}", text)
    await site.login()
    live = await (await site.session.get(site.url("/admin/api/live"))).json()
    assert live["messages"] == 4 and live["messages_per_minute"] == 4.0
    assert live["fallback_rate"] == 0.25 and live["latency_p95_ms"] > 0
    assert sum(m["messages"] for m in live["per_minute"]) == 4


async def test_the_model_card_says_when_there_is_no_model(site):
    await site.login()
    card = await (await site.session.get(site.url("/admin/api/model"))).json()
    assert card == {"available": False, "reason": "no qa responder is configured"}


async def test_without_a_password_there_is_no_console(make_site):
    site = await make_site(password=None)
    for path in ("/admin", "/admin/login", "/admin/api/conversations"):
        response = await site.session.get(site.url(path), allow_redirects=False)
        assert response.status == 404 and "CHATCORE_WEB_ADMIN_PASSWORD" in await response.text()


@pytest.mark.parametrize("path", ["/", "/admin/login"])
async def test_pages_forbid_inline_scripts(site, path):
    response = await site.session.get(site.url(path))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
