/* chatcore web chat: the embeddable widget and the full page's chat in one script.
 *
 * Widget:    <script src="https://bot.example/static/chat.js" defer></script>
 *            (optional data-title="...", data-open="true")
 * Full page: a <div id="chatcore-page"> on the page makes the chat fill it, without the button.
 *
 * Every text from the user, the bot or the server goes into the DOM as text (textContent),
 * never as markup.
 */
(() => {
  "use strict";
  if (window.chatcore) return; // the tag was put on the page twice
  const api = (window.chatcore = {});

  // currentScript is only set while this file first runs, so it is read here and not later.
  const script = document.currentScript || document.querySelector('script[src*="/chat.js"]');
  const src = new URL(script ? script.src : "/static/chat.js", location.href);
  const origin = src.origin;
  // Behind a path prefix (/bot/static/chat.js) the API is under that prefix too.
  const base = origin + ((src.pathname.match(/^(.*)\/static\/[^/]+$/) || [])[1] || "");
  const opts = (script && script.dataset) || {};

  const zh = /^zh/i.test(navigator.language || "");
  const T = zh
    ? { send: "发送", message: "消息", open: "打开聊天", close: "关闭聊天", typing: "正在输入…",
        reconnecting: "正在重新连接…", you: "你", bot: "机器人", reset: "新的对话",
        failed: "消息发送失败。", chat: "聊天", good: "回答得好", bad: "回答得不好",
        person: "客服", choices: "你可能想问" }
    : { send: "Send", message: "Message", open: "Open chat", close: "Close chat",
        typing: "Bot is typing…", reconnecting: "Reconnecting…", you: "You", bot: "Bot",
        reset: "New conversation", failed: "The message could not be sent.", chat: "Chat",
        good: "Good answer", bad: "Bad answer", person: "Support", choices: "Did you mean" };

  /* ---------- storage: the token and the outbox (messages sent but not yet answered) ---------- */

  const TOKEN_KEY = "chatcore:token:" + origin;
  const OUTBOX_KEY = "chatcore:outbox:" + origin;
  let memoryOutbox = null; // used instead of localStorage once that fails (blocked, full)

  let token = null;
  try { token = localStorage.getItem(TOKEN_KEY); } catch { /* storage blocked: a new chat */ }

  function setToken(t) {
    if (typeof t !== "string" || !t || t === token) return;
    token = t;
    try { localStorage.setItem(TOKEN_KEY, t); } catch { /* kept for this page view only */ }
  }

  // Read from storage on every change rather than cached, so two tabs of the same site do not
  // write back each other's stale lists.
  function readOutbox() {
    if (memoryOutbox) return memoryOutbox;
    try {
      const list = JSON.parse(localStorage.getItem(OUTBOX_KEY) || "[]");
      return Array.isArray(list)
        ? list.filter((m) => m && typeof m.id === "string" && typeof m.text === "string")
        : [];
    } catch { return []; }
  }

  function writeOutbox(list) {
    if (!memoryOutbox) {
      try {
        if (list.length) localStorage.setItem(OUTBOX_KEY, JSON.stringify(list));
        else localStorage.removeItem(OUTBOX_KEY);
        return;
      } catch { /* fall through to memory */ }
    }
    memoryOutbox = list;
  }

  const unqueue = (id) => writeOutbox(readOutbox().filter((m) => m.id !== id));

  function newId() {
    if (crypto.randomUUID) return crypto.randomUUID(); // only in secure contexts
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /* ---------- DOM ---------- */

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function icon(cls, d) {
    const NS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(NS, "svg");
    const path = document.createElementNS(NS, "path");
    svg.setAttribute("class", cls);
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    path.setAttribute("d", d);
    svg.append(path);
    return svg;
  }
  const CHAT_ICON = "M5 4h14a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2h-9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
  const CLOSE_ICON = "M6 6l12 12M18 6L6 18";

  let page, host, wrap, panel, title, log, status, form, input, bubble;
  let focusOnShow = false;

  function build() {
    page = document.getElementById("chatcore-page");
    host = page || document.createElement("chatcore-widget");
    const root = host.attachShadow({ mode: "open" });
    // Hidden until chat.css has loaded, so the host page never shows an unstyled flash.
    wrap = el("div", "cc-root");
    wrap.hidden = true;
    const css = el("link");
    css.rel = "stylesheet";
    css.href = base + "/static/chat.css";
    const show = () => {
      wrap.hidden = false;
      scrollDown();
      if (focusOnShow) input.focus();
    };
    css.addEventListener("load", show);
    css.addEventListener("error", show);

    panel = el("div", "cc-panel " + (page ? "cc-page" : "cc-widget"));
    panel.id = "cc-panel";
    panel.lang = zh ? "zh" : "en";
    panel.setAttribute("role", "region");
    panel.dataset.transport = useHttp ? "http" : "ws";

    const header = el("div", "cc-header");
    title = el("h2", "cc-title");
    header.append(title);

    log = el("ol", "cc-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-relevant", "additions");

    status = el("div", "cc-status");
    status.setAttribute("role", "status");

    form = el("form", "cc-form");
    const label = el("label", "cc-sr", T.message);
    label.htmlFor = "cc-input";
    input = el("textarea", "cc-input");
    input.id = "cc-input";
    input.rows = 1;
    input.setAttribute("enterkeyhint", "send");
    const send = el("button", "cc-send", T.send);
    send.type = "submit";
    form.append(label, input, send);
    panel.append(header, log, status, form);

    if (!page) {
      // After the form in the DOM (focus order: input, send, close), drawn in the header by CSS.
      const close = el("button", "cc-close");
      close.type = "button";
      close.setAttribute("aria-label", T.close);
      close.append(icon("cc-i-close", CLOSE_ICON));
      close.addEventListener("click", () => setOpen(false, true));
      panel.append(close);
      panel.hidden = true;

      bubble = el("button", "cc-bubble");
      bubble.type = "button";
      bubble.setAttribute("aria-label", T.open);
      bubble.setAttribute("aria-expanded", "false");
      bubble.setAttribute("aria-controls", "cc-panel");
      bubble.append(icon("cc-i-chat", CHAT_ICON), icon("cc-i-close", CLOSE_ICON));
      bubble.addEventListener("click", () => setOpen(panel.hidden, true));
      wrap.append(bubble);
      root.addEventListener("keydown", (e) => {
        if (e.key === "Escape" && !panel.hidden && !e.isComposing && !composing) {
          e.preventDefault();
          setOpen(false, true);
        }
      });
    }
    wrap.append(panel);
    root.append(css, wrap);
    if (!page) document.body.append(host);

    const pageTitle = page && !document.title.includes("{{") ? document.title : "";
    setTitle(opts.title || pageTitle || T.chat);
    wireInput();
  }

  function setTitle(text) {
    title.textContent = text;
    panel.setAttribute("aria-label", text);
  }

  function setOpen(open, focus) {
    if (!bubble) return;
    panel.hidden = !open;
    bubble.setAttribute("aria-expanded", String(open));
    if (open) {
      scrollDown();
      if (focus) focusInput();
      connect();
    } else if (focus) {
      bubble.focus();
    }
  }

  const scrollDown = () => { log.scrollTop = log.scrollHeight; };

  function focusInput() {
    if (wrap.hidden) focusOnShow = true; // hidden elements cannot take focus
    else input.focus();
  }

  /* ---------- input ---------- */

  let composing = false; // IME composition in progress (Enter then picks a candidate)

  function wireInput() {
    input.addEventListener("compositionstart", () => { composing = true; });
    input.addEventListener("compositionend", () => { composing = false; });
    input.addEventListener("input", (e) => {
      if (!e.isComposing) composing = false; // in case a compositionend never came
      grow();
    });
    input.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" || e.shiftKey) return;
      // keyCode 229: Safari fires compositionend before the keydown of the Enter that ends it.
      if (e.isComposing || e.keyCode === 229 || composing) return;
      e.preventDefault();
      submit();
    });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      submit();
    });
  }

  // 1 to 4 rows: CSS caps the height (max-height) and scrolls beyond it.
  function grow() {
    input.style.height = "auto";
    input.style.height = input.scrollHeight + input.offsetHeight - input.clientHeight + "px";
  }

  function submit() {
    if (!sendText(input.value)) return;
    input.value = "";
    grow();
    input.focus();
  }

  function sendText(raw) {
    const text = String(raw ?? "").trim();
    if (!text) return false;
    retireChoices(); // a choice is for the next message only
    const m = { id: newId(), text }; // the same id for every retry of this message
    writeOutbox([...readOutbox(), m]);
    showPending(m);
    transmit(m);
    return true;
  }

  /* ---------- the conversation on screen ---------- */

  const msgs = new Map(); // client message id -> {user: <li>|null, done: answered or failed}
  const shownTurns = new Set();
  let lastTurn = 0; // highest turn id shown: `after` of the next hello
  const typing = new Set(); // ids the bot is working on
  let offline = false;

  function seeTurn(n) {
    if (typeof n !== "number") return;
    shownTurns.add(n);
    if (n > lastTurn) lastTurn = n;
  }

  function line(kind, text, id, turn) {
    const li = el("li", "cc-msg cc-" + kind, String(text ?? ""));
    if (id) li.dataset.id = id;
    if (turn != null) li.dataset.turn = turn;
    // Spoken by screen readers through a visually hidden ::before, kept out of the text itself.
    if (kind !== "system") li.dataset.who = kind === "user" ? T.you : T.bot;
    return li;
  }

  // A person's answer (the chat was handed to an operator): a bot bubble, said to be theirs,
  // without 👍/👎 (those rate the bot).
  function personLine(text, turn) {
    const li = line("bot", text, null, turn);
    li.classList.add("cc-operator");
    li.dataset.who = T.person;
    return li;
  }

  /* ---------- choices: after a fallback, questions the user may have meant ---------- */

  // Real buttons in a list item of the log, right under the fallback, in reading order.
  // Choosing one sends its text as the user's next message, the normal way.
  function choicesFor(list) {
    const texts = Array.isArray(list) ? list.filter((t) => typeof t === "string" && t) : [];
    if (!texts.length) return null;
    const li = el("li", "cc-choices");
    const group = el("div", "cc-choice-group");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", T.choices);
    for (const text of texts) {
      const b = el("button", "cc-choice", text);
      b.type = "button";
      b.addEventListener("click", () => choose(b, text));
      group.append(b);
    }
    li.append(group);
    return li;
  }

  function choose(button, text) {
    if (button.disabled || !sendText(text)) return;
    button.classList.add("cc-chosen");
    focusInput(); // the button is disabled now: focus goes where the next message is typed
  }

  // Any message sent (a choice or typed text) makes every offered choice stale.
  function retireChoices() {
    for (const b of log.querySelectorAll(".cc-choice:not(:disabled)")) b.disabled = true;
  }

  // Messages still waiting for their answer are the newest thing in the chat: anything the
  // server tells about the past (history, replies without a bubble) goes before them.
  function place(li, after) {
    if (after) after.after(li);
    else log.insertBefore(li, log.querySelector(".cc-user.pending"));
    scrollDown();
  }

  function showPending(m) {
    if (msgs.has(m.id)) return;
    const li = line("user", m.text, m.id);
    li.classList.add("pending");
    li.setAttribute("aria-busy", "true");
    log.append(li);
    msgs.set(m.id, { user: li, done: false });
    scrollDown();
  }

  // The message got its answer (or an error): no longer pending, never re-sent.
  function settle(id) {
    const m = msgs.get(id);
    if (!m) msgs.set(id, { user: null, done: true });
    else {
      m.done = true;
      if (m.user) {
        m.user.classList.remove("pending");
        m.user.removeAttribute("aria-busy");
      }
    }
    typing.delete(id);
    unqueue(id);
    updateStatus();
  }

  function updateStatus() {
    const text = offline ? T.reconnecting : typing.size ? T.typing : "";
    if (status.textContent !== text) status.textContent = text;
  }

  // 👍/👎 on an answer the store kept (it has a turn number). The icons are drawn by CSS, so
  // the bubble's text stays the answer alone; the buttons' names come from aria-label.
  function addRating(li, turn) {
    if (typeof turn !== "number" || li.querySelector(".cc-rate")) return;
    const box = el("span", "cc-rate");
    for (const [value, cls, name] of [[1, "cc-good", T.good], [-1, "cc-bad", T.bad]]) {
      const b = el("button", "cc-rate-btn " + cls);
      b.type = "button";
      b.setAttribute("aria-label", name);
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", () => rate(box, turn, value));
      box.append(b);
    }
    li.append(box);
  }

  function rate(box, turn, value) {
    for (const b of box.children) {
      const mine = b.classList.contains(value > 0 ? "cc-good" : "cc-bad");
      b.setAttribute("aria-pressed", String(mine));
    }
    const body = { type: "feedback", turn, value };
    if (!useHttp && ready && ws) ws.send(JSON.stringify(body));
    else fetchJson(base + "/api/feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...body, token }),
    }).catch(() => {}); // a lost rating is not worth a retry loop
  }

  function onReply(r) {
    const id = typeof r.id === "string" ? r.id : null;
    const m = id && msgs.get(id);
    // Seen before: live and again after a reconnect (re-sent outbox, or history first).
    const dup = (m && m.done) || (r.turn != null && shownTurns.has(r.turn));
    if (id) settle(id);
    seeTurn(r.turn);
    if (dup || r.silent || !r.text) return;
    const li = line("bot", r.text, id, r.turn);
    if (r.fallback) li.classList.add("cc-fallback");
    addRating(li, r.turn);
    place(li, m && m.user);
    const choices = choicesFor(r.choices);
    if (choices) li.after(choices);
  }

  // Replies the server sends unasked (an operator's answer, "you're back with the bot") have
  // no turn yet: an operator's answer is stored just after it is sent. The history brings it
  // again on a reconnect; it is matched to its bubble by the text (see onHistory).
  const pushed = []; // {li, text}: operators' answers shown live, their turn not known yet

  function onPush(d) {
    if (typeof d.text !== "string" || !d.text) return;
    if (typeof d.turn === "number" && shownTurns.has(d.turn)) return;
    seeTurn(d.turn);
    const li = d.kind === "operator" ? personLine(d.text, d.turn) : line("bot", d.text, null, d.turn);
    place(li);
    // only an operator's answer is stored (notices are not): only it comes back in the history
    if (d.kind === "operator" && typeof d.turn !== "number") pushed.push({ li, text: d.text });
    const choices = choicesFor(d.choices);
    if (choices) li.after(choices);
  }

  // A history turn with no message of the user's (an operator's answer) that is on screen
  // already, pushed live: it gets its turn number and is not shown twice.
  function matchPushed(t) {
    if (t.user || t.id || !t.bot) return false;
    const n = pushed.findIndex((p) => p.text === t.bot);
    if (n < 0) return false;
    pushed[n].li.dataset.turn = t.turn;
    pushed.splice(n, 1);
    return true;
  }

  const rated = (li, turn) => { addRating(li, turn); return li; };

  // A stored turn's answer: an operator's without 👍/👎.
  function answerLine(t, id) {
    return t.operator ? personLine(t.bot, t.turn) : rated(line("bot", t.bot, id, t.turn), t.turn);
  }

  // Turns with an empty side show no bubble for it: an operator's answer has no user text, a
  // message the bot left to a person no reply.
  function onHistory(turns) {
    if (!Array.isArray(turns)) return;
    for (const t of turns) {
      if (!t || shownTurns.has(t.turn)) continue;
      seeTurn(t.turn);
      if (matchPushed(t)) continue;
      const id = typeof t.id === "string" ? t.id : null;
      const m = id && msgs.get(id);
      if (m) {
        // Its user bubble is on screen already: only the missing answer is added.
        if (!m.done) {
          settle(id);
          if (t.bot) place(answerLine(t, id), m.user);
        }
        continue;
      }
      const user = t.user ? line("user", t.user, id) : null;
      if (user) place(user);
      if (t.bot) place(answerLine(t, id));
      if (id) {
        msgs.set(id, { user, done: true });
        unqueue(id);
      }
    }
  }

  function onError(e) {
    const id = typeof e.id === "string" ? e.id : null;
    const m = id && msgs.get(id);
    if (m && m.done) return; // the same error again for a re-sent message
    if (id) settle(id);
    const li = line("system", e.text, id);
    if (m && m.user) place(li, m.user);
    else {
      log.append(li);
      scrollDown();
    }
  }

  function onServer(d) {
    switch (d.type) {
      case "welcome":
        setToken(d.token);
        onHistory(d.history);
        online();
        flush();
        break;
      case "typing":
        if (typeof d.id === "string" && !(msgs.get(d.id) || {}).done) {
          typing.add(d.id);
          updateStatus();
        }
        break;
      case "reply":
        onReply(d);
        break;
      case "push":
        onPush(d);
        break;
      case "error":
        onError(d);
        break;
      case "reset":
        place(el("li", "cc-divider", T.reset));
        break;
    }
  }

  /* ---------- transport: WebSocket, HTTP when that is unavailable ---------- */

  let useHttp = !("WebSocket" in window);
  let ws = null;
  let ready = false; // connected and greeted: messages can go out now
  let everOpened = false;
  let failedOpens = 0;
  let delay = 500;
  let timer = 0;
  let syncing = false;
  let pumping = false;
  let polling = false;
  let pollTimer = 0;
  let polled = 0; // over HTTP: the highest turn the history brought (its `after`)
  const POLL_MS = 5000;

  function online() {
    ready = true;
    offline = false;
    delay = 500;
    updateStatus();
    if (useHttp && !pollTimer) pollTimer = setInterval(poll, POLL_MS);
  }

  function connect() {
    clearTimeout(timer);
    timer = 0;
    if (useHttp) {
      if (!ready) httpSync();
      return;
    }
    if (ws) return;
    let sock;
    try {
      sock = new WebSocket(base.replace(/^http/, "ws") + "/ws");
    } catch {
      sock = null; // e.g. ws: from an https page
    }
    if (!sock) return dropped(false);
    ws = sock;
    let opened = false;
    // A connect that hangs (a proxy swallowing the upgrade) counts as a failure.
    const guard = setTimeout(() => sock.close(), 10000);
    sock.onopen = () => {
      opened = everOpened = true;
      clearTimeout(guard);
      sock.send(JSON.stringify({ type: "hello", token, after: lastTurn, lang: navigator.language }));
    };
    sock.onmessage = (e) => {
      let d;
      try { d = JSON.parse(e.data); } catch { return; }
      if (d && ws === sock) onServer(d);
    };
    sock.onclose = () => {
      clearTimeout(guard);
      if (ws !== sock) return;
      ws = null;
      dropped(opened);
    };
  }

  function dropped(opened) {
    ready = false;
    typing.clear(); // work in progress is re-requested with the outbox on reconnect
    if (!useHttp && !opened && !everOpened && ++failedOpens >= 3) {
      useHttp = true;
      panel.dataset.transport = "http";
      delay = 500;
      connect();
      return;
    }
    retry();
  }

  function retry() {
    offline = true;
    updateStatus();
    if (timer) return;
    timer = setTimeout(connect, delay);
    delay = Math.min(delay * 2, 8000);
  }

  function wsSend(m) {
    ws.send(JSON.stringify({ type: "message", id: m.id, text: m.text }));
  }

  // After the welcome: (re-)send every unanswered message, same id and text.
  function flush() {
    for (const m of readOutbox()) {
      if ((msgs.get(m.id) || {}).done) { unqueue(m.id); continue; }
      showPending(m); // queued by another tab of this site
      wsSend(m);
    }
  }

  function transmit(m) {
    if (!ready) connect(); // not connected yet, or waiting to retry: the outbox goes out on (re)connect
    else if (useHttp) pump();
    else wsSend(m);
  }

  async function fetchJson(url, init) {
    const res = await fetch(url, init);
    let data = null;
    try { data = await res.json(); } catch { /* not JSON */ }
    return { res, data };
  }

  // Over HTTP the history is read after `polled`, not after the last turn shown: a reply's
  // turn can be newer than an operator's answer that has not been fetched yet.
  async function fetchHistory() {
    const q = new URLSearchParams({ token: token || "", after: String(polled) });
    const { res, data } = await fetchJson(base + "/api/history?" + q);
    if (!res.ok || !data) throw new Error("history " + res.status);
    setToken(data.token);
    onHistory(data.history);
    for (const t of Array.isArray(data.history) ? data.history : []) {
      if (t && typeof t.turn === "number" && t.turn > polled) polled = t.turn;
    }
  }

  // The HTTP counterpart of hello: what was missed, then the outbox.
  async function httpSync() {
    if (syncing) return;
    syncing = true;
    try {
      await fetchHistory();
      online();
    } catch {
      syncing = false;
      return retry();
    }
    syncing = false;
    pump();
  }

  // Without a socket nothing is pushed: a light poll of the history brings what was said
  // meanwhile (an operator's answer), while the chat is shown.
  async function poll() {
    if (!ready || polling || pumping || document.hidden || panel.hidden) return;
    polling = true;
    try {
      await fetchHistory();
    } catch { /* the next poll tries again */ }
    polling = false;
  }

  // One request at a time, oldest first, so the bot sees messages in the order they were typed.
  async function pump() {
    if (pumping || !ready) return;
    pumping = true;
    try {
      for (;;) {
        const m = readOutbox().find((x) => !(msgs.get(x.id) || {}).done);
        if (!m) break;
        showPending(m);
        typing.add(m.id); // no typing frames over HTTP: the request in flight is the typing
        updateStatus();
        let r;
        try {
          r = await fetchJson(base + "/api/message", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ token, id: m.id, text: m.text, lang: navigator.language }),
          });
        } catch {
          r = null;
        }
        typing.delete(m.id);
        const d = r && r.data;
        if (d) setToken(d.token);
        // The id is forced to ours: an answer that settled another id would loop forever.
        if (d && d.type === "error") onError({ ...d, id: m.id });
        else if (r && r.res.ok && d) {
          onReply({ ...d, id: m.id });
          if (d.ends_conversation) onServer({ type: "reset" }); // what the socket's reset frame says
        } else if (!r || r.res.status >= 500) {
          ready = false; // kept in the outbox, sent again after the next sync
          retry();
          break;
        } else onError({ id: m.id, text: (d && (d.text || d.error)) || T.failed });
      }
    } finally {
      pumping = false;
      updateStatus();
    }
  }

  /* ---------- configuration and start ---------- */

  async function loadConfig() {
    try {
      const { res, data: c } = await fetchJson(base + "/api/widget");
      if (!res.ok || !c) return;
      if (!opts.title && typeof c.title === "string" && c.title) setTitle(c.title);
      const hint = c.placeholder && c.placeholder[zh ? "zh" : "en"];
      if (typeof hint === "string") input.placeholder = hint;
      // On the root in page mode so page.css can use the same colours for the page around it.
      const target = page ? document.documentElement : host;
      for (const [key, value] of Object.entries(c.colors || {})) {
        if (typeof value === "string" && /^#[0-9a-f]{3,8}$/i.test(value)) {
          target.style.setProperty("--cc-" + key.replace(/_/g, "-"), value);
        }
      }
    } catch { /* the defaults stay */ }
  }

  function start() {
    build();
    loadConfig();
    for (const m of readOutbox()) showPending(m);
    addEventListener("online", () => { if (timer) connect(); }); // back online: retry now
    if (page) {
      connect();
      if (matchMedia("(pointer: fine)").matches) focusInput(); // no keyboard popping up on phones
    } else if (opts.open === "true") {
      setOpen(true, false);
    } else if (readOutbox().length) {
      connect(); // unanswered messages from before a reload go out without waiting for a click
    }
    // For debugging and for pages that drive the chat themselves.
    Object.defineProperty(api, "transport", { get: () => panel.dataset.transport, enumerable: true });
    Object.assign(api, { send: sendText, open: () => setOpen(true, true), close: () => setOpen(false, false) });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start, { once: true });
  } else {
    start();
  }
})();
