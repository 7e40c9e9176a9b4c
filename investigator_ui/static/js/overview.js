// The live overview: KPI tiles, hand-drawn charts, the alert feed and the ranked ring list.
import { Q_ALERTS, Q_RINGS, Q_STATS, S_ALERTS, S_RINGS } from "./api.js";
import { areaChart, barChart } from "./charts.js";
import { $, $$, clear, el, fmtAgo, fmtMoney, fmtNumber, fmtPct, humanize, riskBadge, riskColor, toMs } from "./util.js";

const STATS_EVERY_MS = 10000;
const FEED_MAX = 80;

export class Overview {
  constructor(client) {
    this.client = client;
    this.rings = new Map();
    this.sort = { key: "score", dir: -1 };
    this.stats = null;
    this.alertsSeen = new Set();
    this.unsubAlerts = null;
  }

  start() {
    this.bindRingControls();
    $("#feed-min").addEventListener("change", () => this.subscribeAlerts());
    this.refresh();
    this.subscribeAlerts();
    this.client.subscribe(S_RINGS, { minScore: 0 }, {
      next: (data) => this.upsertRing(data.ringUpdates, true),
      error: (err) => console.warn("ring updates", err),
    });
    this.timer = setInterval(() => this.loadStats(), STATS_EVERY_MS);
  }

  refresh() {
    this.loadRings();
    this.loadStats();
    this.loadAlerts();
  }

