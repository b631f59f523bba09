// The supervisor console (/admin): an office head runs the day from a browser.
//
// The page joins /ws as role "supervisor" with an officer id and PIN (docs/protocol.md).
// The PIN lives in this tab's memory only, for reconnects: never in storage or a URL;
// closing the tab ends the session, "log out" closes the socket and forgets it. The floor
// is the welcome's snapshot with every event applied in seq order (a gap asks for a fresh
// snapshot); nothing is polled. Every text reaches the page through textContent: names,
// reasons and announcements are data, never markup. Texts: /static/admin-strings.json,
// generated from i18n/catalog/admin.toml.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const LABEL = "web-" + Math.random().toString(16).slice(2, 6);
  const TZ_ABBR = { "Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT" };
  const FAULTS = ["paper_near_end", "paper_out", "cover_open", "offline", "unknown"];
  const STATE = window.__admin = { seq: 0, welcomes: 0, state: "login" };  // tests, debugging

  let S = { id: {}, en: {} };
  let lang = "id";
  let cred = null;            // {officer, pin}: memory only
  let session = null;         // welcome.session
  let ws = null;
  let welcomed = false;
  let sessionWelcomed = false;  // welcomed at least once since this login
  let backoff = 500;
  let retryTimer = null;
  let clockOffset = 0;
  let nextId = 1;
  let tab = "floor";
  const pending = new Map();
  const alertSince = {};      // "service|kind" -> when this tab first saw it
  let lastHistory = null;     // the ticket search's answer, redrawn on language change
  let lastAudit = null;

  const M = {};
  function resetModel() {
    Object.assign(M, { loaded: false, office: {}, lanes: {}, laneOrder: [], services: {},
      serviceOrder: [], counters: {}, counterOrder: [], waiting: [], recent: [],
      announcement: null, alerts: [], deviceStatus: {}, officers: {}, devices: {},
      pairing: [], holidays: [] });
  }
  resetModel();

  // ---------------------------------------------------------------- texts and formats
  function tr(key, params) {
    let s = (S[lang] && S[lang][key]) || S.id[key] || key;
    if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
    return s;
  }
  function named(n) {
    if (n === null || n === undefined) return "";
    if (typeof n === "string") return n;
    return n[lang] || n.id || n.en || "";
  }
  function now() { return Date.now() + clockOffset; }
  function zone() { return M.office.timezone || "Asia/Jakarta"; }
  function fmtTime(iso, withSeconds) {
    const d = new Date(iso);
    if (!iso || isNaN(d)) return "—";
    const opts = { timeZone: zone(), hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (withSeconds) opts.second = "2-digit";
    let text;
    try { text = new Intl.DateTimeFormat("en-GB", opts).format(d); }
    catch (e) { text = d.toTimeString().slice(0, withSeconds ? 8 : 5); }
    return (text + " " + (TZ_ABBR[zone()] || "")).trim();
  }
  function fmtDateTime(iso) {
    const d = new Date(iso);
    if (!iso || isNaN(d)) return "—";
    let day = "";
    try {
      day = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID",
        { timeZone: zone(), day: "numeric", month: "short" }).format(d);
    } catch (e) { day = iso.slice(0, 10); }
    return day + " " + fmtTime(iso);
  }
  function fmtDate(isoDay) {
    const d = new Date(isoDay + "T12:00:00Z");
    if (!isoDay || isNaN(d)) return isoDay || "—";
    try {
      return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID", { timeZone: "UTC",
        weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(d);
    } catch (e) { return isoDay; }
  }
  function fmtDuration(seconds) {
    if (seconds === null || seconds === undefined || isNaN(seconds)) return "—";
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    // as every screen writes a span: units that are zero are left out ("24 mnt")
    if (h) return tr("dur_h", { n: h }) + (m ? " " + tr("dur_m", { n: m }) : "");
    if (m) return tr("dur_m", { n: m }) + (sec ? " " + tr("dur_s", { n: sec }) : "");
    return tr("dur_s", { n: sec });
  }
  STATE.fmtDuration = fmtDuration;  // (the tests check it writes spans as every screen)
  function since(iso) {
    const t = Date.parse(iso);
    return isNaN(t) ? null : (now() - t) / 1000;
  }
  function officerName(id) {
    const o = M.officers[id];
    return o ? o.name : (id || "");
  }
  function counterName(id) {
    // the office file names counters in Indonesian ("Loket 3"): English says "Counter 3"
    const name = (M.counters[id] && M.counters[id].name) || id || "";
    const m = /^(.*\S)\s+(\d+)$/.exec(name);
    if (m && m[1].toLowerCase() === S.id.counter_word.toLowerCase()) {
      return tr("counter_word") + " " + m[2];
    }
    return name;
  }
  function serviceName(id) { return named(M.services[id] && M.services[id].name) || id || ""; }
  function laneName(id) { return named(M.lanes[id] && M.lanes[id].name) || id || ""; }
  function deviceLabel(name) {
    // "Kiosk lobi 2" for kiosk-2, as the office file names it
    const names = (M.office && M.office.device_names) || {};
    return names[name] || name || "";
  }
  function actorText(actor) {
    // "<device>/<officer>": the officer's name (and the device it acted from)
    const text = String(actor || "");
    const slash = text.lastIndexOf("/");
    if (slash < 0) return deviceLabel(text);
    const officer = text.slice(slash + 1);
    const who = M.officers[officer] ? M.officers[officer].name + " (" + officer + ")" : officer;
    return who + " · " + deviceLabel(text.slice(0, slash));
  }

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function td(text, cls) { return el("td", cls, text); }
  function button(key, onClick, cls) {
    const b = el("button", cls || "small", tr(key));
    b.type = "button";
    b.dataset.action = key;
    b.addEventListener("click", onClick);
    return b;
  }
  function showError(id, error) {
    const box = $(id);
    if (!error) { box.hidden = true; box.textContent = ""; return; }
    box.textContent = errorText(error);
    box.hidden = false;
  }
  function errorText(error) {
    if (!error) return "";
    const known = S.id["err_" + error.code] ? tr("err_" + error.code) : "";
    const message = error.message || "";
    if (known && message && message !== known) return known + ": " + message;
    return known || message || String(error.code || "");
  }
  let toastTimer = null;
  function toast(text, bad) {
    const t = $("toast");
    t.textContent = text;
    t.classList.toggle("bad", !!bad);
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, 6000);
  }

  function applyTexts() {
    document.documentElement.lang = lang;
    document.title = tr("page_title");
    document.querySelectorAll("[data-t]").forEach((e) => { e.textContent = tr(e.dataset.t); });
    document.querySelectorAll("[data-t-label]").forEach((e) => {
      e.setAttribute("aria-label", tr(e.dataset.tLabel));
    });
    // the switch names the other language in that language: a screen reader says it so
    $("lang").textContent = lang === "id" ? "English" : "Bahasa Indonesia";
    $("lang").lang = lang === "id" ? "en" : "id";
    $("report-lang").value = lang;
  }

  // ---------------------------------------------------------------- the model
  function loadWelcome(msg) {
    const serverTime = Date.parse(msg.server_time);
    if (!isNaN(serverTime)) clockOffset = serverTime - Date.now();
    if (msg.session) session = msg.session;
    const snap = msg.snapshot;
    if (!snap) return;  // missed events follow (not asked for: every hello sends 0)
    resetModel();
    M.office = snap.office || msg.office || {};
    for (const l of snap.lanes || []) { M.lanes[l.id] = l; M.laneOrder.push(l.id); }
    for (const s of snap.services || []) { M.services[s.id] = s; M.serviceOrder.push(s.id); }
    for (const c of snap.counters || []) { M.counters[c.id] = c; M.counterOrder.push(c.id); }
    M.waiting = (snap.waiting || []).slice();
    M.recent = (snap.recent_calls || []).slice();
    M.announcement = snap.announcement || null;
    M.alerts = (snap.alerts || []).map((a) => withSince(a, null));
    for (const d of snap.device_status || []) M.deviceStatus[d.device] = d;
    for (const o of snap.officers || []) M.officers[o.id] = o;
    for (const d of snap.devices || []) M.devices[d.name] = d;
    M.pairing = (snap.pairing || []).slice();
    M.holidays = (snap.holidays || []).slice();
    M.loaded = true;
    STATE.seq = msg.seq;
  }

  function withSince(a, at) {
    const key = a.service + "|" + a.kind + "|" + (a.counter || "");
    const start = a.since || a.started_at || a.at || alertSince[key] || at;
    if (start) alertSince[key] = start;
    return Object.assign({}, a, { since: start || null });
  }

  function dropWaiting(id) { M.waiting = M.waiting.filter((w) => w.id !== id); }
  function clearCounterTicket(id) {
    for (const c of Object.values(M.counters)) if (c.ticket && c.ticket.id === id) c.ticket = null;
  }
  function putCounter(c) {
    if (!c || !c.id) return;
    if (!M.counters[c.id]) M.counterOrder.push(c.id);
    M.counters[c.id] = Object.assign({}, M.counters[c.id] || {}, c);
  }
  function putService(s) {
    if (!s || !s.id) return;
    if (!M.services[s.id]) M.serviceOrder.push(s.id);
    M.services[s.id] = s;
  }
  function setCounterTicket(counter, tk) { if (M.counters[counter]) M.counters[counter].ticket = tk; }

  function applyEvent(msg) {
    if (msg.seq <= STATE.seq) return;
    if (msg.seq !== STATE.seq + 1 || !M.loaded) { resync(); return; }
    STATE.seq = msg.seq;
    const d = msg.data || {};
    const tk = d.ticket;
    switch (msg.name) {
      case "ticket_issued": {
        dropWaiting(tk.id); M.waiting.push(tk);
        const s = M.services[tk.service];
        if (s && !d.checked_in) {
          s.issued = Object.assign({}, s.issued || {});
          s.issued[tk.lane] = (s.issued[tk.lane] || 0) + 1;
        }
        break;
      }
      case "ticket_called":
        dropWaiting(tk.id); clearCounterTicket(tk.id); setCounterTicket(d.counter, tk);
        if (M.counters[d.counter]) M.counters[d.counter].call_reason = d.reason || null;
        M.recent.unshift({ ticket: tk, counter: d.counter, at: msg.at });
        M.recent.length = Math.min(M.recent.length, 20);
        break;
      case "ticket_recalled": case "service_started": setCounterTicket(d.counter, tk); break;
      case "ticket_finished": case "ticket_no_show":
        clearCounterTicket(tk.id);
        if (d.stats && M.counters[d.counter]) M.counters[d.counter].stats = d.stats;
        break;
      case "ticket_transferred": case "ticket_reinstated":
        clearCounterTicket(tk.id); dropWaiting(tk.id);
        if (d.position === "front") M.waiting.unshift(tk); else M.waiting.push(tk);
        break;
      case "ticket_cancelled": dropWaiting(tk.id); clearCounterTicket(tk.id); break;
      case "counter_opened": case "counter_paused": case "counter_closed":
        putCounter(d.counter); break;
      case "officer_logged_in":
        if (M.counters[d.counter]) {
          M.counters[d.counter].officer = d.officer;
          M.counters[d.counter].officer_name = d.officer_name;
        }
        break;
      case "officer_logged_out":
        if (M.counters[d.counter] && M.counters[d.counter].officer === d.officer) {
          M.counters[d.counter].officer = null;
          M.counters[d.counter].officer_name = null;
        }
        break;
      case "day_rolled_over": resync(); return;
      case "announcement": M.announcement = d.text ? d : null; break;
      case "device_status":
        M.deviceStatus[d.device] = d;
        if (M.devices[d.device]) {
          M.devices[d.device].status = d;
          M.devices[d.device].connected = d.status !== "offline";
          if (d.status !== "offline") M.devices[d.device].last_seen = d.at || msg.at;
        }
        break;
      case "alert":
        M.alerts = M.alerts.filter((a) => !(a.service === d.service && a.kind === d.kind));
        M.alerts.push(withSince(d, msg.at));
        break;
      case "alert_cleared":
        M.alerts = M.alerts.filter((a) => !(a.service === d.service && a.kind === d.kind));
        delete alertSince[d.service + "|" + d.kind + "|" + (d.counter || "")];
        break;
      case "service_changed": putService(d.service); break;
      case "officer_changed": if (d.officer) M.officers[d.officer.id] = d.officer; break;
      case "pairing_requested":
        M.pairing = M.pairing.filter((p) => p.code !== d.code); M.pairing.push(d); break;
      case "pairing_closed": M.pairing = M.pairing.filter((p) => p.code !== d.code); break;
      case "device_paired":
        M.devices[d.name] = Object.assign({ connected: false, last_seen: null, status: null },
          M.devices[d.name] || {}, d);
        break;
      case "device_revoked": delete M.devices[d.name]; break;
      case "calendar_changed": M.holidays = (d.days || []).slice(); break;
      default: break;
    }
    const st = d.service_stats;
    if (st && M.services[st.service]) {
      M.services[st.service].waiting = st.waiting;
      M.services[st.service].estimated_wait_s = st.estimated_wait_s;
    }
  }

  // ---------------------------------------------------------------- connection
  function setConn(state) {
    STATE.state = state;
    document.body.dataset.state = state;
    const text = { online: "conn_online", connecting: "conn_connecting",
      offline: "conn_offline" }[state];
    $("conn").textContent = text ? tr(text) : "";
    $("conn").className = "conn " + state;
  }
  function send(obj) {
    if (ws && ws.readyState === 1) { ws.send(JSON.stringify(obj)); return true; }
    return false;
  }
  function resync() {
    if (!welcomed) return;
    welcomed = false;  // events are dropped until the fresh welcome
    send({ type: "resync", last_seq: 0 });
  }

  function command(name, args) {
    return new Promise((resolve) => {
      const id = "sup-" + Date.now().toString(36) + "-" + (nextId++);
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve({ ok: false, error: { code: "timeout", message: "" } });
      }, 20000);
      pending.set(id, (msg) => { clearTimeout(timer); resolve(msg); });
      if (!send({ type: "command", id, name, args: args || {} })) {
        pending.delete(id); clearTimeout(timer);
        resolve({ ok: false, error: { code: "offline", message: "" } });
      }
    });
  }
  function failPending() {
    for (const [id, answer] of pending) {
      pending.delete(id);
      answer({ ok: false, error: { code: "offline", message: "" } });
    }
  }

  function connect() {
    clearTimeout(retryTimer);
    if (!cred) return;
    setConn(M.loaded ? "offline" : "connecting");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    let sock;
    try { sock = new WebSocket(scheme + location.host + "/ws"); }
    catch (e) { retry(); return; }
    ws = sock;
    sock.onopen = () => {
      if (!cred) { sock.close(1000); return; }
      sock.send(JSON.stringify({ type: "hello", protocol: 1, role: "supervisor",
        device: LABEL, officer: cred.officer, pin: cred.pin, last_seq: 0 }));
    };
    sock.onmessage = (e) => { if (ws === sock) onMessage(e); };
    sock.onclose = (ev) => {
      if (ws !== sock) return;
      ws = null; welcomed = false;
      failPending();
      if (!cred) return;  // logged out, or refused
      if (ev.code === 1008) {  // refused by policy (a revoked account, say): log in again
        refused({ code: "unauthorized", message: ev.reason || "" });
        return;
      }
      setConn("offline");
      retry();
    };
  }
  function retry() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 10000);
  }

  function onMessage(e) {
    let msg;
    try { msg = JSON.parse(e.data); } catch (err) { return; }
    if (msg.type === "welcome") {
      loadWelcome(msg);
      welcomed = true; sessionWelcomed = true; backoff = 500; STATE.welcomes += 1;
      showApp();
      setConn("online");
      renderAll();
    } else if (msg.type === "event") {
      if (!welcomed) return;
      try { applyEvent(msg); } catch (err) { console.error("event", msg.name, err); resync(); }
      scheduleRender();
    } else if (msg.type === "result") {
      const answer = pending.get(msg.id);
      if (answer) { pending.delete(msg.id); answer(msg); }
    } else if (msg.type === "error") {
      const code = msg.error && msg.error.code;
      if (!welcomed && (!sessionWelcomed || code === "unauthorized" || code === "locked_out"))
        refused(msg.error);
      else toast(errorText(msg.error), true);
    }
  }

  function refused(error) {
    // A wrong PIN, a lockout, or an account changed since: back to the login form.
    cred = null;
    const sock = ws; ws = null;
    if (sock) sock.close(1000);
    showLogin(error);
  }

  function logout() {
    cred = null; session = null;
    clearTimeout(retryTimer);
    const sock = ws; ws = null; welcomed = false;
    failPending();
    if (sock) sock.close(1000);
    resetModel();
    showLogin(null);
  }

  // ---------------------------------------------------------------- screens
  function showLogin(error) {
    setConn("login");
    document.body.dataset.state = "login";
    $("login").hidden = false;
    $("tabs").hidden = true;
    $("logout").hidden = true;
    $("who").textContent = "";
    document.querySelectorAll(".tab").forEach((s) => { s.hidden = true; });
    $("login-pin").value = "";
    $("login-submit").disabled = false;
    showError("login-error", error);
    if (document.getElementById("dialog").open) $("dialog").close();
    $("login-officer").focus();
  }
  function showApp() {
    $("login").hidden = true;
    $("tabs").hidden = false;
    $("logout").hidden = false;
    showTab(tab);
  }
  function showTab(name) {
    tab = name;
    document.querySelectorAll(".tab").forEach((s) => { s.hidden = s.id !== "tab-" + name; });
    document.querySelectorAll("#tabs button").forEach((b) => {
      b.classList.toggle("active", b.dataset.tab === name);
      b.setAttribute("aria-current", b.dataset.tab === name ? "page" : "false");
    });
    document.body.dataset.tab = name;
  }

  let renderTimer = null;
  function scheduleRender() {
    if (renderTimer) return;
    renderTimer = setTimeout(() => { renderTimer = null; renderAll(); }, 30);
  }
  function renderAll() {
    if (!M.loaded) return;
    $("office-name").textContent = M.office.name || "Antrean";
    const me = session || {};
    $("who").textContent = me.name ? me.name + " (" + (me.officer || "") + ")" : "";
    renderFloor();
    renderWaiting();
    renderPeople();
    renderDevices();
    renderCalendar();
    renderAuditOfficers();
    if (lastHistory) renderHistory(lastHistory);
    if (lastAudit) renderAudit(lastAudit);
    setDefaults();
    tick();
  }

  // elements whose text is "for how long since X", refreshed every second
  function live(cell, iso) { cell.dataset.since = iso || ""; cell.classList.add("live"); return cell; }
  function tick() {
    $("clock").textContent = M.loaded ? fmtTime(new Date(now()).toISOString()) : "";
    document.querySelectorAll("[data-since]").forEach((e) => {
      e.textContent = e.dataset.since ? fmtDuration(since(e.dataset.since)) : "—";
    });
  }

  // ---------------------------------------------------------------- floor
  function renderFloor() {
    const a = M.announcement;
    const text = a && a.text ? [a.text.id, a.text.en].filter(Boolean).join(" · ") : "";
    $("announcement-text").textContent = text
      ? text + (a.until ? "  (" + tr("until_time", { time: fmtDateTime(a.until) }) + ")" : "")
      : tr("announcement_none");

    const body = $("counters-body");
    body.replaceChildren();
    for (const id of M.counterOrder) {
      const c = M.counters[id];
      const tr_ = el("tr", "status-" + c.status);
      tr_.dataset.counter = id;
      tr_.append(td(counterName(id), "name"));
      const st = td("", "badge-cell");
      st.append(el("span", "badge " + c.status, tr("counter_" + c.status)));
      tr_.append(st);
      tr_.append(td(c.officer ? (c.officer_name || officerName(c.officer)) : "—"));
      const t = c.ticket;
      const ticketCell = td(t ? t.number : "—", t ? "ticket" : "muted");
      if (t) ticketCell.append(el("span", "sub", " " + tr("ticket_" + t.status)));
      tr_.append(ticketCell);
      const forCell = td("—");
      if (t) live(forCell, t.status === "serving" ? (t.started_at || t.called_at) : t.called_at);
      tr_.append(forCell);
      tr_.append(td(c.stats && typeof c.stats.served === "number" ? c.stats.served : 0, "num"));
      tr_.append(td(c.status === "paused" ? (c.pause_reason || "") : "", "reason"));
      const acts = td("", "acts");
      if (c.status === "closed") acts.append(button("open_counter", () => openCounter(c)));
      else acts.append(button("close_counter", () => closeCounter(c), "small danger"));
      tr_.append(acts);
      body.append(tr_);
    }

    renderServices();

    const alerts = $("alerts-list");
    alerts.replaceChildren();
    for (const a of M.alerts) {
      const li = el("li", "alert");
      const what = a.kind === "service_time"
        ? tr("alert_service_time", { value: a.value, target: a.target, counter: counterName(a.counter) })
        : tr("alert_" + a.kind, { value: a.value, target: a.target });
      li.append(el("strong", null, serviceName(a.service)), el("span", null, " " + what));
      li.append(el("span", "when", tr("since_time", { time: fmtTime(a.since) })));
      alerts.append(li);
    }
    const faults = Object.values(M.deviceStatus).filter((d) => FAULTS.includes(d.status))
      .sort((x, y) => String(x.at).localeCompare(String(y.at)));
    for (const d of faults) {
      const li = el("li", "alert device");
      li.append(el("strong", null, deviceLabel(d.device)),
        el("span", null, " " + tr("status_" + d.status) + (d.detail ? " — " + d.detail : "")));
      li.append(el("span", "when", tr("since_time", { time: fmtTime(d.at) })));
      alerts.append(li);
    }
    if (!alerts.children.length) alerts.append(el("li", "muted", tr("alerts_none")));

    const calls = $("calls-list");
    calls.replaceChildren();
    for (const r of M.recent.slice(0, 8)) {
      const li = el("li");
      li.append(el("span", "ticket", (r.ticket && r.ticket.number) || ""),
        el("span", null, " → " + counterName(r.counter)),
        el("span", "when", fmtTime(r.at)));
      calls.append(li);
    }
    if (!calls.children.length) calls.append(el("li", "muted", tr("calls_none")));
  }

  // services × lanes: one row per service, one cell per lane (waiting, longest wait,
  // issued/quota), then whether it issues now and the stop/resume action
  function renderServices() {
    const head = $("services-head");
    head.replaceChildren();
    const hr = el("tr");
    hr.append(el("th", null, tr("col_service")));
    for (const lane of M.laneOrder) hr.append(el("th", "lane", laneName(lane)));
    const actsHead = el("th");
    actsHead.append(el("span", "sr-only", tr("col_actions")));
    hr.append(el("th", null, tr("col_state")), actsHead);
    head.append(hr);
    const sbody = $("services-body");
    sbody.replaceChildren();
    for (const sid of M.serviceOrder) {
      const s = M.services[sid];
      const row = el("tr");
      row.dataset.service = sid;
      const nameCell = td("", "name");
      if (s.prefix) nameCell.append(el("span", "prefix", s.prefix));
      nameCell.append(el("span", "sname", named(s.name) || sid));
      const target = s.target_wait_minutes;
      if (target) nameCell.append(el("small", "sub", tr("target_min", { n: target })));
      row.append(nameCell);
      for (const lane of M.laneOrder) {
        const cell = td("", "lane-cell");
        cell.dataset.lane = lane;
        if (!(s.lanes || []).includes(lane)) { cell.append(el("span", "muted", "—")); row.append(cell); continue; }
        const line = M.waiting.filter((w) => w.service === sid && w.lane === lane);
        let oldest = null;
        for (const w of line) {
          const q = w.queued_at || w.issued_at;
          if (q && (!oldest || q < oldest)) oldest = q;
        }
        const top = el("div", "line");
        top.append(el("span", "waiting" + (line.length ? "" : " zero"), line.length));
        if (oldest) {
          const wait = live(el("span", "wait"), oldest);
          if (target && since(oldest) > target * 60) { wait.classList.add("over"); cell.classList.add("late"); }
          top.append(wait);
        }
        cell.append(top);
        const q = el("button", "quota", issuedText(s, lane));
        q.type = "button";
        q.title = tr("set_quota");
        q.dataset.action = "set_quota";
        q.addEventListener("click", () => setQuota(s, lane));
        cell.append(q);
        row.append(cell);
      }
      row.append(serviceStateCell(s, true));
      const acts = td("", "acts");
      if (s.issuing_paused) acts.append(button("resume_issuing", () => resumeIssuing(s)));
      else acts.append(button("pause_issuing", () => pauseIssuing(s), "small danger"));
      row.append(acts);
      sbody.append(row);
    }
  }

  function effectiveQuota(s, lane) {
    const today = s.quota_today || {};
    if (lane in today && today[lane] !== null && today[lane] !== undefined) return [today[lane], true];
    const q = (s.quota || {})[lane];
    return [q === undefined ? null : q, false];
  }
  function issuedText(s, lane) {
    if (!lane) return "—";
    const issued = (s.issued || {})[lane] || 0;
    const [quota, today] = effectiveQuota(s, lane);
    return issued + " / " + (quota === null ? "∞" : quota) + (today ? " *" : "");
  }
  function serviceStateCell(s, first) {
    const cell = td("", "state");
    if (!first) return cell;
    if (s.issuing_paused) {
      cell.append(el("span", "badge paused", tr("issuing_paused")),
        el("span", "reason", " " + named(s.issuing_paused)));
    } else if (s.open) {
      cell.append(el("span", "badge open", tr("service_open")));
    } else {
      const reason = s.closed_reason ? tr("closed_" + s.closed_reason) : tr("service_closed");
      cell.append(el("span", "badge closed", reason));
      const h = s.holiday || (s.closed_reason === "holiday" && todayHoliday());
      const holidayName = h ? named(h.name || h) : "";
      if (holidayName) cell.append(el("span", "reason", " " + holidayName));
    }
    return cell;
  }
  function todayHoliday() { return M.holidays.find((h) => h.date === M.office.day) || null; }

  // ---------------------------------------------------------------- tickets
  function renderWaiting() {
    const body = $("waiting-body");
    body.replaceChildren();
    for (const w of M.waiting.slice(0, 200)) {
      const row = el("tr");
      row.dataset.ticket = w.number;
      row.append(td(w.number, "ticket"), td(serviceName(w.service)), td(laneName(w.lane)));
      row.append(live(td("—"), w.queued_at || w.issued_at));
      const acts = td("", "acts");
      acts.append(button("history", () => search(w.number)));
      row.append(acts);
      body.append(row);
    }
    if (!body.children.length) {
      const row = el("tr"); const c = td(tr("waiting_none"), "muted"); c.colSpan = 5;
      row.append(c); body.append(row);
    }
  }

  async function search(number) {
    showTab("tickets");
    $("search-number").value = number;
    const args = { ticket: number.trim().toUpperCase() };
    const res = await command("ticket_history", args);
    if (!res.ok) {
      lastHistory = null;
      $("ticket-card").hidden = true;
      showError("search-error", res.error);
      return;
    }
    showError("search-error", null);
    lastHistory = res.data;
    renderHistory(res.data);
  }

  function currentTicket(t) {
    // the freshest copy this page holds (the history answer may be older than events)
    if (!t) return t;
    const w = M.waiting.find((x) => x.id === t.id);
    if (w) return w;
    for (const c of Object.values(M.counters)) if (c.ticket && c.ticket.id === t.id) return c.ticket;
    return t;
  }

  function historyTicket(data) {
    // `ticket` is the ticket or its id; its latest state is in the last event naming it
    if (data.ticket && typeof data.ticket === "object") return data.ticket;
    let found = null;
    for (const ev of data.events || []) {
      const t = ev.data && ev.data.ticket;
      if (t && typeof t === "object" && (t.id === data.ticket || !data.ticket)) found = t;
    }
    return found;
  }

  function renderHistory(data) {
    const t = currentTicket(historyTicket(data)) || {};
    $("ticket-card").hidden = false;
    $("ticket-number").textContent = t.number || "";
    const facts = [serviceName(t.service), laneName(t.lane), tr("ticket_" + t.status)];
    if (t.counter) facts.push(counterName(t.counter));
    if (t.issued_at) facts.push(tr("issued_at", { time: fmtTime(t.issued_at) }));
    $("ticket-facts").textContent = facts.filter(Boolean).join(" · ");
    const acts = $("ticket-actions");
    acts.replaceChildren();
    if (t.status === "waiting") acts.append(button("move_ticket", () => moveTicket(t)));
    if (t.status === "no_show") acts.append(button("reinstate", () => reinstate(t)));
    if (["waiting", "called", "serving"].includes(t.status))
      acts.append(button("cancel_ticket", () => cancelTicket(t), "small danger"));
    if (!["cancelled", "expired"].includes(t.status))
      acts.append(button("reprint", () => reprint(t)));
    const body = $("history-body");
    body.replaceChildren();
    for (const ev of data.events || []) body.append(eventRow(ev, false));
  }

  function eventRow(ev, actorFirst) {
    const row = el("tr");
    row.dataset.event = ev.name;
    const time = td(fmtTime(ev.at, true), "time");
    const name = td(eventName(ev.name));
    const actor = td(actorText(ev.actor), "actor");
    const detail = td(eventDetail(ev.name, ev.data || {}), "detail");
    if (actorFirst) row.append(time, actor, name, detail);
    else row.append(time, name, actor, detail);
    return row;
  }
  function reasonText(reason) {
    // why a ticket was called, in the page's language (the event's text is the server's)
    const key = "reason_" + reason.code, p = reason.params || {};
    if (!S.id[key]) return reason.text || reason.code;
    return tr(key, { lane: p.lane ? laneName(p.lane) : "", waited: p.waited_min,
                     cap: p.cap_min, after: p.after });
  }
  function eventName(name) { return S.id["ev_" + name] ? tr("ev_" + name) : name; }
  function eventDetail(name, d) {
    const parts = [];
    const t = d.ticket;
    if (t && t.number) parts.push(t.number);
    if (typeof d.counter === "string") parts.push(counterName(d.counter));
    else if (d.counter && d.counter.id) parts.push(counterName(d.counter.id));
    if (d.service && typeof d.service === "string") parts.push(serviceName(d.service));
    else if (d.service && d.service.id) parts.push(named(d.service.name) || d.service.id);
    if (d.from && d.from.service) parts.push(tr("from_to", { from: serviceName(d.from.service),
      to: t ? serviceName(t.service) : "" }));
    if (d.position) parts.push(tr("position_" + d.position));
    if (d.reason && typeof d.reason === "string") parts.push(d.reason);
    else if (d.reason && d.reason.code) parts.push(reasonText(d.reason));
    else if (d.reason && (d.reason.id || d.reason.en)) parts.push(named(d.reason));
    if (name === "ticket_no_show" && d.auto && d.cause) parts.push(tr("no_show_cause_" + d.cause));
    if (d.by) parts.push(tr("by_who", { who: officerName(d.by) }));
    if (d.officer && typeof d.officer === "string") parts.push(officerName(d.officer));
    else if (d.officer && d.officer.id) parts.push(d.officer.name + " (" + d.officer.id + ")");
    if (d.text && (d.text.id || d.text.en)) parts.push(named(d.text));
    if (name === "device_status") parts.push(d.device + ": " + tr("status_" + d.status));
    if (name === "device_paired" || name === "device_revoked") parts.push(d.name);
    if (name === "set_quota" || d.quota !== undefined) parts.push(String(d.quota));
    if (d.kiosk) parts.push(d.kiosk);
    if (d.days) parts.push(tr("days_count", { n: d.days.length }));
    if (typeof d.count === "number") parts.push(String(d.count));
    if (d.note) parts.push(d.note);
    return parts.filter((p) => p !== "" && p !== undefined && p !== null).join(" · ");
  }

  // ---------------------------------------------------------------- dialogs
  // fields: [{key, label, type, value, options: [[value, text]], required, max, hint}]
  let dialogDone = null;
  function openDialog(spec) {
    const dlg = $("dialog");
    $("dialog-title").textContent = spec.title;
    $("dialog-warning").hidden = !spec.warning;
    $("dialog-warning").textContent = spec.warning || "";
    $("dialog-ok").textContent = spec.ok || tr("save");
    $("dialog-ok").className = spec.danger ? "danger" : "primary";
    $("dialog-ok").disabled = false;
    showError("dialog-error", null);
    const box = $("dialog-fields");
    box.replaceChildren();
    const inputs = {};
    for (const f of spec.fields || []) {
      const label = el("label", f.type === "checkbox" ? "check" : null);
      let input;
      if (f.type === "select") {
        input = el("select");
        for (const [value, text] of f.options) {
          const o = el("option", null, text); o.value = value; input.append(o);
        }
        if (f.value !== undefined && f.value !== null) input.value = f.value;
      } else if (f.type === "textarea") {
        input = el("textarea");
        input.value = f.value || "";
        input.rows = 3;
      } else {
        input = el("input");
        input.type = f.type || "text";
        if (f.type === "checkbox") input.checked = !!f.value;
        else if (f.type !== "file" && f.value !== undefined && f.value !== null) input.value = f.value;
        if (f.accept) input.accept = f.accept;
        if (f.min !== undefined) input.min = f.min;
        if (f.readOnly) input.readOnly = true;
        if (f.inputmode) input.inputMode = f.inputmode;
      }
      input.name = f.key;
      input.id = "f-" + f.key;
      if (f.required) input.required = true;
      if (f.max) input.maxLength = f.max;
      if (f.autocomplete) input.autocomplete = f.autocomplete;
      const caption = el("span", null, f.label);
      if (f.type === "checkbox") label.append(input, caption);
      else label.append(caption, input);
      if (f.hint) label.append(el("small", "hint", f.hint));
      box.append(label);
      inputs[f.key] = input;
    }
    for (const f of spec.fields || []) if (f.onChange) inputs[f.key].addEventListener("change", () => f.onChange(inputs));
    for (const f of spec.fields || []) if (f.onChange) f.onChange(inputs);
    dialogDone = async () => {
      const values = {};
      for (const [key, input] of Object.entries(inputs)) {
        values[key] = input.type === "checkbox" ? input.checked
          : input.type === "file" ? input.files : input.value;
      }
      $("dialog-ok").disabled = true;
      let res;
      try { res = await spec.run(values); }
      catch (err) { res = { ok: false, error: { code: "bad_request", message: String(err.message || err) } }; }
      $("dialog-ok").disabled = false;
      if (res && res.ok === false) { showError("dialog-error", res.error); return; }
      dlg.close();
      if (spec.done) spec.done(res); else toast(tr("done"));
    };
    dlg.showModal();
    const first = box.querySelector("input:not([readonly]), select, textarea");
    if (first) first.focus(); else $("dialog-cancel").focus();
  }

  function confirmDialog(title, warning, okKey, run, done) {
    openDialog({ title, warning, ok: tr(okKey), danger: true, fields: [], run, done });
  }

  function serviceOptions() { return M.serviceOrder.map((id) => [id, serviceName(id)]); }
  function laneOptions(serviceId) {
    const s = M.services[serviceId];
    return ((s && s.lanes) || M.laneOrder).map((id) => [id, laneName(id)]);
  }
  function counterOptions(blank) {
    const opts = M.counterOrder.map((id) => [id, counterName(id)]);
    return blank ? [["", blank], ...opts] : opts;
  }

  function openCounter(c) {
    command("open_counter", { counter: c.id }).then((r) => {
      if (r.ok) toast(tr("done")); else toast(errorText(r.error), true);
    });
  }
  function closeCounter(c) {
    openDialog({ title: tr("close_counter_title", { counter: counterName(c.id) }),
      warning: c.officer ? tr("close_counter_warning", { officer: c.officer_name || officerName(c.officer) }) : "",
      ok: tr("close_counter"), danger: true,
      fields: [{ key: "reason", label: tr("reason_optional"), max: 200 }],
      run: (v) => command("close_counter", v.reason.trim() ? { counter: c.id, reason: v.reason.trim() } : { counter: c.id }) });
  }
  function pauseIssuing(s) {
    openDialog({ title: tr("pause_issuing_title", { service: named(s.name) }),
      warning: tr("pause_issuing_warning"), ok: tr("pause_issuing"), danger: true,
      fields: [
        { key: "id", label: tr("reason_id"), required: true, max: 200, value: S.id.pause_default || "" },
        { key: "en", label: tr("reason_en"), required: true, max: 200, value: (S.en && S.en.pause_default) || "" },
      ],
      run: (v) => command("pause_issuing", { service: s.id, reason: { id: v.id.trim(), en: v.en.trim() } }) });
  }
  function resumeIssuing(s) {
    openDialog({ title: tr("resume_issuing_title", { service: named(s.name) }), ok: tr("resume_issuing"),
      fields: [], run: () => command("resume_issuing", { service: s.id }) });
  }
  function setQuota(s, lane) {
    const [quota, today] = effectiveQuota(s, lane);
    openDialog({ title: tr("set_quota_title", { service: named(s.name), lane: laneName(lane) }),
      ok: tr("save"),
      fields: [{ key: "quota", label: tr("quota_today"), type: "number", min: 0,
        value: today ? quota : "", hint: tr("quota_hint", { configured: (s.quota || {})[lane] ?? "∞",
          issued: (s.issued || {})[lane] || 0 }) }],
      run: (v) => {
        const text = String(v.quota).trim();
        const value = text === "" ? null : Number(text);
        if (value !== null && (!Number.isInteger(value) || value < 0))
          return { ok: false, error: { code: "bad_request", message: tr("quota_invalid") } };
        return command("set_quota", { service: s.id, lane, quota: value });
      } });
  }
  function editAnnouncement() {
    const a = M.announcement || {};
    const text = a.text || {};
    openDialog({ title: tr("announcement_edit"), ok: tr("save"),
      fields: [
        { key: "id", label: tr("text_id"), type: "textarea", max: 500, value: text.id || "" },
        { key: "en", label: tr("text_en"), type: "textarea", max: 500, value: text.en || "" },
        { key: "until", label: tr("until_label"), type: "datetime-local",
          value: a.until ? localInput(a.until) : "", hint: tr("until_hint") },
      ],
      run: (v) => {
        const args = { text: { id: v.id.trim(), en: v.en.trim() } };
        if (v.until) args.until = v.until.length === 16 ? v.until + ":00" : v.until;
        return command("set_announcement", args);
      } });
  }
  function localInput(iso) {
    // an ISO time as the office's wall clock, for a datetime-local input
    try {
      const parts = new Intl.DateTimeFormat("sv-SE", { timeZone: zone(), year: "numeric",
        month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
        .format(new Date(iso));
      return parts.replace(" ", "T");
    } catch (e) { return ""; }
  }
  function cancelTicket(t) {
    openDialog({ title: tr("cancel_ticket_title", { number: t.number }),
      warning: tr("cannot_undo"), ok: tr("cancel_ticket"), danger: true,
      fields: [{ key: "reason", label: tr("reason_optional"), max: 200 }],
      run: (v) => command("cancel", v.reason.trim() ? { ticket: t.id, reason: v.reason.trim() } : { ticket: t.id }),
      done: () => { toast(tr("done")); search(t.number); } });
  }
  function reinstate(t) {
    openDialog({ title: tr("reinstate_title", { number: t.number }), ok: tr("reinstate"),
      warning: tr("reinstate_hint"), fields: [],
      run: () => command("reinstate", { ticket: t.id }),
      done: () => { toast(tr("done")); search(t.number); } });
  }
  function moveTicket(t) {
    openDialog({ title: tr("move_ticket_title", { number: t.number }), ok: tr("move_ticket"),
      fields: [
        { key: "service", label: tr("col_service"), type: "select", options: serviceOptions(),
          value: t.service, onChange: (inputs) => {
            const lane = inputs.lane.value;
            inputs.lane.replaceChildren(...laneOptions(inputs.service.value).map(([v, x]) => {
              const o = el("option", null, x); o.value = v; return o;
            }));
            if ([...inputs.lane.options].some((o) => o.value === lane)) inputs.lane.value = lane;
          } },
        { key: "lane", label: tr("col_lane"), type: "select", options: laneOptions(t.service), value: t.lane },
        { key: "to_counter", label: tr("to_counter"), type: "select", options: counterOptions(tr("any_counter")),
          value: t.to_counter || "" },
        { key: "position", label: tr("position"), type: "select",
          options: [["keep", tr("position_keep")], ["front", tr("position_front")]], value: "keep" },
      ],
      run: (v) => {
        const args = { ticket: t.id, service: v.service, lane: v.lane, position: v.position };
        if (v.to_counter) args.to_counter = v.to_counter;
        return command("move_ticket", args);
      },
      done: () => { toast(tr("done")); search(t.number); } });
  }
  function reprint(t) {
    const kiosks = Object.values(M.devices).filter((d) => d.role === "kiosk")
      .sort((x, y) => (y.connected ? 1 : 0) - (x.connected ? 1 : 0));
    openDialog({ title: tr("reprint_title", { number: t.number }), ok: tr("reprint"),
      fields: [{ key: "kiosk", label: tr("kiosk"), type: "select", required: true,
        options: kiosks.map((d) => [d.name, d.name + (d.connected ? "" : " (" + tr("disconnected") + ")")]) }],
      run: (v) => command("reprint", { ticket: t.id, kiosk: v.kiosk }) });
  }
  function importBookings() {
    openDialog({ title: tr("import_bookings"), ok: tr("import_button"),
      fields: [{ key: "file", label: tr("import_file"), type: "file", accept: ".csv,text/csv",
        required: true, hint: tr("import_hint") }],
      run: async (v) => {
        const file = v.file && v.file[0];
        if (!file) return { ok: false, error: { code: "bad_request", message: tr("import_file") } };
        const rows = bookingRows(await file.text());
        return command("import_bookings", { bookings: rows });
      },
      done: (r) => toast(tr("imported", { n: (r.data && r.data.imported) || 0 })) });
  }

  // ---------------------------------------------------------------- bookings CSV
  const ALIASES = {
    code: ["code", "kode", "kode_booking", "booking_code", "kode booking"],
    service: ["service", "layanan", "jenis_layanan"],
    slot_start: ["slot_start", "jadwal", "slot", "waktu", "jam_mulai"],
    slot_end: ["slot_end", "jam_selesai", "slot_akhir"],
    lane: ["lane", "jalur"],
  };
  function parseCsv(text) {
    text = text.replace(/^\uFEFF/, "");
    const first = text.split(/\r?\n/, 1)[0] || "";
    const counts = [",", ";", "\t"].map((d) => [d, first.split(d).length]);
    const delim = counts.sort((a, b) => b[1] - a[1])[0][0];
    const rows = [];
    let row = [], field = "", quoted = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (quoted) {
        if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
        else if (ch === '"') quoted = false;
        else field += ch;
      } else if (ch === '"' && field === "") quoted = true;
      else if (ch === delim) { row.push(field); field = ""; }
      else if (ch === "\n" || ch === "\r") {
        if (ch === "\r" && text[i + 1] === "\n") i++;
        row.push(field); rows.push(row); row = []; field = "";
      } else field += ch;
    }
    if (field !== "" || row.length) { row.push(field); rows.push(row); }
    return rows;
  }
  function bookingRows(text) {
    const table = parseCsv(text);
    const header = (table.shift() || []).map((h) => h.trim().toLowerCase());
    const columns = {};
    for (const [field, names] of Object.entries(ALIASES)) {
      const index = header.findIndex((h) => names.includes(h));
      if (index >= 0) columns[field] = index;
    }
    const missing = ["code", "service", "slot_start"].filter((f) => !(f in columns));
    if (missing.length) throw new Error(tr("import_missing", { columns: missing.join(", ") }));
    const rows = [];
    for (const raw of table) {
      const row = {};
      for (const [field, index] of Object.entries(columns)) {
        const value = (raw[index] || "").trim();
        if (value) row[field] = value;
      }
      if (Object.keys(row).length) rows.push(row);
    }
    return rows;
  }

  // ---------------------------------------------------------------- people
  function renderPeople() {
    const body = $("people-body");
    body.replaceChildren();
    const officers = Object.values(M.officers).sort((a, b) => a.id.localeCompare(b.id));
    for (const o of officers) {
      const row = el("tr", o.disabled ? "disabled" : "");
      row.dataset.officer = o.id;
      row.append(td(o.id, "mono"), td(o.name, "name"),
        td(o.supervisor ? tr("role_supervisor") : tr("role_officer")));
      const st = td("");
      st.append(el("span", "badge " + (o.disabled ? "closed" : "open"),
        o.disabled ? tr("officer_disabled") : tr("officer_active")));
      if (o.locked) st.append(el("span", "badge paused", tr("officer_locked")));
      row.append(st);
      const acts = td("", "acts");
      acts.append(button("edit", () => editOfficer(o)));
      if (o.locked) acts.append(button("unlock", () => unlockOfficer(o)));
      row.append(acts);
      body.append(row);
    }
  }
  function officerArgs(o, extra) {
    return Object.assign({ officer: o.id, name: o.name, supervisor: !!o.supervisor,
      disabled: !!o.disabled }, extra);
  }
  function editOfficer(o) {
    const isNew = !o;
    o = o || { id: "", name: "", supervisor: false, disabled: false };
    openDialog({ title: isNew ? tr("officer_add") : tr("officer_edit", { name: o.name }),
      ok: tr("save"),
      fields: [
        { key: "officer", label: tr("col_id"), value: o.id, required: true, max: 64,
          readOnly: !isNew, autocomplete: "off" },
        { key: "name", label: tr("col_name"), value: o.name, required: true, max: 200 },
        { key: "pin", label: isNew ? tr("pin_new") : tr("pin_change"), type: "password",
          required: isNew, max: 8, inputmode: "numeric", autocomplete: "new-password",
          hint: tr("pin_hint") },
        { key: "supervisor", label: tr("role_supervisor"), type: "checkbox", value: o.supervisor },
        { key: "disabled", label: tr("officer_disable"), type: "checkbox", value: o.disabled,
          hint: tr("disable_hint") },
      ],
      run: (v) => {
        const pin = v.pin.trim();
        if (pin && !/^\d{4,8}$/.test(pin))
          return { ok: false, error: { code: "bad_request", message: tr("pin_hint") } };
        const args = { officer: v.officer.trim(), name: v.name.trim(), supervisor: v.supervisor,
          disabled: v.disabled };
        if (pin) args.pin = pin;
        return command("save_officer", args);
      } });
  }
  function unlockOfficer(o) {
    command("save_officer", officerArgs(o, { unlock: true })).then((r) => {
      if (r.ok) toast(tr("done")); else toast(errorText(r.error), true);
    });
  }

  // ---------------------------------------------------------------- devices
  function renderDevices() {
    const pbody = $("pairing-body");
    pbody.replaceChildren();
    const live_ = M.pairing.filter((p) => !p.expires_at || Date.parse(p.expires_at) > now());
    for (const p of live_) {
      const row = el("tr");
      row.dataset.code = p.code;
      row.append(td(p.code, "code"), td(tr("role_" + p.role)), td(p.device || ""),
        td(p.address || ""), td(fmtTime(p.expires_at)));
      const acts = td("", "acts");
      acts.append(button("approve", () => approvePairing(p), "small primary"),
        button("reject", () => rejectPairing(p), "small danger"));
      row.append(acts);
      pbody.append(row);
    }
    if (!pbody.children.length) {
      const row = el("tr"); const c = td(tr("pairing_none"), "muted"); c.colSpan = 6;
      row.append(c); pbody.append(row);
    }
    const body = $("devices-body");
    body.replaceChildren();
    const devices = Object.values(M.devices).sort((a, b) => a.name.localeCompare(b.name));
    for (const d of devices) {
      const row = el("tr", d.connected ? "" : "gone");
      row.dataset.device = d.name;
      row.append(td(d.name, "name"), td(tr("role_" + d.role)), td(d.counter ? counterName(d.counter) : "—"));
      const conn = td("");
      conn.append(el("span", "badge " + (d.connected ? "open" : "closed"),
        d.connected ? tr("connected") : tr("disconnected")));
      row.append(conn);
      row.append(td(d.connected ? tr("now") : (d.last_seen ? fmtDateTime(d.last_seen) : "—")));
      const status = d.status || M.deviceStatus[d.name];
      row.append(td(status ? tr("status_" + status.status) + (status.detail ? " — " + status.detail : "") : "—",
        status && FAULTS.includes(status.status) ? "fault" : ""));
      const acts = td("", "acts");
      acts.append(button("revoke", () => revokeDevice(d), "small danger"));
      row.append(acts);
      body.append(row);
    }
  }
  function approvePairing(p) {
    const roles = ["kiosk", "counter", "display", "tablet"];
    openDialog({ title: tr("approve_title", { code: p.code }), ok: tr("approve"),
      fields: [
        { key: "name", label: tr("device_name"), required: true, max: 64,
          value: p.device || "", hint: tr("device_name_hint") },
        { key: "role", label: tr("col_role"), type: "select",
          options: roles.map((r) => [r, tr("role_" + r)]), value: roles.includes(p.role) ? p.role : "kiosk" },
        { key: "counter", label: tr("col_counter"), type: "select", options: counterOptions(tr("no_counter")),
          hint: tr("counter_hint") },
      ],
      run: (v) => {
        const args = { code: p.code, name: v.name.trim(), role: v.role };
        if (v.counter) args.counter = v.counter;
        return command("approve_pairing", args);
      } });
  }
  function rejectPairing(p) {
    confirmDialog(tr("reject_title", { code: p.code }), tr("reject_warning"), "reject",
      () => command("reject_pairing", { code: p.code }));
  }
  function revokeDevice(d) {
    confirmDialog(tr("revoke_title", { name: d.name }), tr("revoke_warning"), "revoke",
      () => command("revoke_device", { name: d.name }));
  }

  // ---------------------------------------------------------------- calendar
  function renderCalendar() {
    const body = $("holidays-body");
    body.replaceChildren();
    const days = M.holidays.slice().sort((a, b) => a.date.localeCompare(b.date));
    for (const h of days) {
      const row = el("tr", h.date < (M.office.day || "") ? "past" : "");
      row.dataset.date = h.date;
      row.append(td(fmtDate(h.date)), td((h.name && h.name.id) || ""), td((h.name && h.name.en) || ""));
      const acts = td("", "acts");
      acts.append(button("remove", () => removeHoliday(h), "small danger"));
      row.append(acts);
      body.append(row);
    }
    if (!body.children.length) {
      const row = el("tr"); const c = td(tr("holidays_none"), "muted"); c.colSpan = 4;
      row.append(c); body.append(row);
    }
  }
  async function saveHolidays(days) {
    const res = await command("set_holidays", { days });
    showError("holiday-error", res.ok ? null : res.error);
    return res;
  }
  function removeHoliday(h) {
    confirmDialog(tr("remove_holiday_title", { date: fmtDate(h.date) }), named(h.name), "remove",
      () => command("set_holidays", { days: M.holidays.filter((x) => x.date !== h.date) }));
  }

  // ---------------------------------------------------------------- reports
  async function report(format) {
    const from = $("report-from").value, to = $("report-to").value;
    showError("report-error", null);
    const res = await command("report_link", { from, to, format, lang: $("report-lang").value });
    if (!res.ok) { showError("report-error", res.error); return; }
    const url = res.data.url;
    $("report-status").textContent = tr("report_link_made", { time: fmtTime(new Date(now()).toISOString()) });
    if (format === "html") {
      window.open(url, "_blank", "noopener");
    } else {
      const a = el("a"); a.href = url; a.download = ""; a.hidden = true;
      document.body.append(a); a.click(); a.remove();
    }
  }

  // ---------------------------------------------------------------- audit
  function renderAuditOfficers() {
    const select = $("audit-officer");
    const chosen = select.value;
    select.replaceChildren();
    const all = el("option", null, tr("all")); all.value = ""; select.append(all);
    for (const o of Object.values(M.officers).sort((a, b) => a.id.localeCompare(b.id))) {
      const opt = el("option", null, o.name + " (" + o.id + ")"); opt.value = o.id; select.append(opt);
    }
    select.value = chosen;
  }
  async function loadAudit() {
    const args = { limit: 500 };
    if ($("audit-day").value) args.day = $("audit-day").value;
    if ($("audit-officer").value) args.officer = $("audit-officer").value;
    const ticket = $("audit-ticket").value.trim().toUpperCase();
    if (ticket) args.ticket = ticket;
    const res = await command("audit", args);
    if (!res.ok) { showError("audit-error", res.error); return; }
    showError("audit-error", null);
    lastAudit = res.data.events || [];
    renderAudit(lastAudit);
  }
  function renderAudit(events) {
    const body = $("audit-body");
    body.replaceChildren();
    for (const ev of events) body.append(eventRow(ev, true));
    $("audit-empty").hidden = events.length > 0;
  }

  // ---------------------------------------------------------------- settings
  async function reloadConfig() {
    const res = await command("reload_config", {});
    $("reload-ok").hidden = !res.ok;
    $("reload-error").hidden = res.ok;
    if (res.ok) {
      $("reload-ok").textContent = tr("reload_done", { time: fmtTime(new Date(now()).toISOString()) });
      return res;
    }
    const e = res.error || {};
    const where = parseWhere(e);
    $("reload-file").textContent = where.file || "—";
    $("reload-line").textContent = where.line || "—";
    $("reload-key").textContent = where.key || "—";
    $("reload-message").textContent = errorText(e);
    return res;
  }
  function parseWhere(e) {
    // structured fields when the server sends them, else read from "FILE:LINE: KEY: ..."
    const out = { file: e.file || "", line: e.line ? String(e.line) : "", key: e.key || "" };
    const m = /([^\s:]+\.toml):(\d+)(?::\s*([A-Za-z0-9_.\[\]-]+))?/.exec(e.message || "");
    if (m) {
      out.file = out.file || m[1];
      out.line = out.line || m[2];
      out.key = out.key || m[3] || "";
    }
    return out;
  }

  // ---------------------------------------------------------------- defaults, wiring
  let defaultsSet = false;
  function setDefaults() {
    if (defaultsSet || !M.office.day) return;
    defaultsSet = true;
    $("report-from").value = M.office.day;
    $("report-to").value = M.office.day;
    $("audit-day").value = M.office.day;
  }

  function wire() {
    $("lang").addEventListener("click", () => {
      lang = lang === "id" ? "en" : "id";
      applyTexts();
      if (document.body.dataset.state !== "login") setConn(STATE.state);
      renderAll();
    });
    $("login").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const officer = $("login-officer").value.trim(), pin = $("login-pin").value;
      if (!officer || !pin) return;
      cred = { officer, pin };
      sessionWelcomed = false;
      $("login-pin").value = "";
      $("login-submit").disabled = true;
      showError("login-error", null);
      backoff = 500;
      connect();
    });
    $("logout").addEventListener("click", logout);
    document.querySelectorAll("#tabs button").forEach((b) => {
      b.addEventListener("click", () => showTab(b.dataset.tab));
    });
    $("announce-button").addEventListener("click", editAnnouncement);
    $("import-button").addEventListener("click", importBookings);
    $("search").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const n = $("search-number").value.trim();
      if (n) search(n);
    });
    $("officer-add").addEventListener("click", () => editOfficer(null));
    $("devices-refresh").addEventListener("click", resync);
    $("holiday-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const date = $("holiday-date").value;
      const name = { id: $("holiday-id").value.trim(), en: $("holiday-en").value.trim() };
      if (!date || !name.id || !name.en) return;
      const days = M.holidays.filter((h) => h.date !== date).concat([{ date, name }]);
      const res = await saveHolidays(days);
      if (res.ok) { $("holiday-form").reset(); toast(tr("done")); }
    });
    document.querySelectorAll("[data-format]").forEach((b) => {
      b.addEventListener("click", () => report(b.dataset.format));
    });
    $("audit-form").addEventListener("submit", (ev) => { ev.preventDefault(); loadAudit(); });
    $("reload-button").addEventListener("click", () => {
      openDialog({ title: tr("reload_title"), warning: tr("reload_confirm"), ok: tr("reload_button"),
        fields: [], run: async () => { await reloadConfig(); return { ok: true }; },
        done: () => {} });
    });
    $("dialog-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      if (dialogDone) dialogDone();
    });
    $("dialog-cancel").addEventListener("click", () => $("dialog").close());
    setInterval(() => { if (M.loaded) tick(); }, 1000);
  }

  async function start() {
    try {
      S = await (await fetch("/static/admin-strings.json", { cache: "no-store" })).json();
    } catch (e) { /* the keys show instead */ }
    applyTexts();
    wire();
    showLogin(null);
    document.body.dataset.ready = "1";
  }

  start();
})();
