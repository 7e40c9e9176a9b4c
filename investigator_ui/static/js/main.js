// Entry point: routing between the overview and the ring view, sign-in, live status.
import { GraphQLClient } from "./gql.js";
import { Overview } from "./overview.js";
import { Panel } from "./panel.js";
import { RingView } from "./ringview.js";
import { $, $$, toast } from "./util.js";

window.__ringscope = { render: null };
const client = new GraphQLClient("/graphql");
const overview = new Overview(client);
const panel = new Panel(client);
let ringView = null;

function show(view) {
  $("#view-overview").hidden = view !== "overview";
  $("#view-ring").hidden = view !== "ring";
  for (const a of $$(".tabs a")) a.classList.toggle("active", a.dataset.nav === view);
  $("#nav-ring").hidden = view !== "ring";
}

async function route() {
  const [, kind, raw] = location.hash.match(/^#\/(ring|account)\/(.+)$/) ?? [];
  if (!kind) {
    show("overview");
    return;
  }
  const id = decodeURIComponent(raw);
  show("ring");
  $("#ring-title").textContent = id;
  $("#nav-ring").href = location.hash;
  $("#nav-ring").textContent = kind === "ring" ? "Ring" : "Account";
  ringView ??= new RingView(client, panel);
  panel.view = ringView;
  window.__ringscope.view = ringView; // for tests, benchmarks and the devtools console
  try {
    if (kind === "ring") {
      const ring = await ringView.openRing(id);
      if (ring) renderRingHeader(ring);
    } else {
      clearRingHeader();
      await ringView.openAccount(id);
    }
  } catch (err) {
    if (!err.unauthorized) toast(`Could not open ${kind} ${id}: ${err.message}`, "error");
  }
}

function clearRingHeader() {
  $("#ring-score").replaceChildren();
  $("#ring-status").textContent = "account";
  $("#ring-status").className = "pill";
  $("#ring-typologies").replaceChildren();
}

function renderRingHeader(ring) {
  $("#ring-title").textContent = ring.id;
  const badge = document.createElement("span");
  badge.className = "risk-badge";
  badge.style.setProperty("--risk", ring.score >= 80 ? "#ef4444" : ring.score >= 60 ? "#f97316" : "#eab308");
  badge.textContent = `score ${Math.round(ring.score)}`;
  $("#ring-score").replaceChildren(badge);
  const status = String(ring.status).toLowerCase();
  $("#ring-status").textContent = ring.verdict ? `${status} · ${String(ring.verdict).toLowerCase().replace(/_/g, " ")}` : status;
  $("#ring-status").className = `pill ${ring.verdict ? String(ring.verdict).toLowerCase() : status}`;
  $("#ring-typologies").replaceChildren(...(ring.typologies ?? []).map((t) => {
    const chip = document.createElement("span");
    chip.className = "chip";
    chip.textContent = t.replace(/[_-]+/g, " ");
    return chip;
  }));
}

panel.onRingChanged = (ring) => {
  renderRingHeader(ring);
  overview.upsertRing(ring, true);
};

function bindSignIn() {
  const dialog = $("#signin-dialog");
  $("#signin-open").addEventListener("click", () => dialog.showModal());
  $("#signin-clear").addEventListener("click", () => {
    client.apiKey = "";
    dialog.close("cancel");
    toast("Signed out");
  });
  dialog.addEventListener("close", () => {
    if (dialog.returnValue !== "ok") return;
    client.apiKey = $("#signin-key").value.trim();
    $("#signin-key").value = "";
    overview.refresh();
    if (location.hash.startsWith("#/ring/") || location.hash.startsWith("#/account/")) route();
  });
  client.onUnauthorized = () => {
    if (!dialog.open) dialog.showModal();
  };
}

function bindSearch() {
  $("#global-search").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = $("#global-search-input").value.trim();
    if (!q) return;
    location.hash = q.startsWith("ring-") ? `#/ring/${encodeURIComponent(q)}` : `#/account/${encodeURIComponent(q)}`;
  });
}

client.onStatus = (state) => {
  const live = $("#live-status");
  live.className = `live ${state}`;
  live.querySelector("span").textContent = state === "ready" ? "live" : state === "connecting" ? "connecting…" : "offline";
};

function start() {
  if (typeof vis === "undefined") {
    toast("vis-network failed to load: the graph view is unavailable", "error");
    return;
  }
  bindSignIn();
  bindSearch();
  overview.start();
  window.addEventListener("hashchange", route);
  route();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
