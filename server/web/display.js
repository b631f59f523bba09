/* Web board: the observer feed (ws://HOST/ws) applied to a small model and drawn as HTML.
 *
 * Same rules as the Qt board (display_board/board.py): events applied strictly in seq
 * order (a gap asks for a resync), reconnect with backoff sending last_seq, every call or
 * recall announced once (key: ticket id, called_at, recalls), a call replayed after a
 * reconnect only spoken if under 60 s old on the server's clock. Optional URL filters:
 * ?zone=lantai-1 or ?counters=loket-1,loket-2. Sound: a WebAudio chime, then the browser's
 * speechSynthesis in id-ID (and en with ?english=1) where available; silent otherwise.
 * Calls made together (within the flash) flash side by side, up to three, as on the Qt
 * board. Texts from /static/board-strings.json (generated from i18n/catalog/board.toml).
 */
"use strict";

const params = new URLSearchParams(location.search);
const ZONE = params.get("zone") || null;
const ONLY = params.get("counters") ? new Set(params.get("counters").split(",")) : null;
const ENGLISH = params.get("english") === "1";
const RECENT_MS = 60000;
const FLASH_MS = 6000;
const MAX_FRESH = 3;
const TZ_ABBR = { "Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
  "Asia/Jayapura": "WIT" };

const S = { seq: 0, loaded: false, office: {}, services: {}, serviceOrder: [], counters: {},
  counterOrder: [], waiting: [], recent: [], announcement: null, latest: null };
const announced = new Set();
let started = false;
let clockOffset = 0;
let ws = null;
let backoff = 500;
let welcomed = false;
let T = { id: {}, en: {} };  // board-strings.json
let fresh = [];  // [{call, until}] flashing now, newest first
window.boardAnnounced = [];  // numbers handed to the voice, for tests and debugging

function tr(key, lang, params) {
  let text = (T[lang || "id"] || {})[key] || T.id[key] || key;
  for (const [k, v] of Object.entries(params || {})) text = text.split("{" + k + "}").join(v);
  return text;
}

const $ = (id) => document.getElementById(id);

function shows(counterId) {
  if (ONLY && !ONLY.has(counterId)) return false;
  if (ZONE) { const c = S.counters[counterId]; return !!c && c.zone === ZONE; }
  return true;
}
function counterName(id, fallback) {
  return (S.counters[id] && S.counters[id].name) || fallback || id;
}
function callKey(c) { return `${c.ticketId}|${c.calledAt}|${c.recalls}`; }
function callFromRecent(e) {
  const t = e.ticket || {};
  return { ticketId: t.id, number: t.number, counter: e.counter,
    counterName: counterName(e.counter), calledAt: t.called_at || e.at, recalls: 0,
    at: e.at };
}
function isRecent(call) {
  const when = Date.parse(call.at || call.calledAt);
  return !isNaN(when) && (Date.now() + clockOffset - when) <= RECENT_MS;
}

// ------------------------------------------------------------------ model
function loadWelcome(msg) {
  const serverTime = Date.parse(msg.server_time);
  if (!isNaN(serverTime)) clockOffset = serverTime - Date.now();
  const snap = msg.snapshot;
  if (!snap) return;  // the missed events follow
  S.office = snap.office || msg.office || {};
  S.services = {}; S.serviceOrder = [];
  for (const s of snap.services || []) { S.services[s.id] = s; S.serviceOrder.push(s.id); }
  S.counters = {}; S.counterOrder = [];
  for (const c of snap.counters || []) { S.counters[c.id] = c; S.counterOrder.push(c.id); }
  S.waiting = snap.waiting || [];
  S.recent = snap.recent_calls || [];
  S.announcement = snap.announcement || null;
  S.seq = msg.seq; S.loaded = true;
  const calls = S.recent.map(callFromRecent).filter((c) => c.ticketId && shows(c.counter));
  if (!started) calls.forEach((c) => announced.add(callKey(c)));
  else calls.slice().reverse().forEach((c) => {
    if (!announced.has(callKey(c)) && isRecent(c)) { announced.add(callKey(c)); announce(c); }
  });
  started = true;
  const newest = calls[0];
  if (!newest) S.latest = null;
  else if (!S.latest || S.latest.ticketId !== newest.ticketId ||
           S.latest.calledAt !== newest.calledAt) S.latest = newest;
}

