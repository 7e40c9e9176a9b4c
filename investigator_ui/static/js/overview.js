// The live overview: KPI tiles, hand-drawn charts, the alert feed and the ranked ring list.
import { Q_ALERTS, Q_RING_COUNTS, Q_RINGS, Q_STATS, S_ALERTS, S_RINGS } from "./api.js";
import { areaChart, barChart } from "./charts.js";
import { $, $$, clear, debounce, el, fmtAgo, fmtMoney, fmtNumber, fmtPct, humanize, riskBadge, riskColor, toMs } from "./util.js";

const STATS_EVERY_MS = 10000;
const RINGS_EVERY_MS = 30000;
const FEED_MAX = 80;
const HOUR_MS = 3600 * 1000;

export class Overview {
  constructor(client) {
    this.client = client;
    this.rings = new Map();
    this.sort = { key: "score", dir: -1 };
    this.stats = null;
    this.alertsSeen = new Set();
    this.alertsByTx = new Map();
    this.unsubAlerts = null;
    this.ringCounts = null;
    this.reloadRings = debounce(() => this.loadRings(), 2000);
  }

  // The alert the feed showed for a transaction, if any (the transaction view shows it).
  alertFor(txId) {
    return this.alertsByTx.get(txId) ?? null;
  }

  start() {
    this.bindRingControls();
    $("#feed-min").addEventListener("change", () => this.applyFeedMin());
    this.refresh();
    this.subscribeAlerts();
    this.client.subscribe(S_RINGS, { minScore: 0 }, {
      next: (data) => {
        this.upsertRing(data.ringUpdates, true);
        this.reloadRings(); // counts and list from one consistent read
      },
      error: (err) => console.warn("ring updates", err),
    });
    this.timer = setInterval(() => this.loadStats(), STATS_EVERY_MS);
    this.ringTimer = setInterval(() => this.loadRings(), RINGS_EVERY_MS);
    this.agoTimer = setInterval(() => this.refreshAgo(), 15000);
    window.addEventListener("resize", debounce(() => this.renderStats(), 200));
  }

  // Relative times ("15s ago") are recomputed, not frozen at the moment they were drawn.
  refreshAgo() {
    for (const node of $$("[data-ago]")) node.textContent = fmtAgo(node.dataset.ago);
  }

  refresh() {
    this.loadRings();
    this.loadStats();
    this.loadAlerts();
  }

  // ---- KPIs and charts ----------------------------------------------------------------
  // The window the figures cover: the last hour, or less when traffic began later (right after
  // start-up), so per-minute rates divide by minutes that had traffic and charts are not flat.
  async loadStats() {
    try {
      const now = Date.now();
      const probe = (await this.client.request(Q_STATS, { since: new Date(now - HOUR_MS).toISOString(), until: new Date(now).toISOString(), buckets: 60 })).stats;
      let stats = probe;
      if (!probe.transactions) {
        stats = (await this.client.request(Q_STATS, { buckets: 24 })).stats; // a quiet hour: the last day
      } else {
        const first = probe.buckets.findIndex((b) => b.transactions > 0);
        if (first > 0) {
          const since = toMs(probe.buckets[first].start);
          const span = now - since;
          const buckets = Math.max(6, Math.min(30, Math.round(span / 10000)));
          stats = (await this.client.request(Q_STATS, { since: new Date(since).toISOString(), until: new Date(now).toISOString(), buckets })).stats;
        } else {
          stats = (await this.client.request(Q_STATS, { since: new Date(now - HOUR_MS).toISOString(), until: new Date(now).toISOString(), buckets: 30 })).stats;
        }
      }
      this.stats = stats;
    } catch (err) {
      if (!err.unauthorized) console.warn("stats unavailable", err.message);
      return;
    }
    this.renderStats();
  }

