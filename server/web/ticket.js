// The applicant's phone page (/t/<token>): no login, no personal data.
// Reads /t/<token>.json, then follows the office's public event stream (WebSocket,
// role "observer") and re-reads the JSON whenever an event may change what it shows.
// Texts come from /static/phone-strings.json (generated from i18n/catalog/phone.toml).
// With ?tablet=1 it is the survey tablet at a counter (/tablet opened it): it goes back
// to /tablet after the thank-you, or when the applicant leaves it untouched.
"use strict";

(function () {
  const token = location.pathname.split("/")[2] || "";
  const TABLET = new URLSearchParams(location.search).get("tablet") === "1";
  const TABLET_IDLE_MS = 180000;
  const $ = (id) => document.getElementById(id);
  const RELEVANT = new Set(["ticket_issued", "ticket_called", "ticket_recalled",
    "service_started", "ticket_finished", "ticket_no_show", "ticket_transferred",
    "ticket_cancelled", "day_rolled_over", "counter_opened", "counter_paused",
    "counter_closed"]);
  let S = null;              // strings by language
  let lang = null;
  let data = null;           // the ticket JSON
  let ws = null;
  let backoff = 500;
  let refreshTimer = null;
  let audio = null;
  const answers = new Array(9).fill(0);
  // the optional respondent profile (codes as the protocol lists them; labels from the
  // report's own texts): a touch chooses, a second touch clears
  const PROFILE = {
    age: ["u20", "20_29", "30_39", "40_49", "50_59", "60_up"],
    gender: ["l", "p"],
    education: ["sd", "smp", "sma", "d1_d3", "d4_s1", "s2_s3"],
    occupation: ["pns", "tni_polri", "swasta", "wirausaha", "pelajar", "lainnya"],
  };
  const profile = {};
  let surveySent = false;
  let cancelledHere = false;  // this page cancelled the ticket ("Batalkan nomor saya")
  // alerts: calls and recalls; soon: "your turn is near" (N or fewer ahead)
  window.__antrean = { alerts: 0, soon: 0, refreshes: 0, events: 0 };

  function tr(key, params) {
    let text = (S && (S[lang][key] || S.id[key])) || key;
    for (const [k, v] of Object.entries(params || {})) text = text.split("{" + k + "}").join(v);
    return text;
  }

  function texts() { return (data && data.texts) || {}; }

  function counterName() {
    const name = (data && data.counter_name) || "";
    return lang === "en" ? name.replace(/^Loket\b/, "Counter") : name;
  }

  function name(obj) {
    return obj ? (obj[lang] || obj.id || "") : "";
  }

  function show(id, visible) { $(id).hidden = !visible; }

  // ------------------------------------------------------------------ rendering
  function render() {
    document.documentElement.lang = lang;
    $("lang").textContent = tr("lang_toggle");
    document.title = tr("page_title");
    if (!data) {
      if (TABLET) leaveSoon();
      document.body.dataset.status = "notfound";
      ["ticket", "waiting", "called", "serving", "done", "survey", "thanks", "sound-box",
        "now", "soon", "cancel-box"].forEach((id) => show(id, false));
      $("message").textContent = tr("not_found");
      show("message", true);
      return;
    }
    $("office").textContent = (data.office && data.office.name) || "";
    $("label-number").textContent = tr("queue_number");
    $("number").textContent = data.number;
    $("service").textContent = name(data.service_name);
    const lane = $("lane");
    lane.textContent = data.lane_priority
      ? tr("priority") + " · " + name(data.lane_name) : name(data.lane_name);
    lane.classList.toggle("priority", !!data.lane_priority);
    $("issued").textContent = texts().issued ? tr("issued_at", { time: texts().issued }) : "";
    show("ticket", true);

    let status = data.status;
    if (status === "done" && (data.surveyed || surveySent)) status = "thanks";
    document.body.dataset.status = status;
    show("waiting", status === "waiting");
    show("called", status === "called");
    show("serving", status === "serving");
    show("done", status === "done");
    show("survey", status === "done");
    show("thanks", status === "thanks");
    // the alert is only worth keeping the page open for while still waiting
    show("sound-box", status === "waiting");
    show("cancel-box", status === "waiting" && !TABLET);
    show("soon", status === "waiting" && isSoon());
    show("now", status === "waiting");
    const msgKey = { no_show: "no_show", expired: "expired",
      cancelled: cancelledHere ? "cancelled_own" : "cancelled" }[status];
    show("message", !!msgKey);
    if (msgKey) $("message").textContent = tr(msgKey);

    if (status === "waiting") {
      $("state").textContent = tr("status_waiting");
      const ahead = data.ahead || 0;
      $("ahead-label").textContent = ahead > 0 ? tr("ahead_label") : "";
      $("ahead").textContent = ahead > 0 ? String(ahead) : tr("you_are_next");
      $("ahead").classList.toggle("next", ahead <= 0);
      $("ahead-unit").textContent = ahead > 0 ? tr(ahead === 1 ? "person" : "people") : "";
      const wait = texts().wait;
      $("wait").textContent = ahead > 0 && wait ? tr("wait", { duration: wait[lang] || wait.id })
        : "";
      $("eta").textContent = ahead > 0 && texts().estimated_call
        ? tr("estimated_call", { time: texts().estimated_call }) : "";
      const position = data.position || ahead + 1;
      const total = Math.max(data.in_line || position, position);
      $("position").textContent = tr("position", { n: position, total: total });
      const bar = $("position-bar");
      bar.value = (total - position + 1) / total;  // full when first in line
      bar.setAttribute("aria-label", tr("position", { n: position, total: total }));
      $("soon-title").textContent = tr("soon_title");
      $("soon-text").textContent = ahead > 0 ? tr("soon_text", { n: ahead }) : tr("soon_next");
      $("cancel").textContent = tr("cancel_button");
    }
    if (status === "waiting") renderNowServing();
    if (status === "called") {
      $("called-title").textContent = tr("called_title");
      $("go-to").textContent = tr("go_to");
      $("called-counter").textContent = counterName();
      $("called-hint").textContent = tr("called_hint");
    }
    if (status === "serving") $("serving").textContent = tr("serving", { counter: counterName() });
    if (status === "done") renderSurvey();
    if (status === "thanks") {
      $("thanks-title").textContent = tr("thanks_title");
      $("thanks-text").textContent = tr("thanks_text");
      if (TABLET) leaveSoon();  // ready for the next applicant
    } else if (TABLET && status !== "done") {
      leaveSoon();  // nothing to answer here (a ticket not finished, or gone)
    }
    $("keep-open").textContent = alertAhead() > 0
      ? tr("keep_open_soon", { n: alertAhead() }) : tr("keep_open");
    $("sound").textContent = tr(audio ? "sound_on" : "enable_sound");
    $("sound").classList.toggle("on", !!audio);
  }

  // Tablet mode: back to /tablet a moment after there is nothing (more) to answer, or
  // when the survey is left untouched (each touch or key restarts that wait).
  let leaveTimer = null;
  let idleTimer = null;
  function backToTablet() { location.href = "/tablet"; }
  function leaveSoon() { if (!leaveTimer) leaveTimer = setTimeout(backToTablet, 8000); }
  function restartIdle() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(backToTablet, TABLET_IDLE_MS);
  }

  function alertAhead() {
    const n = data && data.alert_ahead;
    return typeof n === "number" && n >= 0 ? n : 3;
  }

  // "Your turn is near": N or fewer ahead (N from the office's settings, [phone]).
  function isSoon() {
    return !!data && data.status === "waiting" && alertAhead() > 0 &&
      (data.ahead || 0) <= alertAhead();
  }

  function renderNowServing() {
    $("now-title").textContent = tr("now_serving");
    const list = $("now-list");
    list.textContent = "";
    const rows = (data && data.now_serving) || [];
    if (!rows.length) {
      const li = document.createElement("li");
      li.className = "none";
      li.textContent = tr("now_serving_none");
      list.append(li);
      return;
    }
    for (const row of rows.slice(0, 4)) {
      const li = document.createElement("li");
      const num = document.createElement("span");
      num.className = "num";
      num.textContent = row.number;
      const ctr = document.createElement("span");
      ctr.className = "ctr";
      ctr.textContent = lang === "en"
        ? String(row.counter_name || "").replace(/^Loket\b/, "Counter") : row.counter_name;
      li.append(num, ctr);
      list.append(li);
    }
  }

  function renderSurvey() {
    $("done-title").textContent = tr("done_title");
    $("done-text").textContent = tr("done_text");
    $("survey-title").textContent = tr("survey_title");
    $("comment-label").textContent = tr("comment");
    $("survey-submit").textContent = tr("submit");
    const box = $("questions");
    box.textContent = "";
    for (let q = 1; q <= 9; q++) {
      const fs = document.createElement("fieldset");
      fs.dataset.q = String(q);
      const legend = document.createElement("legend");
      legend.textContent = q + ". " + tr("q" + q + "_title");
      const question = document.createElement("div");
      question.className = "question";
      question.textContent = tr("q" + q + "_text");
      const grid = document.createElement("div");
      grid.className = "answers";
      for (let v = 1; v <= 4; v++) {
        const b = document.createElement("button");
        b.type = "button";
        b.dataset.v = String(v);
        b.setAttribute("aria-pressed", answers[q - 1] === v ? "true" : "false");
        const score = document.createElement("span");
        score.className = "score";
        score.textContent = String(v);
        b.append(score, document.createTextNode(tr("q" + q + "_a" + v)));
        b.addEventListener("click", () => { answers[q - 1] = v; renderSurvey(); });
        grid.append(b);
      }
      fs.append(legend, question, grid);
      box.append(fs);
    }
    renderProfile();
    const answered = answers.filter((a) => a >= 1 && a <= 4).length;
    $("survey-bar").value = answered;
    $("survey-count").textContent = tr("survey_progress", { n: answered, total: 9 });
    $("survey-bar").setAttribute("aria-label", tr("survey_progress", { n: answered, total: 9 }));
    const complete = answered === 9;
    $("survey-submit").disabled = !complete;
    $("survey-hint").textContent = complete ? "" : tr("answer_all");
  }

  function renderProfile() {
    const box = $("profile");
    box.textContent = "";
    const title = document.createElement("h3");
    title.textContent = tr("profile_title");
    const hint = document.createElement("p");
    hint.className = "hint";
    hint.textContent = tr("profile_hint");
    box.append(title, hint);
    for (const [field, codes] of Object.entries(PROFILE)) {
      const fs = document.createElement("fieldset");
      fs.dataset.profile = field;
      const legend = document.createElement("legend");
      legend.textContent = tr("profile_" + field);
      const grid = document.createElement("div");
      grid.className = "answers profile-answers";
      for (const code of codes) {
        const b = document.createElement("button");
        b.type = "button";
        b.dataset.code = code;
        b.setAttribute("aria-pressed", profile[field] === code ? "true" : "false");
        b.textContent = tr("profile_" + field + "_" + code);
        b.addEventListener("click", () => {
          if (profile[field] === code) delete profile[field]; else profile[field] = code;
          renderSurvey();
        });
        grid.append(b);
      }
      fs.append(legend, grid);
      box.append(fs);
    }
  }

  // ------------------------------------------------------------------ data
  async function refresh() {
    window.__antrean.refreshes++;
    const before = data;
    try {
      const r = await fetch("/t/" + encodeURIComponent(token) + ".json", { cache: "no-store" });
      if (r.status === 404) { data = null; render(); return; }
      if (!r.ok) throw new Error("HTTP " + r.status);
      data = await r.json();
    } catch (e) {
      setConn(false);
      return;
    }
    if (!lang) lang = pickLang();
    render();
    if (before && data && data.status === "called" &&
        (before.status !== "called" || (data.recalls || 0) > (before.recalls || 0))) {
      alertCalled();
    } else if (before && before.status === "waiting" && isSoon() &&
               (before.ahead || 0) > alertAhead()) {
      alertSoon();  // once, when the line moves past the threshold (not on opening)
    }
    if (ws && ws.readyState === 1) {
      $("conn").textContent = tr("updated", { time: texts().updated || officeTime() });
    }
  }

  function officeTime() {
    // The office's clock, not the phone's (a visitor's phone may be on another zone).
    const zone = (data && data.office && data.office.timezone) || "Asia/Jakarta";
    try {
      return new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit",
        minute: "2-digit", hourCycle: "h23" }).format(new Date());
    } catch (e) {
      return new Date().toTimeString().slice(0, 5);
    }
  }

  function scheduleRefresh(delay) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, delay);
  }

  function pickLang() {
    const q = new URLSearchParams(location.search).get("lang");
    // a tablet is shared: the previous applicant's choice is not this one's
    const saved = TABLET ? null : (() => { try { return localStorage.getItem("antrean.lang"); } catch (e) { return null; } })();
    for (const c of [q, saved, data && data.lang, "id"]) if (c === "id" || c === "en") return c;
    return "id";
  }

  function setConn(online) {
    const c = $("conn");
    c.classList.toggle("offline", !online);
    if (!online) c.textContent = tr("offline");
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    try {
      ws = new WebSocket(scheme + location.host + "/ws");
    } catch (e) {
      setTimeout(connect, backoff);
      return;
    }
    ws.onopen = () => {
      backoff = 500;
      ws.send(JSON.stringify({ type: "hello", protocol: 1, role: "observer", last_seq: 0 }));
      setConn(true);
      refresh();  // anything missed while disconnected
    };
    ws.onmessage = (e) => {
      let msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      if (msg.type !== "event" || !RELEVANT.has(msg.name)) return;
      window.__antrean.events++;
      const t = (msg.data && msg.data.ticket) || {};
      const mine = data && t.id === data.id;
      if (mine) { scheduleRefresh(0); return; }
      // Someone else's ticket: only our place in line (same service) may change.
      if (data && data.status === "waiting" && (!t.service || t.service === data.service)) {
        scheduleRefresh(300);
      }
    };
    ws.onclose = () => {
      setConn(false);
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 10000);
    };
  }

  // ------------------------------------------------------------------ alerting
  function ensureAudio() {
    if (!audio) {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return null;
      audio = new Ctx();
    }
    if (audio.state === "suspended") audio.resume();
    return audio;
  }

  function beep(tones) {
    const ctx = ensureAudio();
    if (!ctx) return;
    const start = ctx.currentTime + 0.05;
    [880, 660, 880, 660].slice(0, tones || 4).forEach((freq, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      const t0 = start + i * 0.35;
      gain.gain.setValueAtTime(0.0001, t0);
      gain.gain.exponentialRampToValueAtTime(0.6, t0 + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.32);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0);
      osc.stop(t0 + 0.34);
    });
  }

  function alertSoon() {
    window.__antrean.soon++;
    try { beep(2); } catch (e) { /* no audio on this phone */ }
    if (navigator.vibrate) {
      try { navigator.vibrate([300, 150, 300]); } catch (e) { /* not allowed */ }
    }
  }

  function alertCalled() {
    window.__antrean.alerts++;
    try { beep(); } catch (e) { /* no audio on this phone */ }
    if (navigator.vibrate) {
      try { navigator.vibrate([400, 200, 400, 200, 600]); } catch (e) { /* not allowed */ }
    }
  }

  // ------------------------------------------------------------------ cancel
  function openCancel() {
    $("cancel-title").textContent = tr("cancel_confirm_title", { number: data.number });
    $("cancel-text").textContent = tr("cancel_confirm_text");
    $("cancel-yes").textContent = tr("cancel_yes");
    $("cancel-no").textContent = tr("cancel_no");
    $("cancel-error").hidden = true;
    $("cancel-yes").disabled = false;
    $("cancel-dialog").showModal();
    $("cancel-no").focus();  // the safe choice is the default
  }

  async function confirmCancel() {
    $("cancel-yes").disabled = true;
    try {
      const r = await fetch("/t/" + encodeURIComponent(token) + "/cancel?confirm=1",
        { cache: "no-store" });
      const body = await r.json();
      if (body.ok) {
        cancelledHere = true;
        $("cancel-dialog").close();
        await refresh();
        return;
      }
    } catch (e) { /* fall through */ }
    $("cancel-yes").disabled = false;
    $("cancel-error").textContent = tr("cancel_error");
    $("cancel-error").hidden = false;
    refresh();  // perhaps called meanwhile: the page shows where to go
  }

  // ------------------------------------------------------------------ survey
  async function submitSurvey(ev) {
    ev.preventDefault();
    if (!answers.every((a) => a >= 1 && a <= 4)) return;
    const btn = $("survey-submit");
    btn.disabled = true;
    const url = "/t/" + encodeURIComponent(token) + "/survey?answers=" + answers.join(",") +
      "&comment=" + encodeURIComponent($("comment").value.slice(0, 2000)) +
      Object.entries(profile).map(([f, c]) => "&" + f + "=" + encodeURIComponent(c)).join("");
    try {
      const r = await fetch(url, { cache: "no-store" });
      const body = await r.json();
      const code = body.error && body.error.code;
      if (body.ok || code === "invalid_state") {
        surveySent = true;  // invalid_state: already answered (one response per ticket)
        render();
        return;
      }
    } catch (e) { /* fall through */ }
    btn.disabled = false;
    $("survey-hint").textContent = tr("survey_error");
  }

  // ------------------------------------------------------------------ start
  async function start() {
    try {
      S = await (await fetch("/static/phone-strings.json", { cache: "no-store" })).json();
    } catch (e) {
      S = { id: {}, en: {} };
    }
    $("lang").addEventListener("click", () => {
      lang = lang === "en" ? "id" : "en";
      if (!TABLET) {
        try { localStorage.setItem("antrean.lang", lang); } catch (e) { /* private mode */ }
      }
      render();
    });
    $("sound").addEventListener("click", () => { ensureAudio(); render(); });
    $("survey").addEventListener("submit", submitSurvey);
    $("cancel").addEventListener("click", openCancel);
    $("cancel-no").addEventListener("click", () => $("cancel-dialog").close());
    $("cancel-yes").addEventListener("click", confirmCancel);
    if (TABLET) {
      restartIdle();
      document.addEventListener("pointerdown", restartIdle);
      document.addEventListener("keydown", restartIdle);
    }
    await refresh();
    if (!lang) { lang = pickLang(); render(); }
    connect();
    setInterval(refresh, 30000);  // a safety net if an event was missed
  }

  start();
})();
