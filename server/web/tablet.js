// The survey tablet at a counter (/tablet), for applicants without a phone.
// Paired once by the technician on the setup form: the device name and token (from
// `antrean device add NAME --role tablet --counter COUNTER`) stay in this browser's
// localStorage and never appear in a URL. The page joins /ws as role "tablet" and waits;
// when a ticket is finished at a counter it asks the server (`tablet_survey`) whose survey
// to show: the server answers for the tablet's own counter only, with the status token
// of the applicant who just left the desk, or null. The survey itself is the phone page
// (/t/<token>?tablet=1), which comes back here after the thank-you.
"use strict";

(function () {
  const CREDENTIALS = "antrean.tablet";
  const SHOWN = "antrean.tablet.shown";  // the ticket last shown: never shown twice
  const $ = (id) => document.getElementById(id);
  let S = { id: {}, en: {} };
  let ws = null;
  let backoff = 500;
  let asking = 0;
  let refused = false;
  let counter = null;         // the tablet's counter, as the server tells it
  const counterNames = {};
  window.__tablet = { asked: 0, finished: 0, counter: null };  // for tests and debugging

  function tr(lang, key) { return (S[lang] && S[lang][key]) || S.id[key] || key; }

  function stored(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }

  function store(key, value) {
    try { localStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }

  function credentials() {
    try {
      const c = JSON.parse(stored(CREDENTIALS) || "null");
      return c && c.device && c.token ? c : null;
    } catch (e) {
      return null;
    }
  }

  // ------------------------------------------------------------------ screens
  function texts() {
    document.title = tr("id", "tablet_page_title");
    $("title-id").textContent = tr("id", "tablet_page_title");
    $("title-en").textContent = tr("en", "tablet_page_title");
    $("waiting-id").textContent = tr("id", "tablet_waiting");
    $("waiting-en").textContent = tr("en", "tablet_waiting");
    $("setup-title").textContent = tr("id", "tablet_setup_title") + " · " +
      tr("en", "tablet_setup_title");
    $("setup-text").textContent = tr("id", "tablet_setup_text") + " · " +
      tr("en", "tablet_setup_text");
    $("device-label").textContent = tr("id", "tablet_device") + " · " + tr("en", "tablet_device");
    $("token-label").textContent = tr("id", "tablet_token") + " · " + tr("en", "tablet_token");
    $("save").textContent = tr("id", "tablet_save") + " · " + tr("en", "tablet_save");
    $("setup-error").textContent = tr("id", "tablet_refused") + " · " +
      tr("en", "tablet_refused");
  }

  function showSetup(error) {
    document.body.dataset.state = "setup";
    $("waiting").hidden = true;
    $("setup").hidden = false;
    $("setup-error").hidden = !error;
    $("conn").textContent = "";
    const c = credentials();
    if (c) $("device").value = c.device;
    $("token").value = "";
  }

  function showWaiting(online) {
    document.body.dataset.state = online ? "waiting" : "connecting";
    $("setup").hidden = true;
    $("waiting").hidden = false;
    $("counter").textContent = counter ? (counterNames[counter] || counter) : "";
    $("conn").textContent = online ? "" : tr("id", "tablet_connecting") + " · " +
      tr("en", "tablet_connecting");
  }

  // ------------------------------------------------------------------ server
  function ask() {
    if (!ws || ws.readyState !== 1) return;
    asking += 1;
    window.__tablet.asked += 1;
    ws.send(JSON.stringify({ type: "command", id: "tablet-" + Date.now() + "-" + asking,
      name: "tablet_survey", args: {} }));
  }

  function answered(data) {
    if (!data) return;
    counter = data.counter || null;
    window.__tablet.counter = counter;
    showWaiting(true);
    if (data.token && data.token !== stored(SHOWN)) {
      store(SHOWN, data.token);
      location.href = "/t/" + encodeURIComponent(data.token) + "?tablet=1";
    }
  }

  function connect() {
    const c = credentials();
    if (!c) { showSetup(false); return; }
    showWaiting(false);
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    try {
      ws = new WebSocket(scheme + location.host + "/ws");
    } catch (e) {
      retry();
      return;
    }
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: "hello", protocol: 1, role: "tablet", device: c.device,
        token: c.token, last_seq: 0 }));
    };
    ws.onmessage = (e) => {
      let msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      if (msg.type === "error" && msg.error && msg.error.code === "unauthorized") {
        refused = true;
        showSetup(true);
      } else if (msg.type === "welcome") {
        backoff = 500;
        ((msg.snapshot && msg.snapshot.counters) || []).forEach((k) => {
          counterNames[k.id] = k.name;
        });
        showWaiting(true);
        ask();  // an applicant may have finished while this page was loading
      } else if (msg.type === "result" && msg.ok && String(msg.id).startsWith("tablet-")) {
        answered(msg.data);
      } else if (msg.type === "event" && msg.name === "ticket_finished") {
        const t = (msg.data && msg.data.ticket) || {};
        window.__tablet.finished += 1;
        if (!counter || t.counter === counter) ask();
      }
    };
    ws.onclose = () => {
      ws = null;
      if (refused) return;
      showWaiting(false);
      retry();
    };
  }

  function retry() {
    setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 10000);
  }

  // ------------------------------------------------------------------ start
  async function start() {
    try {
      S = await (await fetch("/static/phone-strings.json", { cache: "no-store" })).json();
    } catch (e) { /* the keys show instead */ }
    texts();
    $("setup").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const device = $("device").value.trim(), token = $("token").value.trim();
      if (!device || !token) return;
      store(CREDENTIALS, JSON.stringify({ device: device, token: token }));
      $("token").value = "";
      refused = false;
      if (ws) ws.close(); else connect();
    });
    if (location.hash === "#setup") showSetup(false); else connect();
  }

  start();
})();