function applyEvent(msg) {
  if (msg.seq <= S.seq) return;  // replayed twice: already applied
  if (msg.seq !== S.seq + 1 || !S.loaded) { resync(); return; }
  S.seq = msg.seq;
  const d = msg.data || {};
  const tk = d.ticket;
  const dropWaiting = (id) => { S.waiting = S.waiting.filter((w) => w.id !== id); };
  const clearCounter = (id) => { for (const c of Object.values(S.counters))
    if (c.ticket && c.ticket.id === id) c.ticket = null; };
  switch (msg.name) {
    case "ticket_issued": dropWaiting(tk.id); S.waiting.push(tk); break;
    case "ticket_called":
      dropWaiting(tk.id);
      if (S.counters[d.counter]) S.counters[d.counter].ticket = tk;
      S.recent.unshift({ ticket: tk, counter: d.counter, at: msg.at });
      S.recent.length = Math.min(S.recent.length, 20);
      onCall(tk, d.counter, d.counter_name, 0, msg.at);
      break;
    case "ticket_recalled":
      if (S.counters[d.counter]) S.counters[d.counter].ticket = tk;
      onCall(tk, d.counter, d.counter_name, d.recalls || 1, msg.at);
      break;
    case "service_started":
      if (S.counters[d.counter]) S.counters[d.counter].ticket = tk; break;
    case "ticket_finished": case "ticket_no_show": clearCounter(tk.id); break;
    case "ticket_transferred": clearCounter(tk.id); dropWaiting(tk.id); S.waiting.push(tk); break;
    case "ticket_cancelled": dropWaiting(tk.id); clearCounter(tk.id); break;
    case "counter_opened": case "counter_paused": case "counter_closed":
      if (!S.counters[d.counter.id]) S.counterOrder.push(d.counter.id);
      S.counters[d.counter.id] = d.counter; break;
    case "day_rolled_over":
      S.waiting = []; S.recent = []; S.latest = null;
      for (const c of Object.values(S.counters)) c.ticket = null;
      break;
    case "announcement": S.announcement = d.text ? d : null; break;
    case "service_changed":
      if (!S.services[d.service.id]) S.serviceOrder.push(d.service.id);
      S.services[d.service.id] = d.service; break;
  }
  const st = d.service_stats;
  if (st && S.services[st.service]) S.services[st.service].waiting = st.waiting;
}

function onCall(tk, counter, name, recalls, at) {
  if (!shows(counter)) return;
  const call = { ticketId: tk.id, number: tk.number, counter,
    counterName: counterName(counter, name), calledAt: tk.called_at || at, recalls, at };
  started = true;
  S.latest = call;
  const key = callKey(call);
  if (announced.has(key)) return;
  announced.add(key);
  if (isRecent(call)) announce(call);
}