  renderStats() {
    const s = this.stats;
    if (!s) return;
    const minutes = Math.max(1, (toMs(s.until) - toMs(s.since)) / 60000);
    // "Flagged" is what ringscope decided (scored review or block), never the events' label.
    const flaggedRate = s.transactions ? s.alerts / s.transactions : 0;
    const rc = this.ringCounts;
    const openRings = rc ? rc.open + rc.investigating : null;
    const windowText = minutes >= 59 ? `last ${Math.round(minutes / 60) > 1 ? `${Math.round(minutes / 60)} h` : "hour"}` : `last ${minutes < 2 ? `${Math.round(minutes * 60)} s` : `${Math.round(minutes)} min`}`;
    const tiles = [
      { label: "Transactions processed", value: fmtNumber(s.transactions), sub: `${fmtMoney(s.amount)} volume · ${windowText}`, color: "#38bdf8", id: "kpi-transactions" },
      { label: "Alerts", value: fmtNumber(s.alerts), sub: `${(s.alerts / minutes).toFixed(1)} / min over the ${windowText}`, color: "#f59e0b", id: "kpi-alerts" },
      { label: "Fraud rate (flagged)", value: fmtPct(flaggedRate, 2), sub: `${fmtNumber(s.alerts)} of ${fmtNumber(s.transactions)} flagged by ringscope`, color: "#ef4444", id: "kpi-fraud", data: { flagged: s.alerts, transactions: s.transactions } },
      { label: "Amount at risk", value: fmtMoney(s.amountAtRisk), sub: "scored review", color: "#f97316" },
      { label: "Amount blocked", value: fmtMoney(s.amountBlocked), sub: `${fmtNumber(s.blocked)} transactions blocked`, color: "#a855f7" },
      { label: "Open rings", value: openRings === null ? "–" : fmtNumber(openRings), id: "kpi-rings", data: { open: openRings ?? "" },
        sub: rc ? `${fmtNumber(rc.investigating)} investigating · ${fmtNumber(rc.closed)} closed · ${fmtNumber(rc.all)} listed` : "", color: "#22c55e" },
    ];
    const host = clear($("#kpis"));
    for (const t of tiles) {
      host.append(el("div", { class: "kpi", style: `--kpi:${t.color}`, id: t.id, dataset: t.data },
        el("div", { class: "label", text: t.label }), el("div", { class: "value", text: t.value }),
        el("div", { class: "sub", text: t.sub })));
    }
    $("#chart-alerts-note").textContent = `alerts / min · ${windowText}`;
    const buckets = (s.buckets ?? []).map((b) => ({ ...b, t: toMs(b.start) }));
    const bucketMin = buckets.length > 1 ? (buckets[1].t - buckets[0].t) / 60000 : minutes;
    areaChart($("#chart-alerts"), buckets.map((b) => ({ t: b.t, v: b.alerts / bucketMin })),
      { color: "#f59e0b", format: (v) => (v === 0 ? "0" : v.toFixed(v < 10 ? 1 : 0)), label: "alerts per minute" });
    areaChart($("#chart-fraud"), buckets.map((b) => ({ t: b.t, v: b.transactions ? (100 * b.alerts) / b.transactions : 0 })),
      { color: "#ef4444", format: (v) => `${v === 0 ? 0 : v.toFixed(v < 10 ? 1 : 0)}%`, label: "share of transactions flagged over time" });
    const hist = s.riskHistogram ?? [];
    const width = 100 / Math.max(1, hist.length);
    barChart($("#chart-risk"), hist.map((n, i) => ({ label: String(Math.round(i * width)), value: n, color: riskColor(i * width + width / 2) })),
      { format: (v) => fmtNumber(v), label: "risk distribution" });
    barChart($("#chart-amount"), [
      { label: "volume", value: s.amount, color: "#38bdf8" },
      { label: "at risk", value: s.amountAtRisk, color: "#f97316" },
      { label: "blocked", value: s.amountBlocked, color: "#a855f7" },
    ], { format: (v) => fmtMoney(v).replace(/\.00$/, ""), label: "amount at risk and blocked" });
  }

  // ---- alert feed ----------------------------------------------------------------------
  feedMin() {
    return Math.max(0, Number($("#feed-min").value) || 0);
  }

  // A higher minimum removes the lower alerts already shown, then fetches and follows anew.
  applyFeedMin() {
    const min = this.feedMin();
    for (const li of $$("#alert-feed li")) {
      if (Number(li.dataset.score) < min) {
        li.remove();
        this.alertsSeen.delete(li.dataset.alertId);
      }
    }
    $("#feed-empty").hidden = $("#alert-feed").children.length > 0;
    this.loadAlerts();
    this.subscribeAlerts();
  }

