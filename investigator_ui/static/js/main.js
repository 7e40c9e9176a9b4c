// Entry point: routing between the overview, the graph views and the transaction view, search
// with typeahead, sign-in, live status.
import { Q_SEARCH } from "./api.js";
import { GraphQLClient } from "./gql.js";
import { Overview } from "./overview.js";
import { Panel } from "./panel.js";
import { RingView } from "./ringview.js";
import { Search, routeFor } from "./search.js";
import { TransactionView } from "./txview.js";
import { $, $$, clear, el, toast } from "./util.js";
import { AccountPage } from "./accountpage.js";
import { CasesView, installRingCaseTools } from "./cases.js";
import { acctPage } from "./invapi.js";
import { hideTimeTravel, installReplay, openAsOf } from "./timetravel.js";
import { hideRingDiff, installRingDiff } from "./ringdiff.js";
import { openRingAsOf } from "./ringasof.js";
import { TriageView } from "./triage.js";

window.__ringscope = { render: null };
const client = new GraphQLClient("/graphql");
const overview = new Overview(client);
const panel = new Panel(client);
const txView = new TransactionView(client, overview);
let ringView = null;
const casesView = new CasesView(client, $("#page-body"));
const triageView = new TriageView(client, $("#page-body"));
const accountPage = new AccountPage(client, $("#page-body"));

const GRAPH_KINDS = { ring: "Ring", account: "Account", device: "Device", ip: "IP", merchant: "Merchant", node: "Node" };

function show(view) {
  for (const v of ["overview", "ring", "tx", "missing", "page"]) $(`#view-${v}`).hidden = view !== v;
  const page = /^#\/(triage|cases?)\b/.exec(location.hash)?.[1]?.replace(/^case$/, "cases");
  for (const a of $$(".tabs a")) a.classList.toggle("active", a.dataset.nav === (view === "overview" ? "overview" : page ?? "ring"));
  $("#nav-ring").hidden = view === "overview" || Boolean(page);
  if (view !== "ring") hideTimeTravel();
  if (view !== "ring") hideRingDiff(ringView);
}

function graphView() {
  ringView ??= new RingView(client, panel);
  panel.view = ringView;
  window.__ringscope.view = ringView; // for tests, benchmarks and the devtools console
  return ringView;
}

// A lasting "not found" page; whatever graph was open is cleared, not left under it.
async function showMissing(kind, id) {
  ringView?.clearGraph();
  show("missing");
  document.title = `Not found · ${id} · ringscope`;
  const host = clear($("#missing-body"));
  const what = kind === "search" ? "account, device, IP, merchant, ring or transaction" : kind === "ip" ? "IP" : kind;
  host.append(el("h1", { text: "Not found" }),
    el("p", { text: `No ${what} has the id “${id}”.` }),
    el("p", { class: "muted", text: kind === "ip"
      ? "An address becomes an IP node when a second account uses it: one used by a single account so far is kept only on its transactions."
      : "Ids are matched from their start: check the id, or try its first few characters." }));
  window.__ringscope.missing = { kind, id };
  let hits = [];
  const probe = id.slice(0, Math.max(3, Math.ceil(id.length / 2)));
  try {
    hits = (await client.request(Q_SEARCH, { q: probe, first: 8 })).search;
  } catch {
    hits = [];
  }
  if (hits.length && window.__ringscope.missing?.id === id) {
    host.append(el("h3", { text: `Ids starting with “${probe}”` }), el("ul", { class: "hit-list" }, hits.map((h) =>
      el("li", {}, el("span", { class: "chip", text: h.type }), " ", el("a", { class: "ring-id", href: routeFor(h), text: h.id })))));
  }
}

// The investigation pages (cases, triage, account page); false when the hash is not one of them.
async function routePage() {
  const [, kind, raw] = location.hash.match(/^#\/(cases|triage|case|accountpage)(?:\/(.+))?$/) ?? [];
  if (!kind) return false;
  ringView?.clearGraph();
  show("page");
  const id = raw ? decodeURIComponent(raw) : "";
  if (kind === "accountpage") {
    $("#nav-ring").hidden = false;
    $("#nav-ring").href = location.hash;
    $("#nav-ring").textContent = "Account";
  }
  let found = true;
  if (kind === "cases") await casesView.list();
  else if (kind === "triage") await triageView.open();
  else if (kind === "case") found = await casesView.open(id);
  else if (kind === "accountpage") found = await accountPage.open(id);
  if (!found) await showMissing(kind === "case" ? "case" : "account", id);
  return true;
}

async function route() {
  casesView.current = null;
  if (await routePage()) return;
  const [, kind, raw] = location.hash.match(/^#\/(ring|account|device|ip|merchant|node|tx|missing)\/(.+)$/) ?? [];
  if (!kind) {
    show("overview");
    overview.renderStats(); // charts drawn while hidden had no width to size to
    document.title = "ringscope · investigator";
    return;
  }
  const [idPart, query] = raw.split("?");
  const id = decodeURIComponent(idPart);
  const asOf = new URLSearchParams(query ?? "").get("asOf");
  $("#nav-ring").href = location.hash;
  $("#nav-ring").textContent = kind === "tx" ? "Transaction" : GRAPH_KINDS[kind] ?? "Search";
  window.__ringscope.missing = null;
  if (kind === "missing") {
    await showMissing("search", id);
    return;
  }
  if (kind === "tx") {
    ringView?.clearGraph();
    show("tx");
    document.title = `Transaction ${id} · ringscope`;
    try {
      if (!(await txView.open(id))) await showMissing("transaction", id);
    } catch (err) {
      if (!err.unauthorized) toast(`Could not open transaction ${id}: ${err.message}`, "error");
    }
    return;
  }
  show("ring");
  document.title = `${GRAPH_KINDS[kind]} ${id} · ringscope`;
  $("#ring-title").textContent = id;
  const view = graphView();
  try {
    if (kind === "ring") {
      const ring = await view.openRing(id);
      if (ring) {
        renderRingHeader(ring);
        installRingCaseTools(client, view);
        if (asOf) await openRingAsOf(client, view, ring, asOf);
        else {
          await installReplay(client, view);
          await installRingDiff(client, view);
        }
      } else await showMissing("ring", id);
    } else {
      clearRingHeader(kind);
      hideTimeTravel();
      hideRingDiff(view);
      if (kind === "account") $("#ring-typologies").append(el("a", { class: "chip", id: "open-account-page", href: acctPage(id), text: "Account page" }));
      const found = asOf && kind === "account" ? await openAsOf(client, view, id, asOf) : await view.openNode(id);
      installRingCaseTools(client, view);
      if (!found) await showMissing(kind === "node" ? "node" : GRAPH_KINDS[kind].toLowerCase(), id);
    }
  } catch (err) {
    if (err.unauthorized) return;
    if (/no node has id|not found/i.test(err.message)) await showMissing(kind === "ring" ? "ring" : GRAPH_KINDS[kind].toLowerCase(), id);
    else {
      view.clearGraph(`Could not open ${id}: ${err.message}`);
      toast(`Could not open ${kind} ${id}: ${err.message}`, "error");
    }
  }
}

function clearRingHeader(kind) {
  $("#ring-score").replaceChildren();
  $("#ring-status").textContent = GRAPH_KINDS[kind]?.toLowerCase() ?? kind;
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
    if (location.hash.length > 2) route();
  });
  client.onUnauthorized = () => {
    if (!dialog.open) dialog.showModal();
  };
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
  new Search(client, $("#global-search"), $("#global-search-input"), $("#search-suggest")).bind();
  overview.start();
  window.addEventListener("hashchange", route);
  route();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