// ------------------------------------------------------------------ sound
let audioCtx = null;
function chime() {
  try {
    audioCtx = audioCtx || new (window.AudioContext || window.webkitAudioContext)();
    if (audioCtx.state === "suspended") audioCtx.resume();
    const now = audioCtx.currentTime;
    [[659.25, 0], [523.25, 0.6]].forEach(([freq, delay]) => {
      const osc = audioCtx.createOscillator();
      const gain = audioCtx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + delay);
      gain.gain.exponentialRampToValueAtTime(0.4, now + delay + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + delay + 1.2);
      osc.connect(gain).connect(audioCtx.destination);
      osc.start(now + delay); osc.stop(now + delay + 1.3);
    });
    if (audioCtx.state === "suspended") $("sound-button").hidden = false;
  } catch (e) { /* no audio in this browser: the board stays silent */ }
}
function spokenNumber(number) {
  const m = /^([A-Za-z]*)[\s-]*0*(\d+)$/.exec(number || "");
  if (!m) return number;
  return `${m[1].split("").join(" ")}, ${parseInt(m[2], 10)}`;
}
function counterDigits(name) { const m = /(\d+)\s*$/.exec(name || ""); return m ? m[1] : name; }
function say(text, lang) {
  if (!("speechSynthesis" in window)) return;
  const u = new SpeechSynthesisUtterance(text);
  u.lang = lang; u.rate = 0.85;
  const voice = speechSynthesis.getVoices().find((v) => v.lang && v.lang.startsWith(lang.slice(0, 2)));
  if (voice) u.voice = voice;
  speechSynthesis.speak(u);  // the browser queues utterances: calls never overlap
}
function announce(call) {
  window.boardAnnounced.push(call.number + (call.recalls ? "*" : ""));
  addFresh(call);
  flash();
  chime();
  const n = spokenNumber(call.number);
  const again = call.recalls ? "Panggilan ulang. " : "";
  setTimeout(() => {
    say(`${again}Nomor antrean, ${n}, silakan menuju loket ${counterDigits(call.counterName)}`, "id-ID");
    if (ENGLISH) say(`${call.recalls ? "Calling again. " : ""}Queue number, ${n}, please proceed to counter ${counterDigits(call.counterName)}`, "en-US");
  }, 1800);
}
// Calls made together: each stays in the fresh list for FLASH_MS from its own call.
function addFresh(call) {
  const now = Date.now();
  fresh = [{ call, until: now + FLASH_MS },
    ...fresh.filter((f) => f.call.ticketId !== call.ticketId && f.until > now)]
    .slice(0, MAX_FRESH);
  setTimeout(render, FLASH_MS + 50);
}
function freshCalls() {
  const now = Date.now();
  fresh = fresh.filter((f) => f.until > now);
  return fresh.map((f) => f.call);
}
let flashTimer = null;
function flash() {
  const el = $("latest");
  const box = $("fresh");
  for (const e of [el, box]) {
    e.classList.remove("flash"); void e.offsetWidth;  // restart the animation
    e.classList.add("flash");
  }
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => { el.classList.remove("flash"); box.classList.remove("flash"); },
    FLASH_MS);
}
$("sound-button").addEventListener("click", () => {
  if (audioCtx) audioCtx.resume();
  $("sound-button").hidden = true;
});