  async loadAlerts() {
    try {
      const data = await this.client.request(Q_ALERTS, { first: 30, minScore: this.feedMin() });
      const nodes = data.alerts.edges.map((e) => e.node).reverse();
      for (const a of nodes) this.addAlert(a, false);
    } catch (err) {
      if (!err.unauthorized) console.warn("alerts unavailable", err.message);
    }
  }

  subscribeAlerts() {
    this.unsubAlerts?.();
    this.unsubAlerts = this.client.subscribe(S_ALERTS, { minScore: this.feedMin() }, {
      next: (data) => this.addAlert(data.alerts, true),
      error: (err) => console.warn("alert subscription", err),
    });
  }

  addAlert(a, live) {
    if (!a || a.score < this.feedMin()) return;
    if (a.transactionId) this.alertsByTx.set(a.transactionId, a);
    const feed = $("#alert-feed");
    if (this.alertsSeen.has(a.id)) {
      // an open alert that escalated is re-published with the same id: show its latest state
      const old = feed.querySelector(`li[data-alert-id="${CSS.escape(a.id)}"]`);
      if (!old) return;
      old.remove();
    }
    this.alertsSeen.add(a.id);
    const enc = encodeURIComponent;
    // A transaction alert opens its transaction; account and ring are one click from the item too.
    const target = a.transactionId ? `#/tx/${enc(a.transactionId)}` : a.ringId ? `#/ring/${enc(a.ringId)}` : a.accountId ? `#/account/${enc(a.accountId)}` : null;
    const who = a.accountId ?? a.ringId ?? a.transactionId ?? "";
    const when = toMs(a.createdAt) ?? Date.now();
    const item = el("li", { class: live ? "new" : "", dataset: { alertId: a.id, score: a.score, ts: when } },
      riskBadge(a.score),
      el("div", {}, el("span", { class: "kind", text: a.kind }),
        target ? el("a", { class: "who", href: target, text: who, title: "Open the alert's transaction" }) : el("span", { class: "who", text: who })),
      el("div", { class: "why", text: (a.reasons ?? []).map(humanize).join(" · ") || a.decision || "" }),
      el("div", { class: "links" },
        a.accountId && a.transactionId ? el("a", { class: "chip", href: `#/account/${enc(a.accountId)}`, text: "account" }) : null,
        a.accountId ? el("a", { class: "chip asof-link", href: `#/account/${enc(a.accountId)}?asOf=${enc(a.createdAt)}`, text: "as at alert", title: "The account's graph as it stood when this alert fired" }) : null,
        a.ringId && a.kind === "RING" ? el("a", { class: "chip asof-link", href: `#/ring/${enc(a.ringId)}?asOf=${enc(a.createdAt)}`, text: "as at alert", title: "The ring's graph as it stood when this alert fired" }) : null,
        a.ringId && a.kind !== "RING" ? el("a", { class: "chip ring-link", href: `#/ring/${enc(a.ringId)}`, text: `ring ${a.ringId}` }) : null,
        el("span", { class: "when", text: fmtAgo(a.createdAt), title: a.createdAt, dataset: { ago: a.createdAt } })));
    // newest first by the time the alert was raised, whatever order they arrive in
    const after = [...feed.children].find((li) => Number(li.dataset.ts) < when);
    feed.insertBefore(item, after ?? null);
    while (feed.children.length > FEED_MAX) feed.lastElementChild.remove();
    $("#feed-empty").hidden = true;
    if (live) {
      // the tile's count comes from the stats (transactions flagged); a live alert only flashes it
      const tile = $("#kpi-alerts");
      if (tile) {
        tile.classList.remove("flash");
        void tile.offsetWidth;
        tile.classList.add("flash");
      }
    }
  }

