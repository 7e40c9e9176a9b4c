// The account's model risk over time (Account.riskHistory): a small step chart, 0-100, with one
// dot per scoring pass coloured by model version, and the table of passes, newest first.
import { errorText } from "./invapi.js";
import { clear, el, fmtTime, riskBadge, svg, toMs } from "./util.js";

const Q_RISK_HISTORY = `query RiskHistory($id: ID!) { account(id: $id) { id riskHistory { at score modelVersion } } }`;
const VERSION_COLORS = ["#38bdf8", "#f472b6", "#a78bfa", "#facc15", "#34d399", "#fb923c"];
const W = 420;
const H = 120;
const PAD = { l: 30, r: 10, t: 8, b: 20 };

function versionColors(points) {
  const colors = new Map();
  for (const p of points) {
    const key = p.modelVersion ?? "unknown";
    if (!colors.has(key)) colors.set(key, VERSION_COLORS[colors.size % VERSION_COLORS.length]);
  }
  return colors;
}

export function riskChart(points, colors) {
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart risk-history-chart", role: "img",
    "aria-label": `Model risk over ${points.length} scoring passes` });
  const y = (v) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / 100);
  for (const v of [0, 50, 100]) {
    root.append(svg("line", { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), class: "grid" }));
    root.append(svg("text", { x: PAD.l - 5, y: y(v) + 4, "text-anchor": "end", class: "tick", text: v }));
  }
  const ts = points.map((p) => p.ms);
  const t0 = Math.min(...ts);
  const t1 = Math.max(...ts);
  const x = (t) => (t1 === t0 ? (PAD.l + W - PAD.r) / 2 : PAD.l + ((W - PAD.l - PAD.r) * (t - t0)) / (t1 - t0));
  if (points.length > 1) {
    const steps = points.map((p, i) => (i === 0 ? `M${x(p.ms)},${y(p.score)}` : `H${x(p.ms)}V${y(p.score)}`)).join("");
    root.append(svg("path", { d: steps, fill: "none", stroke: "#94a3b8", "stroke-width": 1.5 }));
  }
  for (const p of points) {
    root.append(svg("circle", { cx: x(p.ms), cy: y(p.score), r: 4, fill: colors.get(p.modelVersion ?? "unknown"), stroke: "#0b1120" },
      svg("title", { text: `${fmtTime(p.at)} · ${p.score.toFixed(1)} · ${p.modelVersion ?? "unknown model"}` })));
  }
  root.append(svg("text", { x: PAD.l, y: H - 4, class: "tick", text: fmtTime(t0).slice(0, 10) }));
  if (t1 !== t0) root.append(svg("text", { x: W - PAD.r, y: H - 4, "text-anchor": "end", class: "tick", text: fmtTime(t1).slice(0, 10) }));
  return root;
}

function render(host, raw) {
  const points = raw.map((p) => ({ ...p, ms: toMs(p.at) })).filter((p) => p.ms !== null).sort((a, b) => a.ms - b.ms);
  if (!points.length) {
    window.__ringscope.riskHistory = { points: 0, models: [] };
    host.append(el("p", { class: "muted", text: "No model scores recorded yet: the batch scoring writes one here each time it changes." }));
    return;
  }
  const colors = versionColors(points);
  host.append(riskChart(points, colors),
    el("div", { class: "legend-inline", id: "risk-history-models" }, [...colors].map(([v, c]) => el("span", {}, el("i", { style: `background:${c}` }), v))),
    el("table", { class: "stack", id: "risk-history-table" }, el("tbody", {}, [...points].reverse().map((p, i, all) => {
      const prev = all[i + 1];
      const delta = prev ? p.score - prev.score : null;
      return el("tr", {}, el("td", {}, riskBadge(p.score)), el("td", { class: "muted", text: fmtTime(p.at) }),
        el("td", { text: p.modelVersion ?? "unknown model" }),
        el("td", { class: "num", text: delta === null ? "first" : `${delta >= 0 ? "+" : "−"}${Math.abs(delta).toFixed(1)}` }));
    }))));
  window.__ringscope.riskHistory = { points: points.length, models: [...colors.keys()] };
}

// A card that fills itself once the history arrives (the rest of the page does not wait for it).
export function riskHistoryCard(client, accountId) {
  const body = el("div", { class: "risk-history" }, el("p", { class: "muted", text: "Loading…" }));
  const card = el("section", { class: "card", id: "acct-risk-history" }, el("h3", { text: "Risk score history" }), body);
  client.request(Q_RISK_HISTORY, { id: accountId }).then(
    (data) => render(clear(body), data.account?.riskHistory ?? []),
    (err) => clear(body).append(el("p", { class: "muted", text: `Could not load the history: ${errorText(err)}` })),
  );
  return card;
}
