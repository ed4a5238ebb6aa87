/* chatcore operator console (admin.html): hash-routed views over the /admin/api JSON.
 * Every text from the API goes into the DOM as text (h() below appends strings as text nodes),
 * never as markup: chat messages are whatever strangers typed. */
(() => {
  "use strict";

  let csrf = "";
  let liveTimer = 0;
  let moved = false; // focus follows navigation, but not on the first load
  const baseTitle = document.title;
  const $ = (sel, root = document) => root.querySelector(sel);

  /* ---------- DOM helpers ---------- */

  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    append(e, kids);
    return e;
  }

  function append(e, kids) {
    for (const kid of kids.flat(Infinity)) {
      if (kid != null && kid !== false) e.append(kid instanceof Node ? kid : String(kid));
    }
    return e;
  }

  const NS = "http://www.w3.org/2000/svg";
  function s(tag, attrs, ...kids) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return append(e, kids);
  }

  let uid = 0;
  const newId = (p) => `${p}-${++uid}`;

  /* ---------- formatting ---------- */

  function when(v) {
    if (v == null || v === "") return "—";
    const d = typeof v === "number" ? new Date(v * 1000) : new Date(v);
    return Number.isNaN(d.getTime()) ? String(v) : d.toLocaleString();
  }

  function num(v, digits = 3) {
    if (typeof v !== "number") return v == null ? "—" : String(v);
    return Number.isInteger(v) ? v.toLocaleString() : String(+v.toFixed(digits));
  }

  const label = (key) => key.replace(/[_.]+/g, " ").replace(/^./, (c) => c.toUpperCase());
  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
  const chatLink = (key) => h("a", { href: "#conversation/" + encodeURIComponent(key) }, key);

  // Nested report -> [["lstm accuracy", 0.9], ...] for a definition list.
  function flatten(obj, prefix = "", out = []) {
    for (const [k, v] of Object.entries(obj || {})) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === "object" && !Array.isArray(v)) flatten(v, key, out);
      else out.push([key, Array.isArray(v) ? v.map((x) => num(x)).join(", ") : v]);
    }
    return out;
  }

  const dl = (pairs) =>
    h("dl", { class: "pairs" }, pairs.map(([k, v]) => [h("dt", {}, label(k)), h("dd", {}, num(v))]));

  /* ---------- talking to the server ---------- */

  async function api(url, { method = "GET", body } = {}) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRF-Token"] = csrf;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 401) {
      location.assign("/admin/login");
      throw new Error("Your session ended; please log in again.");
    }
    const data = res.status === 204 ? null : await res.json().catch(() => null);
    if (!res.ok) {
      const error = new Error((data && data.error) || `${res.status} ${res.statusText}`);
      error.status = res.status;
      throw error;
    }
    return data;
  }

  const setStatus = (section, text) => { $(".status", section).textContent = text; };

  // GET with the view's status line saying what is going on; null when it failed or when a
  // newer load of the same view (a second click, a quick back and forth) replaced it.
  const latest = new WeakMap();
  async function load(section, url, quiet = false) {
    const n = (latest.get(section) || 0) + 1;
    latest.set(section, n);
    if (!quiet) setStatus(section, "Loading…");
    section.setAttribute("aria-busy", "true");
    let data = null, error = null;
    try {
      data = await api(url);
    } catch (err) {
      error = err;
    }
    if (latest.get(section) !== n) return null;
    section.removeAttribute("aria-busy");
    if (error) setStatus(section, "Could not load: " + error.message);
    else if (!quiet) setStatus(section, "");
    return error ? null : data;
  }

  /* ---------- lists: conversations, unanswered, moderation ---------- */

  const LISTS = {
    conversations: { key: "items", row: conversationRow, empty: "No conversations found.", noun: ["conversation", "conversations"] },
    unanswered: { key: "groups", row: unansweredRow, empty: "No unanswered questions.", noun: ["group", "groups"] },
    moderation: { key: "items", row: moderationRow, empty: "Nothing was blocked, masked or flagged.", noun: ["decision", "decisions"] },
  };

  async function showList(name) {
    const list = LISTS[name];
    const section = $("#view-" + name);
    const endpoint = "/admin/api/" + name;
    const params = new URLSearchParams();
    for (const [k, v] of new FormData($("form", section))) {
      if (String(v).trim()) params.set(k, String(v).trim());
    }
    setExports(section, endpoint, params);
    const query = String(params);
    const data = await load(section, endpoint + (query ? "?" + query : ""));
    if (!data) return;
    const rows = Array.isArray(data[list.key]) ? data[list.key] : [];
    const tbody = $("tbody", section);
    const cols = $("thead tr", section).children.length;
    tbody.replaceChildren(
      ...(rows.length ? rows.map(list.row) : [h("tr", {}, h("td", { colspan: cols, class: "empty" }, list.empty))]),
    );
    setStatus(section, plural(rows.length, ...list.noun) + ".");
  }

  // The export links carry the filters of what is shown.
  function setExports(section, endpoint, params) {
    for (const a of section.querySelectorAll("a[data-export]")) {
      const p = new URLSearchParams(params);
      p.set("format", a.dataset.export);
      a.href = endpoint + "?" + p;
    }
  }

  function conversationRow(c) {
    const href = "#conversation/" + encodeURIComponent(c.chat_key);
    const tr = h(
      "tr",
      { class: "clickable" },
      h("td", {}, h("a", { href }, c.chat_key)),
      h("td", {}, c.channel),
      h("td", { class: "mono" }, c.user_id),
      h("td", { class: "num" }, num(c.turns)),
      h("td", { class: "nowrap" }, when(c.first_at)),
      h("td", { class: "nowrap" }, when(c.last_at)),
      h("td", { class: "exchange" },
        h("span", { class: "said-user" }, h("span", { class: "who" }, "User: "), c.last_user),
        h("span", { class: "said-bot" }, h("span", { class: "who" }, "Bot: "), c.last_bot)),
    );
    // The whole row opens the chat (the link in it is there for keyboards), unless text was
    // being selected.
    tr.addEventListener("click", (e) => {
      if (!e.target.closest("a") && !String(getSelection())) location.hash = href;
    });
    return tr;
  }

  function unansweredRow(g) {
    const questions = Array.isArray(g.questions) ? g.questions : [];
    const chats = Array.isArray(g.chat_keys) ? g.chat_keys : [];
    return h(
      "tr",
      {},
      h("td", { class: "num" }, num(g.count)),
      h("td", {}, g.example),
      h("td", {},
        h("details", {},
          h("summary", {}, plural(questions.length, "wording", "wordings"), ", ", plural(chats.length, "chat", "chats")),
          h("ul", { class: "variants" }, questions.map((q) => h("li", {}, q))),
          chats.length ? h("p", { class: "chats" }, "Chats: ", chats.map((k, i) => [i ? ", " : "", chatLink(k)])) : null)),
      h("td", { class: "nowrap" }, when(g.last_at)),
      h("td", {}, teachForm(g.example)),
    );
  }

  // Teach an answer to an unanswered question: running bots answer it within a second
  // (POST /admin/api/teach appends to the taught log; chatcore answers undo takes it back).
  function teachForm(question) {
    const n = ++uid;
    const result = h("p", { class: "teach-result", role: "status" });
    const q = h("input", { id: `teach-q-${n}`, name: "question", required: true });
    q.value = question || "";
    const a = h("textarea", { id: `teach-a-${n}`, name: "answer", rows: "3", required: true });
    const form = h("form", { class: "teach" },
      h("p", {}, h("label", { for: q.id }, "Question"), q),
      h("p", {}, h("label", { for: a.id }, "Answer"), a),
      h("p", {}, h("button", { type: "submit" }, "Teach")),
      result);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      result.textContent = "Teaching…";
      try {
        const done = await api("/admin/api/teach", {
          method: "POST",
          body: { question: q.value, answer: a.value },
        });
        result.textContent = `Taught as ${done.target} (change ${done.change}).`;
      } catch (error) {
        result.textContent = error.message;
      }
    });
    return h("details", {}, h("summary", {}, "Teach an answer"), form);
  }

  function moderationRow(m) {
    return h(
      "tr",
      {},
      h("td", { class: "nowrap" }, when(m.at)),
      h("td", {}, m.stage),
      h("td", {}, h("span", { class: "badge " + badge(m.action) }, m.action)),
      h("td", {}, m.filter),
      h("td", {}, m.category),
      h("td", {}, m.chat_key ? chatLink(m.chat_key) : "—"),
      h("td", { class: "mono" }, m.user_id),
      h("td", { class: "text" }, m.text),
    );
  }

  const badge = (action) => (["block", "mask", "flag"].includes(action) ? "badge-" + action : "");

  /* ---------- taught answers (chatcore answers, from the browser) ---------- */

  const STATE_TEXT = {
    taught: "taught",
    edited: "model answer edited",
    deleted: "deleted",
  };
  const OP_TEXT = { add: "taught", question: "question added", edit: "edited", delete: "deleted", undo: "undo" };

  // Both lists; ``focus`` (if given) runs once they are drawn, to put the focus back where
  // the operator was (the lists are redrawn, so the focused button is gone).
  async function showAnswers(focus) {
    const [items, history] = await Promise.all([
      load($("#answers-now"), "/admin/api/answers"),
      load($("#answers-history"), "/admin/api/answers/history"),
    ]);
    if (items) drawAnswers(Array.isArray(items.items) ? items.items : []);
    if (history) drawHistory(Array.isArray(history.items) ? history.items : []);
    if (focus) focus();
  }

  function drawAnswers(items) {
    const list = $("#answers-list");
    list.replaceChildren(...(items.length
      ? items.map(answerItem)
      : [h("li", { class: "empty" }, "Nothing taught yet: teach an answer from the Unanswered list, or with chatcore teach.")]));
    setStatus($("#answers-now"), plural(items.length, "answer", "answers") + ".");
  }

  function answerItem(item) {
    const n = ++uid;
    const state = STATE_TEXT[item.state] ? item.state : "taught";
    const model = !String(item.target).startsWith("taught:");
    const questions = Array.isArray(item.questions) ? item.questions : [];
    const headId = `answer-head-${n}`;
    const form = editForm(item, n);
    const edit = h("button", {
      type: "button", class: "secondary", "data-edit": item.target,
      "aria-expanded": "false", "aria-controls": form.id, "aria-describedby": headId,
    }, "Edit");
    edit.addEventListener("click", () => openEdit(form, edit, true));
    form.opener = edit;
    const remove = state === "deleted" ? null : h("button", {
      type: "button", class: "danger", "aria-describedby": headId,
      onclick: (e) => deleteAnswer(item, e.currentTarget),
    }, "Delete");
    return h("li", { class: "answer-item is-" + state },
      h("p", { class: "answer-head", id: headId },
        h("span", { class: "badge badge-" + state }, STATE_TEXT[state]), " ",
        h("code", {}, item.target),
        h("span", { class: "meta" }, ` · by ${item.changed_by || "—"}, ${when(item.changed_at)}`)),
      model
        ? said("The model's answer", item.original || "—")
        : said(questions.length === 1 ? "Question" : "Questions",
          h("ul", { class: "variants" }, questions.map((q) => h("li", {}, q)))),
      state === "deleted"
        ? said("Answer", h("span", { class: "none" }, "deleted: its questions get the fallback"))
        : said(model ? "Now answered" : "Answer", item.answer),
      h("p", { class: "actions" }, edit, remove),
      form);
  }

  const said = (who, what) => h("div", { class: "said" }, h("span", { class: "who" }, who), h("div", {}, what));

  // The inline editor: a textarea with the answer, Save and Cancel (Escape cancels,
  // Ctrl+Enter saves). A refused answer stays in it, to be corrected.
  function editForm(item, n) {
    const box = h("textarea", { id: `answer-text-${n}`, name: "answer", rows: "3", required: true, "aria-describedby": `answer-keys-${n}` });
    const form = h("form", { class: "reply answer-edit", id: `answer-edit-${n}`, hidden: true },
      h("p", {}, h("label", { for: box.id }, "New answer for ", h("code", {}, item.target)), box),
      h("p", { class: "hint", id: `answer-keys-${n}` }, "Ctrl+Enter saves, Escape cancels. Moderation checks the answer first."),
      h("p", { class: "reply-actions" },
        h("button", { type: "submit" }, "Save"),
        h("button", { type: "button", class: "secondary", onclick: () => openEdit(form, form.opener, false) }, "Cancel")));
    box.value = item.answer || "";
    box.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        openEdit(form, form.opener, false);
      } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!box.value.trim()) {
        say("Write the new answer first.");
        box.focus();
        return;
      }
      const done = await answersChange("edit", { target: item.target, answer: box.value },
        "Saving…", () => `${item.target}: answer saved.`, form.querySelectorAll("button, textarea"));
      if (done) await showAnswers(() => focusEdit(item.target));
      else box.focus();
    });
    return form;
  }

  function openEdit(form, opener, open) {
    form.hidden = !open;
    opener.setAttribute("aria-expanded", String(open));
    if (open) $("textarea", form).focus();
    else opener.focus();
  }

  function focusEdit(target) {
    for (const b of document.querySelectorAll("#answers-list button[data-edit]")) {
      if (b.dataset.edit === target) return b.focus();
    }
    $("#answers-result").focus();
  }

  async function deleteAnswer(item, button) {
    const what = item.target.startsWith("taught:") ? "This taught answer" : "The model's answer";
    if (!confirm(`Delete ${item.target}? ${what} is then no longer given: its questions get the fallback. Undo in the history brings it back.`)) return;
    const done = await answersChange("delete", { target: item.target }, "Deleting…",
      () => `${item.target}: deleted.`, [button]);
    if (done) await showAnswers(() => focusEdit(item.target));
  }

  function drawHistory(changes) {
    const cols = $("#answers-history thead tr").children.length;
    $("#history-list").replaceChildren(...(changes.length
      ? changes.map(historyRow)
      : [h("tr", {}, h("td", { colspan: cols, class: "empty" }, "No changes yet."))]));
    setStatus($("#answers-history"), plural(changes.length, "change", "changes") + ".");
  }

  function historyRow(c) {
    const details = [
      c.question ? h("span", { class: "said-user" }, h("span", { class: "who" }, "Q: "), c.question) : null,
      c.answer ? h("span", { class: "said-bot" }, h("span", { class: "who" }, "A: "), c.answer) : null,
      c.original && c.op !== "add" ? h("span", {}, h("span", { class: "who" }, "The model's answer: "), c.original) : null,
      c.op === "undo" ? `takes back change ${c.undoes}` : null,
    ];
    let standing = h("span", { class: "none" }, c.op === "undo" ? "—" : "undone");
    if (c.in_force) {
      standing = h("button", { type: "button", class: "secondary", "aria-label": `Undo change ${c.seq}` }, "Undo");
      standing.addEventListener("click", () => undoChange(c.seq, standing));
    }
    return h("tr", { class: c.in_force ? "" : "is-past" },
      h("td", { class: "num" }, c.seq),
      h("td", { class: "nowrap" }, when(c.at)),
      h("td", {}, c.who),
      h("td", {}, OP_TEXT[c.op] || c.op),
      h("td", {}, h("code", {}, c.target)),
      h("td", { class: "text history-details" }, details),
      h("td", {}, standing));
  }

  async function undoChange(seq, button) {
    const done = await answersChange("undo", { change: seq }, `Undoing change ${seq}…`,
      (d) => `Change ${d.undoes} undone (as change ${d.change}).`, [button]);
    if (done) await showAnswers(() => $("#h-answers-history").focus());
  }

  const say = (text) => { $("#answers-result").textContent = text; };

  // A POST of the taught answers; what came of it (or why not: moderation, gone, already
  // undone) in the panel's result line. The data, or null when it was refused. A change
  // refused because the lists are out of date (someone else changed them) redraws them.
  async function answersChange(action, body, doing, done, controls) {
    for (const c of controls) c.disabled = true;
    say(doing);
    try {
      const data = await api("/admin/api/answers/" + action, { method: "POST", body });
      say(done(data));
      return data;
    } catch (error) {
      say("Not done: " + error.message);
      for (const c of controls) c.disabled = false;
      if (error.status === 404 || error.status === 409) await showAnswers(() => $("#answers-result").focus());
      return null;
    }
  }

  /* ---------- one conversation ---------- */

  async function showConversation(key) {
    const section = $("#view-conversation");
    const transcript = $("#transcript");
    const actions = $("#conv-actions");
    $("#conv-key").textContent = key;
    transcript.replaceChildren();
    actions.replaceChildren();
    const endpoint = "/admin/api/conversations/" + encodeURIComponent(key);
    setExports(section, endpoint, new URLSearchParams());
    const data = await load(section, endpoint);
    if (!data) return;
    const turns = Array.isArray(data.turns) ? data.turns : [];
    let conversation;
    for (const t of turns) {
      if (conversation !== undefined && t.conversation !== conversation) {
        transcript.append(h("li", { class: "conv-break" }, "New conversation"));
      }
      conversation = t.conversation;
      transcript.append(turnItem(t));
    }
    const users = [...new Set(turns.map((t) => t.user_id).filter(Boolean))];
    for (const user of users) {
      const text = users.length > 1 ? `Delete this user's data (${user})` : "Delete this user's data";
      actions.append(h("button", { type: "button", class: "danger", onclick: (e) => forget(key, user, e.currentTarget) }, text));
    }
    setStatus(section, plural(turns.length, "turn", "turns") + ".");
  }

  function turnItem(t) {
    const meta = [
      t.turn != null && `#${t.turn}`,
      when(t.at),
      t.user_id && `user ${t.user_id}`,
      t.language,
      t.source,
      typeof t.confidence === "number" && `confidence ${num(t.confidence, 2)}`,
    ].filter(Boolean).join(" · ");
    const verdicts = Array.isArray(t.verdicts) ? t.verdicts : [];
    return h(
      "li",
      { class: "turn" + (t.fallback ? " is-fallback" : ""), "data-user": t.user_id },
      h("p", { class: "meta" }, meta, t.fallback ? h("span", { class: "badge badge-flag" }, "fallback") : null,
        t.feedback ? h("span", { class: "badge feedback" }, t.feedback > 0 ? "👍 good" : "👎 bad") : null),
      h("div", { class: "said said-user" }, h("span", { class: "who" }, "User"), h("p", {}, t.user)),
      h("div", { class: "said said-bot" }, h("span", { class: "who" }, "Bot"),
        t.bot ? h("p", {}, t.bot) : h("p", { class: "none" }, "(no reply)")),
      verdicts.length
        ? h("ul", { class: "verdicts", "aria-label": "Moderation" }, verdicts.map((v) =>
            h("li", {},
              h("span", { class: "badge " + badge(v.action) }, v.action),
              " ", [v.stage, v.filter, v.category].filter(Boolean).join(" · "),
              v.snippet ? [" — ", h("q", {}, v.snippet)] : null)))
        : null,
    );
  }

  async function forget(key, user, button) {
    const section = $("#view-conversation");
    if (!confirm(`Delete everything stored from user ${user} in ${key}? This cannot be undone.`)) return;
    button.disabled = true;
    try {
      const data = await api("/admin/api/forget", { method: "POST", body: { chat_key: key, user_id: user } });
      for (const li of document.querySelectorAll("#transcript li.turn")) {
        if (li.getAttribute("data-user") === user) li.remove();
      }
      button.remove();
      setStatus(section, `Deleted ${plural(data && data.deleted || 0, "turn", "turns")}.`);
    } catch (err) {
      button.disabled = false;
      setStatus(section, "Could not delete: " + err.message);
    }
  }

  /* ---------- inbox: chats handed to a person ---------- */

  const INBOX_MS = 4000;
  let inboxTimer = 0;
  let inboxKey = ""; // the chat open in the inbox ("" for none)
  let inboxShown = ""; // the list as last drawn (JSON), so an unchanged poll redraws nothing
  let chatShown = []; // keys of the open chat's messages on screen, oldest first

  const WHO = { user: "User", bot: "Bot", operator: "Operator" };
  const inboxHref = (key) => "#inbox/" + encodeURIComponent(key);
  const handoffApi = (key, action) =>
    "/admin/api/handoffs/" + encodeURIComponent(key) + (action ? "/" + action : "");

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text; // no repeated announcements
  }

  // The list, the count in the navigation and the open chat; every few seconds (by
  // startInbox) whatever the view, so the count tells of new chats.
  async function refreshInbox() {
    const section = $("#view-inbox");
    let data = null;
    try {
      data = await api("/admin/api/handoffs");
    } catch (error) {
      if (error.status !== 404) {
        setText($(".status", section), "Could not refresh: " + error.message);
        return;
      }
      stopInbox(); // not configured: nothing will come (the view says how to turn it on)
      setCount(null);
      setText($(".status", section), error.message);
      $("#inbox-list").replaceChildren();
      $("#inbox-chat").hidden = true;
      return;
    }
    const items = Array.isArray(data.items) ? data.items : [];
    setCount(items.length);
    if (section.hidden) return;
    const waiting = items.filter((i) => i.needs_answer).length;
    setText($(".status", section), items.length
      ? `${plural(items.length, "chat", "chats")} with a person, ${waiting} waiting for an answer.`
      : "No chat is waiting for a person.");
    drawInboxList(items);
    if (inboxKey) await refreshChat(inboxKey);
  }

  function setCount(n) {
    const count = $("#inbox-count");
    count.hidden = !n;
    setText(count, n ? String(n) : "");
  }

  function drawInboxList(items) {
    const json = JSON.stringify([items, inboxKey]);
    if (json === inboxShown) return;
    inboxShown = json;
    const list = $("#inbox-list");
    const focused = list.contains(document.activeElement) && document.activeElement.dataset.key;
    list.replaceChildren(...items.map(inboxItem));
    if (focused) {
      for (const a of list.querySelectorAll("a[data-key]")) if (a.dataset.key === focused) a.focus();
    }
  }

  function inboxItem(item) {
    const open = item.chat_key === inboxKey;
    const answered = item.operator
      ? `last answered by ${item.operator}, ${when(item.operator_at)}`
      : "not answered yet";
    const messages = Array.isArray(item.messages) ? item.messages : [];
    return h("li", { class: "handoff" + (open ? " is-open" : "") },
      h("p", { class: "handoff-head" },
        h("a", { href: inboxHref(item.chat_key), "data-key": item.chat_key, "aria-current": open ? "true" : null }, item.chat_key),
        item.needs_answer ? h("span", { class: "badge badge-flag" }, "needs an answer") : null),
      h("p", { class: "meta" }, `${item.reason_text || item.reason} · since ${when(item.since)} · ${answered}`),
      messages.length
        ? h("ol", { class: "preview", "aria-label": "Last messages" }, messages.map((m) =>
            h("li", { class: "said-" + m.from }, h("span", { class: "who" }, (WHO[m.from] || m.from) + ": "), m.text)))
        : null);
  }

  // The open chat: new messages are added (so a screen reader hears only them), the form
  // is usable while the chat is with a person.
  async function refreshChat(key) {
    let data;
    try {
      data = await api(handoffApi(key));
    } catch (error) {
      setText($("#inbox-result"), "Could not load the chat: " + error.message);
      return;
    }
    if (key !== inboxKey) return; // another chat was opened meanwhile
    const handoff = data.handoff;
    setText($("#inbox-meta"), handoff
      ? `${handoff.reason_text || handoff.reason} · with a person since ${when(handoff.since)}`
        + (handoff.operator ? ` · last answered by ${handoff.operator}` : "")
      : "Back with the bot: this chat is not handed to a person (any more).");
    for (const control of $("#inbox-reply").querySelectorAll("textarea, button")) {
      control.disabled = !handoff;
    }
    drawChat(Array.isArray(data.messages) ? data.messages : []);
  }

  function drawChat(messages) {
    const log = $("#inbox-log");
    const keys = messages.map((m) => `${m.turn}:${m.from}`);
    const same = chatShown.every((k, i) => keys[i] === k);
    if (keys.length <= chatShown.length && keys.every((k, i) => chatShown[i] === k)) return; // older
    if (!same) log.replaceChildren();
    for (const m of messages.slice(same ? chatShown.length : 0)) log.append(chatLine(m));
    chatShown = keys;
    log.scrollTop = log.scrollHeight;
  }

  function chatLine(m) {
    const who = m.from === "operator" && m.by ? `Operator (${m.by})` : WHO[m.from] || m.from;
    return h("li", { class: "msg msg-" + m.from },
      h("p", { class: "meta" }, h("span", { class: "who" }, who), " · ", when(m.at)),
      h("p", { class: "text" }, m.text));
  }

  function openInbox(key) {
    inboxKey = key || "";
    inboxShown = "";
    chatShown = [];
    $("#inbox-log").replaceChildren();
    $("#inbox-result").textContent = "";
    $("#inbox-text").value = "";
    $("#inbox-chat").hidden = !inboxKey;
    $("#inbox-key").textContent = inboxKey;
    refreshInbox();
  }

  async function sendAnswer(event) {
    event.preventDefault();
    const key = inboxKey;
    const box = $("#inbox-text");
    const text = box.value.trim();
    if (!key || !text) return;
    await inboxChange(key, "reply", { text }, "Sending…", "Sent.", () => { box.value = ""; });
  }

  async function giveBack() {
    if (!inboxKey) return;
    await inboxChange(inboxKey, "done", {}, "Giving the chat back…", "The chat is back with the bot.");
  }

  // A POST of the inbox; the result (or why not: moderation, gone, unreachable) in the form.
  async function inboxChange(key, action, body, doing, done, after) {
    const result = $("#inbox-result");
    const buttons = $("#inbox-reply").querySelectorAll("button");
    for (const b of buttons) b.disabled = true;
    result.textContent = doing;
    try {
      await api(handoffApi(key, action), { method: "POST", body });
      result.textContent = done;
      if (after) after();
    } catch (error) {
      result.textContent = error.message;
    }
    for (const b of buttons) b.disabled = false;
    await refreshInbox();
  }

  function startInbox() {
    $("#inbox-reply").addEventListener("submit", sendAnswer);
    $("#inbox-done").addEventListener("click", giveBack);
    $("#inbox-text").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.isComposing) {
        e.preventDefault();
        $("#inbox-reply").requestSubmit();
      }
    });
    inboxTimer = setInterval(() => { if (!document.hidden) refreshInbox(); }, INBOX_MS);
    if ($("#view-inbox").hidden) refreshInbox(); // else openInbox did, for the first view
  }

  function stopInbox() {
    clearInterval(inboxTimer);
    inboxTimer = 0;
  }

  /* ---------- model ---------- */

  async function showModel() {
    const section = $("#view-model");
    const card = $("#model-card");
    card.replaceChildren();
    const m = await load(section, "/admin/api/model");
    if (!m) return;
    if (m.available === false) {
      card.append(h("p", { class: "empty" }, "No model to show: ", m.reason || "unknown reason", "."));
      return;
    }
    const history = m.history || {};
    card.append(
      h("h2", {}, m.name || "Model"),
      dl([["version", m.version], ["created", when(m.created)], ["classes", m.classes], ["path", m.path]]),
      h("h3", {}, "Training data"),
      dl(flatten(m.data)),
      h("h3", {}, "Validation"),
      dl(flatten(m.metrics)),
      h("h3", {}, "Training curve"),
      h("div", { class: "charts" },
        lineChart("Loss", [["training", history.loss, "s1"], ["validation", history.val_loss, "s2"]]) ||
          h("p", { class: "empty" }, "No training history."),
        lineChart("Accuracy", [["training", history.accuracy, "s1"], ["validation", history.val_accuracy, "s2"]])),
      m.evaluation
        ? h("details", { class: "evaluation" }, h("summary", {}, "Evaluation report (chatcore eval)"), dl(flatten(m.evaluation)))
        : h("p", { class: "hint" }, "No evaluation report: run chatcore eval on this model."),
    );
  }

  // Per-epoch values as lines; null when there is nothing to draw.
  function lineChart(title, series) {
    series = series.filter(([, v]) => Array.isArray(v) && v.some(Number.isFinite));
    if (!series.length) return null;
    const W = 360, H = 190, L = 46, R = 12, T = 12, B = 34;
    const values = series.flatMap(([, v]) => v.filter(Number.isFinite));
    let lo = Math.min(...values), hi = Math.max(...values);
    if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
    const n = Math.max(...series.map(([, v]) => v.length));
    const x = (i) => L + (n > 1 ? (i * (W - L - R)) / (n - 1) : (W - L - R) / 2);
    const y = (v) => T + ((hi - v) * (H - T - B)) / (hi - lo);
    const id = newId("chart");
    const last = series.map(([name, v]) => `${name} ${num(v.filter(Number.isFinite).pop())}`).join(", ");
    const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": id, class: "chart" },
      s("title", { id }, `${title} over ${plural(n, "epoch", "epochs")}; last: ${last}`),
      s("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, class: "axis" }),
      s("line", { x1: L, y1: T, x2: L, y2: H - B, class: "axis" }),
      [hi, (hi + lo) / 2, lo].map((v) => [
        s("line", { x1: L, y1: y(v), x2: W - R, y2: y(v), class: "grid" }),
        s("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, num(v, 3)),
      ]),
      s("text", { x: x(0), y: H - B + 16, "text-anchor": "middle" }, "1"),
      n > 1 ? s("text", { x: x(n - 1), y: H - B + 16, "text-anchor": "middle" }, n) : null,
      s("text", { x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle" }, "epoch"),
      series.map(([, v, cls]) => s("polyline", {
        class: "line " + cls,
        points: v.map((val, i) => (Number.isFinite(val) ? `${x(i).toFixed(1)},${y(val).toFixed(1)}` : "")).filter(Boolean).join(" "),
      })),
    );
    return h("figure", { class: "chart-box" },
      h("figcaption", {}, title),
      svg,
      h("ul", { class: "legend" }, series.map(([name, , cls]) =>
        h("li", {}, h("span", { class: "swatch " + cls, "aria-hidden": "true" }), name))));
  }

  /* ---------- live ---------- */

  async function showLive(quiet = false) {
    const section = $("#view-live");
    if (!quiet) $("#live-stats").replaceChildren();
    const d = await load(section, "/admin/api/live", quiet);
    if (!d) return;
    const minutes = Math.round((d.window_seconds || 0) / 60);
    $("#live-window").textContent = `The last ${plural(minutes, "minute", "minutes")}, refreshed every 5 seconds.`;
    const rate = typeof d.fallback_rate === "number" ? `${num(d.fallback_rate * 100, 1)} %` : "—";
    const p95 = typeof d.latency_p95_ms === "number" ? `${Math.round(d.latency_p95_ms)} ms` : "—";
    $("#live-stats").replaceChildren(...[
      ["Messages per minute", num(d.messages_per_minute, 1)],
      ["Fallback rate", rate],
      ["Latency (p95)", p95],
      ["Messages", num(d.messages)],
    ].map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v))));
    $("#live-chart").replaceChildren(barChart(Array.isArray(d.per_minute) ? d.per_minute : [], d.window_seconds));
  }

  // One bar per minute of the window, empty minutes included (the server lists only minutes
  // with messages), the newest on the right.
  function barChart(rows, windowSeconds) {
    if (!rows.length) return h("p", { class: "empty" }, "No messages in this window.");
    const byMinute = new Map(rows.map((r) => [r.minute, r]));
    const last = Math.max(Math.floor(Date.now() / 60000) * 60, ...byMinute.keys());
    const count = Math.max(1, Math.round(windowSeconds / 60) || 15);
    const slots = Array.from({ length: count }, (_, i) => last - (count - 1 - i) * 60);
    const W = 640, H = 180, L = 40, R = 8, T = 10, B = 26;
    const max = Math.max(1, ...rows.map((r) => r.messages || 0));
    const step = (W - L - R) / count;
    const y = (v) => T + ((max - v) * (H - T - B)) / max;
    const time = (m) => new Date(m * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    const total = rows.reduce((a, r) => a + (r.messages || 0), 0);
    const id = newId("bars");
    return h("figure", { class: "chart-box wide" },
      h("figcaption", {}, "Messages per minute"),
      s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": id, class: "chart" },
        s("title", { id }, `Messages per minute: ${total} in the last ${plural(count, "minute", "minutes")}, at most ${max} in one.`),
        s("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, class: "axis" }),
        s("text", { x: L - 6, y: y(max) + 4, "text-anchor": "end" }, max),
        s("text", { x: L - 6, y: H - B + 4, "text-anchor": "end" }, 0),
        s("text", { x: L, y: H - 6 }, time(slots[0])),
        s("text", { x: W - R, y: H - 6, "text-anchor": "end" }, time(last)),
        slots.map((minute, i) => {
          const r = byMinute.get(minute) || {};
          const m = r.messages || 0, f = Math.min(r.fallbacks || 0, m);
          if (!m) return null;
          const bx = (L + i * step + step * 0.15).toFixed(1), bw = (step * 0.7).toFixed(1);
          return s("g", {},
            s("title", {}, `${time(minute)}: ${plural(m, "message", "messages")}, ${plural(f, "fallback", "fallbacks")}`),
            s("rect", { x: bx, y: y(m), width: bw, height: H - B - y(m), class: "bar s1" }),
            f ? s("rect", { x: bx, y: y(f), width: bw, height: H - B - y(f), class: "bar s3" }) : null);
        }),
      ),
      h("ul", { class: "legend" },
        h("li", {}, h("span", { class: "swatch s1", "aria-hidden": "true" }), "messages"),
        h("li", {}, h("span", { class: "swatch s3", "aria-hidden": "true" }), "of them fallbacks")));
  }

  /* ---------- navigation ---------- */

  const VIEWS = {
    inbox: openInbox,
    conversations: () => showList("conversations"),
    conversation: showConversation,
    unanswered: () => showList("unanswered"),
    answers: () => {
      say("");
      showAnswers();
    },
    moderation: () => showList("moderation"),
    model: showModel,
    live: () => {
      showLive();
      // Only while this view is shown, and not while the browser tab is in the background.
      liveTimer = setInterval(() => { if (!document.hidden) showLive(true); }, 5000);
    },
  };

  function route() {
    const [name, ...rest] = location.hash.slice(1).split("/");
    const view = Object.prototype.hasOwnProperty.call(VIEWS, name) ? name : "conversations";
    const tab = view === "conversation" ? "conversations" : view;
    let arg = rest.join("/");
    try { arg = decodeURIComponent(arg); } catch { /* shown as it is */ }
    clearInterval(liveTimer);
    for (const a of document.querySelectorAll("a[data-tab]")) {
      if (a.dataset.tab === tab) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    for (const section of document.querySelectorAll("main > section")) {
      section.hidden = section.id !== "view-" + view;
    }
    VIEWS[view](arg);
    const heading = $(`#view-${view} h1`);
    document.title = `${heading.textContent.trim()} · ${baseTitle}`;
    if (moved) heading.focus(); // screen readers hear where they landed
    moved = true;
  }

  async function logout() {
    try {
      await api("/admin/logout", { method: "POST" });
      location.assign("/admin/login");
    } catch (err) {
      $("#notice").textContent = "Could not log out: " + err.message;
    }
  }

  async function init() {
    for (const form of document.querySelectorAll("form[data-list]")) {
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        showList(form.dataset.list);
      });
    }
    $("#logout").addEventListener("click", logout);
    addEventListener("hashchange", route);
    try {
      csrf = (await api("/admin/api/session")).csrf || "";
    } catch (err) {
      $("#notice").textContent = "Could not start the console: " + err.message;
    }
    route();
    startInbox();
  }

  init();
})();