  // ---- rings ---------------------------------------------------------------------------
  bindRingControls() {
    const form = $("#ring-filters");
    form.addEventListener("submit", (e) => e.preventDefault());
    form.minScore.addEventListener("input", () => { form.minScore.nextElementSibling.textContent = form.minScore.value; });
    form.minScore.addEventListener("change", () => this.loadRings());
    form.status.addEventListener("change", () => this.loadRings());
    form.q.addEventListener("input", () => this.renderRings());
    for (const th of $$("#rings-table th[data-sort]")) {
      const sortBy = () => {
        const key = th.dataset.sort;
        this.sort = { key, dir: this.sort.key === key ? -this.sort.dir : -1 };
        for (const other of $$("#rings-table th")) {
          other.classList.remove("sorted", "asc", "desc");
          if (other.dataset.sort) other.setAttribute("aria-sort", "none");
        }
        th.classList.add("sorted", this.sort.dir < 0 ? "desc" : "asc");
        th.setAttribute("aria-sort", this.sort.dir < 0 ? "descending" : "ascending");
        this.renderRings();
      };
      th.tabIndex = 0; // sortable by keyboard too
      th.setAttribute("role", "columnheader");
      th.addEventListener("click", sortBy);
      th.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" || ev.key === " ") {
          ev.preventDefault();
          sortBy();
        }
      });
    }
  }

  async loadRings() {
    const form = $("#ring-filters");
    const vars = { first: 100, minScore: Number(form.minScore.value) || null, status: form.status.value || null };
    try {
      const [data, counts] = await Promise.all([this.client.request(Q_RINGS, vars), this.client.request(Q_RING_COUNTS)]);
      this.rings.clear();
      for (const e of data.rings.edges) this.rings.set(e.node.id, e.node);
      this.totalRings = data.rings.totalCount;
      this.ringCounts = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v.totalCount]));
      this.renderStats();
    } catch (err) {
      if (!err.unauthorized) console.warn("rings unavailable", err.message);
      return;
    }
    this.renderRings();
  }

  upsertRing(ring, live) {
    if (!ring?.id) return;
    // Updates from pub/sub carry only some fields: keep what we knew for the rest.
    const fresh = Object.fromEntries(Object.entries(ring).filter(([, v]) => v !== null && v !== undefined));
    if (fresh.size === 0) this.rings.delete(ring.id); // dissolved into another ring: no longer listed
    else this.rings.set(ring.id, { ...(this.rings.get(ring.id) ?? {}), ...fresh });
    this.renderRings(live ? ring.id : null);
  }

  sortedRings() {
    const q = $("#ring-filters").q.value.trim().toLowerCase();
    const rows = [...this.rings.values()].filter((r) => !q || r.id.toLowerCase().includes(q)
      || (r.typologies ?? []).some((t) => t.toLowerCase().includes(q)));
    const { key, dir } = this.sort;
    const value = (r) => (key === "updated" ? toMs(r.updatedAt) ?? 0 : r[key] ?? "");
    return rows.sort((a, b) => (value(a) > value(b) ? dir : value(a) < value(b) ? -dir : 0));
  }

  renderRings(flashId = null) {
    const body = clear($("#rings-table tbody"));
    const rows = this.sortedRings();
    for (const r of rows) {
      const href = `#/ring/${encodeURIComponent(r.id)}`;
      const status = String(r.status ?? "").toLowerCase();
      const tr = el("tr", { class: r.id === flashId ? "updated" : "", dataset: { ringId: r.id }, onclick: () => { location.hash = href; } },
        el("td", {}, el("div", { class: "scorebar" }, riskBadge(r.score),
          el("span", { class: "bar" }, el("i", { style: `width:${Math.round(r.score)}%;background:${riskColor(r.score)}` })))),
        el("td", {}, el("a", { class: "ring-id", href, text: r.id })),
        el("td", { text: fmtNumber(r.size) }),
        el("td", {}, el("span", { class: "chips" }, (r.typologies ?? []).map((t) => el("span", { class: "chip", text: humanize(t) })))),
        el("td", {}, el("span", { class: `pill ${status}`, text: status || "–" }),
          r.verdict ? el("span", { class: `pill ${String(r.verdict).toLowerCase()}`, text: humanize(String(r.verdict).toLowerCase()) }) : null),
        el("td", { title: r.updatedAt ?? "" }, el("span", { text: humanize(r.lastChange ?? "") }), " ",
          el("span", { class: "muted", text: fmtAgo(r.updatedAt), dataset: { ago: r.updatedAt ?? "" } })));
      body.append(tr);
    }
    const open = rows.filter((r) => ["open", "investigating"].includes(String(r.status).toLowerCase())).length;
    $("#rings-count").textContent = `${rows.length}${this.totalRings > rows.length ? ` of ${this.totalRings}` : ""} · ${open} open`;
    $("#rings-empty").hidden = rows.length > 0;
  }
}