  // ---- KPIs and charts ----------------------------------------------------------------
  async loadStats() {
    try {
      // The last hour in 2-minute buckets; a quiet hour falls back to the server's default day.
      const since = new Date(Date.now() - 3600 * 1000).toISOString();
      let data = await this.client.request(Q_STATS, { since, buckets: 30 });
      if (!data.stats.transactions) data = await this.client.request(Q_STATS, { buckets: 24 });
      this.stats = data.stats;
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
    const byStatus = Object.fromEntries((s.ringsByStatus ?? []).map((x) => [String(x.status).toLowerCase(), x.count]));
    const tiles = [
      { label: "Transactions processed", value: fmtNumber(s.transactions), sub: `${fmtMoney(s.amount)} volume · last ${Math.round(minutes)} min`, color: "#38bdf8" },
      { label: "Alerts", value: fmtNumber(s.alerts), sub: `${(s.alerts / minutes).toFixed(1)} / min`, color: "#f59e0b", id: "kpi-alerts" },
      { label: "Fraud rate", value: fmtPct(s.fraudRate, 2), sub: `${fmtNumber(s.fraud)} flagged fraud`, color: "#ef4444" },
      { label: "Amount at risk", value: fmtMoney(s.amountAtRisk), sub: "scored review or block", color: "#f97316" },
      { label: "Amount blocked", value: fmtMoney(s.amountBlocked), sub: `${fmtNumber(s.blocked)} transactions`, color: "#a855f7" },
      { label: "Open rings", value: fmtNumber((byStatus.open ?? 0) + (byStatus.investigating ?? 0)), sub: `${fmtNumber(byStatus.investigating ?? 0)} investigating · ${fmtNumber(byStatus.closed ?? 0)} closed`, color: "#22c55e" },
    ];
    const host = clear($("#kpis"));
    for (const t of tiles) {
      host.append(el("div", { class: "kpi", style: `--kpi:${t.color}`, id: t.id },
        el("div", { class: "label", text: t.label }), el("div", { class: "value", text: t.value }),
        el("div", { class: "sub", text: t.sub })));
    }
    const buckets = (s.buckets ?? []).map((b) => ({ ...b, t: toMs(b.start) }));
    const bucketMin = buckets.length > 1 ? (buckets[1].t - buckets[0].t) / 60000 : 1;
    areaChart($("#chart-alerts"), buckets.map((b) => ({ t: b.t, v: b.alerts / bucketMin })),
      { color: "#f59e0b", format: (v) => v.toFixed(v < 10 ? 1 : 0), label: "alerts per minute" });
    areaChart($("#chart-fraud"), buckets.map((b) => ({ t: b.t, v: 100 * (b.fraudRate ?? 0) })),
      { color: "#ef4444", format: (v) => `${v.toFixed(1)}%`, label: "fraud rate over time" });
    const hist = s.riskHistogram ?? [];
    const width = 100 / Math.max(1, hist.length);
    barChart($("#chart-risk"), hist.map((n, i) => ({ label: String(Math.round(i * width)), value: n, color: riskColor(i * width + width / 2) })),
      { format: (v) => fmtNumber(v), label: "risk distribution" });
    barChart($("#chart-amount"), [
      { label: "volume", value: s.amount, color: "#38bdf8" },
      { label: "at risk", value: s.amountAtRisk, color: "#f97316" },
      { label: "blocked", value: s.amountBlocked, color: "#a855f7" },
    ], { format: (v) => fmtMoney(v), label: "amount at risk and blocked" });
  }

  // ---- alert feed ----------------------------------------------------------------------
  async loadAlerts() {
    try {
      const data = await this.client.request(Q_ALERTS, { first: 30, minScore: Number($("#feed-min").value) || 0 });
      const nodes = data.alerts.edges.map((e) => e.node).reverse();
      for (const a of nodes) this.addAlert(a, false);
    } catch (err) {
      if (!err.unauthorized) console.warn("alerts unavailable", err.message);
    }
  }

  subscribeAlerts() {
    this.unsubAlerts?.();
    this.unsubAlerts = this.client.subscribe(S_ALERTS, { minScore: Number($("#feed-min").value) || 0 }, {
      next: (data) => this.addAlert(data.alerts, true),
      error: (err) => console.warn("alert subscription", err),
    });
  }

  addAlert(a, live) {
    if (!a || this.alertsSeen.has(a.id)) return;
    this.alertsSeen.add(a.id);
    const feed = $("#alert-feed");
    const target = a.ringId ? `#/ring/${encodeURIComponent(a.ringId)}` : a.accountId ? `#/account/${encodeURIComponent(a.accountId)}` : null;
    const who = a.ringId ?? a.accountId ?? a.transactionId ?? "";
    const item = el("li", { class: live ? "new" : "", dataset: { alertId: a.id } },
      riskBadge(a.score),
      el("div", {}, el("span", { class: "kind", text: a.kind }),
        target ? el("a", { class: "who", href: target, text: who }) : el("span", { class: "who", text: who })),
      el("div", { class: "why", text: (a.reasons ?? []).map(humanize).join(" · ") || a.decision || "" }),
      el("div", { class: "when", text: fmtAgo(a.createdAt), title: a.createdAt }));
    feed.prepend(item);
    while (feed.children.length > FEED_MAX) feed.lastElementChild.remove();
    $("#feed-empty").hidden = true;
    if (live && this.stats) {
      this.stats.alerts += 1;
      const tile = $("#kpi-alerts");
      if (tile) {
        tile.querySelector(".value").textContent = fmtNumber(this.stats.alerts);
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
      th.addEventListener("click", () => {
        const key = th.dataset.sort;
        this.sort = { key, dir: this.sort.key === key ? -this.sort.dir : -1 };
        for (const other of $$("#rings-table th")) other.classList.remove("sorted", "asc", "desc");
        th.classList.add("sorted", this.sort.dir < 0 ? "desc" : "asc");
        this.renderRings();
      });
    }
  }

  async loadRings() {
    const form = $("#ring-filters");
    const vars = { first: 100, minScore: Number(form.minScore.value) || null, status: form.status.value || null };
    try {
      const data = await this.client.request(Q_RINGS, vars);
      this.rings.clear();
      for (const e of data.rings.edges) this.rings.set(e.node.id, e.node);
      this.totalRings = data.rings.totalCount;
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
    this.rings.set(ring.id, { ...(this.rings.get(ring.id) ?? {}), ...fresh });
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
          el("span", { class: "muted", text: fmtAgo(r.updatedAt) })));
      body.append(tr);
    }
    $("#rings-count").textContent = `${rows.length}${this.totalRings > rows.length ? ` of ${this.totalRings}` : ""}`;
    $("#rings-empty").hidden = rows.length > 0;
  }
}
