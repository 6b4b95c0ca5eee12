/**
 * The dashboard's browser code: listeners per event
 * type, `updateSettlementInUI` and `updateProgressBar`. EventSource
 * reconnects by itself with Last-Event-ID (the cookie goes along); when it
 * gives up (e.g. its token expired) the page fetches a new token and
 * reopens from the last id it saw.
 */
export const dashboardScript = String.raw`
"use strict";
const KEY = "settlement-dashboard-api-key";
const $ = (selector) => document.querySelector(selector);
let source = null;
let lastEventId = null;
let reopenAttempts = 0;
// Events that arrive while the list loads wait here, then apply on top of it.
let listLoaded = false;
let held = [];
// Status only moves forward: an event older than the listed row must not pull it back.
const RANK = { pending: 0, submitted: 1, confirming: 2, confirmed: 3, settled: 4, failed: 4 };

function api(path, init = {}) {
  const headers = { Authorization: "Bearer " + sessionStorage.getItem(KEY), ...(init.headers || {}) };
  return fetch(path, { ...init, headers, credentials: "same-origin" }).then(async (response) => {
    if (response.status === 401) { sessionStorage.removeItem(KEY); showLogin("That API key was refused."); throw new Error("unauthorized"); }
    if (!response.ok) throw new Error(path + ": " + response.status);
    return response.json();
  });
}

function showLogin(message) {
  $("#login").classList.remove("hidden");
  $("#settlements").classList.add("hidden");
  $("#message").textContent = message || "";
  if (source) source.close();
}

function setConnection(state) {
  const badge = $("#connection");
  badge.textContent = state;
  badge.className = state;
}

function row(id) { return document.querySelector('tr[data-settlement-id="' + id + '"]'); }

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function renderSettlement(s) {
  let tr = row(s.id);
  if (!tr) {
    tr = document.createElement("tr");
    tr.dataset.settlementId = s.id;
    const status = document.createElement("span");
    const progress = document.createElement("progress");
    const count = document.createElement("span");
    const statusCell = cell(""); statusCell.append(status);
    const progressCell = cell(""); progressCell.append(progress, " ", count);
    tr.append(cell(s.id, "id"), cell(s.amount + " " + s.currency), cell(s.network || "-", "network"), statusCell, progressCell);
    $("#settlements tbody").prepend(tr);
  }
  tr.querySelector(".network").textContent = s.network || "-";
  updateSettlementInUI(s.id, s.status);
  updateProgressBar(s.id, s.confirmations, s.required_confirmations);
}

function updateSettlementInUI(id, status) {
  const tr = row(id);
  if (!tr) return;
  const badge = tr.querySelector("td:nth-child(4) span");
  if (badge.textContent && RANK[badge.textContent] >= RANK[status]) return;
  badge.textContent = status;
  badge.className = "status " + status;
}

function updateProgressBar(id, confirmations, required) {
  const tr = row(id);
  if (!tr) return;
  const progress = tr.querySelector("progress");
  if (tr.dataset.confirmations && Number(tr.dataset.confirmations) > confirmations) return;
  tr.dataset.confirmations = confirmations;
  progress.max = required;
  progress.value = Math.min(confirmations, required);
  tr.querySelector("td:nth-child(5) span").textContent = confirmations + " / " + required;
}

async function loadSettlements() {
  listLoaded = false;
  const page = await api("/api/v1/settlements?limit=100");
  $("#settlements tbody").replaceChildren();
  page.data.slice().reverse().forEach(renderSettlement);
  listLoaded = true;
  const waiting = held;
  held = [];
  waiting.forEach(([handle, event]) => handle(event));
}

function track(event) { if (event.lastEventId) lastEventId = event.lastEventId; reopenAttempts = 0; }

/** True when the row is shown; otherwise fetches it (its state is at least as new as the event that asked). */
function ensureRow(id) {
  if (row(id)) return true;
  api("/api/v1/settlements/" + id).then(renderSettlement).catch(() => {});
  return false;
}

/** Listens for one event type; holds its events until the list is loaded. */
function on(type, handle) {
  source.addEventListener(type, (event) => {
    track(event);
    if (listLoaded) handle(event);
    else held.push([handle, event]);
  });
}

function openStream() {
  if (source) source.close();
  const url = "/api/v1/events/stream?types=settlement.*" + (lastEventId ? "&last_event_id=" + encodeURIComponent(lastEventId) : "");
  source = new EventSource(url);
  source.onopen = () => setConnection("live");
  source.onerror = () => {
    setConnection("reconnecting");
    // CLOSED means the browser gave up (e.g. 401 once the token expired): renew it, then reopen from the last id seen.
    if (source.readyState === EventSource.CLOSED) reopen();
  };
  on("settlement.created", (e) => ensureRow(JSON.parse(e.data).settlement_id));
  on("settlement.status_changed", (e) => {
    const data = JSON.parse(e.data);
    if (ensureRow(data.settlement_id)) updateSettlementInUI(data.settlement_id, data.to_status);
  });
  on("settlement.confirmation_progress", (e) => {
    const data = JSON.parse(e.data);
    if (ensureRow(data.settlement_id)) updateProgressBar(data.settlement_id, data.confirmations, data.required);
  });
  on("settlement.network_selected", (e) => {
    const data = JSON.parse(e.data);
    const tr = row(data.settlement_id);
    if (tr) tr.querySelector(".network").textContent = data.network;
  });
  ["settlement.gas_estimated", "settlement.settled", "settlement.failed"].forEach((type) => on(type, () => {}));
  // The server could not resume from our last id: reload the list instead of trusting a gap.
  source.addEventListener("reset", () => { lastEventId = null; loadSettlements().catch(() => {}); });
}

async function renewToken() { await api("/api/v1/events/token", { method: "POST" }); }

function reopen() {
  reopenAttempts += 1;
  const delay = Math.min(30000, 1000 * 2 ** Math.min(reopenAttempts, 5));
  setTimeout(() => renewToken().then(openStream).catch(() => {}), delay);
}

async function start() {
  if (!sessionStorage.getItem(KEY)) return showLogin();
  try {
    await renewToken();
    $("#login").classList.add("hidden");
    $("#settlements").classList.remove("hidden");
    $("#message").textContent = "";
    // Stream first, then the list: a change committed in between is then seen by one or the other.
    openStream();
    await loadSettlements();
  } catch (error) {
    if (error.message !== "unauthorized") $("#message").textContent = String(error.message || error);
  }
}

$("#login").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY, $("#api-key").value.trim());
  start();
});
// Keep the cookie fresh so the browser's own reconnects never meet an expired token.
setInterval(() => { if (sessionStorage.getItem(KEY)) renewToken().catch(() => {}); }, 5 * 60 * 1000);
start();
`;