// ------------------------------------------------------------------ drawing
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function renderFresh(calls) {
  const list = $("fresh-list"); list.replaceChildren();
  $("fresh-title").textContent = `${tr("queue_number")} · ${tr("queue_number", "en")}`;
  for (const c of calls) {
    const box = el("div", "fresh-call" + (c.recalls ? " recall" : ""));
    box.dataset.number = c.number;
    box.append(el("div", "fresh-recall", c.recalls ? tr("recall") : ""),
      el("div", "fresh-number", c.number), el("div", "fresh-goto", tr("go_to")),
      el("div", "fresh-counter", c.counterName.toUpperCase()));
    list.append(box);
  }
}
function render() {
  $("office-name").textContent = S.office.name || "Antrean";
  const L = S.latest;
  const calls = freshCalls();
  // calls made together flash side by side; otherwise the latest call, large
  $("fresh").hidden = calls.length < 2;
  $("latest").hidden = calls.length >= 2;
  if (calls.length >= 2) renderFresh(calls);
  $("latest-title").textContent = L && L.recalls ? tr("recall") : tr("queue_number");
  $("latest-title-en").textContent = L && L.recalls ? tr("recall", "en")
    : tr("queue_number", "en");
  $("latest-number").textContent = L ? L.number : "—";
  $("latest-goto").textContent = `${tr("go_to")} / ${tr("go_to", "en")}`;
  $("latest-counter").textContent = L ? L.counterName.toUpperCase() : tr("no_calls");
  $("last-title").textContent = tr("last_calls");
  $("last-title-en").textContent = tr("last_calls", "en");
  const list = $("last-calls"); list.replaceChildren();
  // a call is shown once: while it flashes, in the flashing block; then in this list
  const seen = new Set([...(L ? [L.ticketId] : []), ...calls.map((c) => c.ticketId)]);
  for (const e of S.recent) {
    const c = callFromRecent(e);
    if (!c.ticketId || !shows(c.counter) || seen.has(c.ticketId)) continue;
    seen.add(c.ticketId);
    const li = el("li");
    li.append(el("span", "num", c.number), el("span", "ctr", "→ " + c.counterName));
    list.append(li);
    if (list.children.length >= 5) break;
  }
  const grid = $("counters"); grid.replaceChildren();
  for (const id of S.counterOrder) {
    if (!shows(id)) continue;
    const c = S.counters[id];
    const tile = el("div", `tile ${c.status}` + (L && L.counter === id ? " latest" : ""));
    tile.dataset.counter = id;
    tile.append(el("div", "name", (c.name || id).toUpperCase()));
    let num;
    if (c.status === "closed") num = el("div", "num idle", tr("counter_closed"));
    else if (c.ticket) num = el("div", "num", c.ticket.number);
    else num = el("div", "num idle", c.status === "paused" ? tr("counter_paused") : "—");
    tile.append(num); grid.append(tile);
  }
  let served = null;
  if (ZONE || ONLY) {
    served = new Set();
    for (const id of S.counterOrder) if (shows(id)) (S.counters[id].services || []).forEach((s) => served.add(s));
  }
  const wl = $("waiting-list"); wl.replaceChildren();
  for (const id of S.serviceOrder) {
    if (served && !served.has(id)) continue;
    const s = S.services[id];
    const n = typeof s.waiting === "number" ? s.waiting : S.waiting.filter((w) => w.service === id).length;
    const open = s.open !== false;
    const box = el("div", "svc" + (open ? "" : " closed")); box.dataset.service = id;
    // a closed service says TUTUP, not "0 orang" (which reads as "no wait")
    const count = el("div", "count");
    if (open) {
      count.append(el("span", "n", n.toLocaleString("id-ID")), el("span", "unit", tr("people_unit")));
      count.setAttribute("aria-label", tr("waiting_people", "id", { n }));
    } else count.append(el("span", "closed", tr("service_closed")));
    const sname = el("div", "sname");
    // the status again, for the inline layout (the name's last line): see fitServices
    // (an open service's number alone, as large as the name: a long name keeps two lines)
    const inline = el("span", "inl" + (open ? "" : " closed"),
      open ? n.toLocaleString("id-ID") : tr("service_closed"));
    inline.setAttribute("aria-hidden", "true");
    sname.append(document.createTextNode((s.name && s.name.id) || id), inline);
    box.append(el("div", "prefix", s.prefix || ""), sname, count);
    wl.append(box);
  }
  renderFollow();  // first: the QR panel's width decides the tiles' (then fitted)
  fitServices();
  let text = "";
  const a = S.announcement;
  const alert = !!(a && a.text && (!a.until || Date.parse(a.until) > Date.now() + clockOffset));
  if (alert) text = [a.text.id, a.text.en].filter(Boolean).join("   •   ");
  else if (S.office.name) {
    text = [tr("welcome", "id", { office: S.office.name }),
      tr("welcome", "en", { office: S.office.name }),
      ...(S.office.ticket_footer || []).map((f) => f.id)].filter(Boolean).join("   •   ");
  }
  // the office's colours for the welcome; red only for an announcement
  $("marquee").classList.toggle("alert", alert);
  if ($("marquee-text").textContent !== text) $("marquee-text").textContent = text;
  renderClock();
}
// Service names, as on the Qt board (display_board/fit.py): at most two lines broken at
// spaces, never cut; the font shrinks one pixel at a time only as far as 32 px on a 1080p
// board (32/1080 of the height). The status (count or TUTUP) sits beside the name as a
// column, or, when the name needs the tile's whole width, at the end of its last line.
// Only a name too long for both is cut with "…" (at the smallest size).
function nameFits(sname) {
  const px = parseFloat(getComputedStyle(sname).fontSize);
  return sname.scrollWidth <= sname.clientWidth &&
    sname.scrollHeight <= Math.ceil(px * 1.1 * 2) + 1;
}
function fitServices() {
  const h = window.innerHeight;
  const top = Math.max(Math.floor(0.031 * h), 16), bottom = Math.min(32 * h / 1080, top);
  const sizes = [];
  for (let px = top; px > bottom; px--) sizes.push(px);
  sizes.push(bottom);  // the minimum itself (a fraction of a pixel on a smaller screen)
  for (const box of document.querySelectorAll("#waiting-list .svc")) {
    const sname = box.querySelector(".sname");
    let done = false;
    for (const layout of ["column", "inline"]) {
      box.dataset.layout = layout;
      for (const px of sizes) {
        box.style.setProperty("--name-px", px + "px");
        if ((done = nameFits(sname))) break;
      }
      if (done) break;
    }
    if (!done) box.dataset.layout = "cut";
  }
}
// The short address in one line, never broken: as large as its box allows.
function fitOneLine(elem, maxPx, minPx) {
  for (let px = Math.floor(maxPx); px >= minPx; px--) {
    elem.style.fontSize = px + "px";
    if (elem.scrollWidth <= elem.clientWidth) return;
  }
}

function renderClock() {
  const tz = S.office.timezone || "Asia/Jakarta";
  const now = new Date(Date.now() + clockOffset);
  let date = "", time = "";
  try {
    date = new Intl.DateTimeFormat("id-ID", { timeZone: tz, weekday: "long", day: "numeric",
      month: "long", year: "numeric" }).format(now);
    time = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit",
      hourCycle: "h23" }).format(now);
  } catch (e) { time = now.toTimeString().slice(0, 5); }
  $("clock-date").textContent = date;
  $("clock-time").textContent = `${time} ${TZ_ABBR[tz] || ""}`.trim();
}

function renderFollow() {
  // The QR code leads to the server's /ikuti page: how to follow one's own ticket (by
  // the QR code printed on it; a number alone opens nothing).
  const base = (S.office.public_url || location.origin).replace(/\/+$/, "");
  const url = base + "/ikuti";
  $("follow").hidden = !S.loaded;
  $("follow-title").textContent = tr("follow_title");
  $("follow-title-en").textContent = tr("follow_title", "en");
  $("follow-url").textContent = url.replace(/^https?:\/\//, "");
  if (!$("follow").hidden) fitOneLine($("follow-url"), 0.021 * window.innerHeight, 8);
  $("follow-qr").alt = `QR: ${url}`;
}

// ------------------------------------------------------------------ connection
function setState(state) {
  document.body.dataset.state = state;
  $("offline-mark").hidden = state === "online";
  $("offline-title").textContent = `⚠ ${tr("offline_title")} · ${tr("offline_title", "en")}`;
  $("offline-detail").textContent = tr("offline_detail");
}
function send(obj) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(obj)); }
function resync() {
  if (!welcomed) return;
  welcomed = false;  // ignore events until the resync's welcome
  send({ type: "resync", last_seq: S.loaded ? S.seq : 0 });
}
function connect() {
  setState(S.loaded ? "offline" : "connecting");
  ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  ws.onopen = () => {
    backoff = 500;
    send({ type: "hello", protocol: 1, role: "observer", last_seq: S.loaded ? S.seq : 0 });
  };
  ws.onmessage = (ev) => {
    let msg;
    try { msg = JSON.parse(ev.data); } catch (e) { return; }
    if (msg.type === "welcome") { loadWelcome(msg); welcomed = true; setState("online"); }
    else if (msg.type === "event" && welcomed) {
      try { applyEvent(msg); } catch (e) { console.error("event", msg.name, e); }
    }
    render();
  };
  ws.onclose = () => {
    welcomed = false;
    setState("offline");
    setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 10000);
  };
}
async function start() {
  try {
    T = await (await fetch("/static/board-strings.json", { cache: "no-store" })).json();
  } catch (e) { /* the keys stand in; the board still shows numbers */ }
  $("sound-button").textContent = `🔊 ${tr("sound_on")} · ${tr("sound_on", "en")}`;
  setInterval(renderClock, 1000);
  window.addEventListener("resize", render);
  render();
  connect();
}
start();
