// The account model's explanation: a side-panel section, and the edges it names drawn thick and
// coloured in the graph (Account.modelExplanation, api/schema.graphql).
import { el, fmtNumber, riskBadge } from "./util.js";

export const EXPLAIN_COLOR = "#2dd4bf";

// The node types at each end of a graph relationship (DESIGN.md, graph schema).
const ENDS = {
  TRANSFERRED: ["Account", "Account"], PAID: ["Account", "Merchant"], REFUNDED: ["Merchant", "Account"],
  USED: ["Account", "Device"], FROM_IP: ["Account", "IP"], HAS_PHONE: ["Account", "Phone"],
  HAS_EMAIL: ["Account", "Email"], HAS_ADDRESS: ["Account", "Address"],
};

// What the graph needs to draw the explanation's edges: nodes and edges in the API's shape.
export function explanationSubgraph(expl) {
  const nodes = new Map();
  const edges = [];
  for (const e of expl?.edges ?? []) {
    const [s, t] = ENDS[e.type] ?? ["Account", "Account"];
    if (!nodes.has(e.source)) nodes.set(e.source, { id: e.source, type: s, label: e.source, riskScore: null, props: {} });
    if (!nodes.has(e.target)) nodes.set(e.target, { id: e.target, type: t, label: e.target, riskScore: null, props: {} });
    edges.push({ source: e.source, target: e.target, type: e.type, count: null, total: null, firstTs: null, lastTs: null });
  }
  return { nodes: [...nodes.values()], edges };
}

// Edge width for an explanation weight: 3 to 9 px, by its share of the strongest.
export function explainedWidth(weight, strongest) {
  return 3 + 6 * Math.min(1, Math.abs(weight) / (strongest || 1));
}

const fmtWeight = (w) => `${w > 0 ? "+" : ""}${Math.abs(w) >= 0.01 ? Number(w).toFixed(3) : Number(w).toPrecision(2)}`;

function metricLine(m) {
  if (!m || m.auc === undefined) return m?.n !== undefined ? `n ${fmtNumber(m.n)} (one class: no AUC)` : "not measured";
  return `AUC ${m.auc.toFixed(3)} · AP ${m.ap.toFixed(3)} · n ${fmtNumber(m.n)}`;
}

export function explanationSection(expl, onEdge) {
  const card = expl.model;
  const box = el("section", { id: "model-explanation" }, el("h3", { text: "Why the model scored it" }));
  box.append(el("dl", {},
    el("dt", { text: "model" }), el("dd", { text: `${card.kind} · ${card.version}` }),
    el("dt", { text: "score" }), el("dd", {}, riskBadge(expl.score)),
    el("dt", { text: "method" }), el("dd", { text: expl.method }),
    el("dt", { text: "time split" }), el("dd", { class: "model-metric", text: metricLine(card.metrics?.time_split) }),
    el("dt", { text: "random split" }), el("dd", { class: "model-metric", text: metricLine(card.metrics?.random_split) })));
  if (expl.features.length) {
    box.append(el("h4", { text: "Top features" }), el("table", { class: "explain-features" }, el("tbody", {}, expl.features.map((f) =>
      el("tr", {}, el("td", { class: "feature-name", text: f.name }), el("td", { class: "num", text: Number(f.value).toFixed(2) }),
        el("td", { class: `num weight ${f.weight < 0 ? "down" : "up"}`, text: fmtWeight(f.weight) }))))));
  }
  if (expl.edges.length) {
    box.append(el("h4", {}, "Edges that drove it ", el("span", { class: "swatch-line", style: `background:${EXPLAIN_COLOR}` }), el("span", { class: "muted", text: " thick in the graph" })),
      el("ol", { class: "explain-edges" }, expl.edges.map((e) => el("li", { dataset: { edge: `${e.type}|${e.source}|${e.target}` } },
        el("a", { href: "#", class: "ring-id", text: e.source, onclick: (ev) => { ev.preventDefault(); onEdge?.(e.source); } }),
        el("span", { class: "muted", text: ` ${e.type} → ` }),
        el("a", { href: "#", class: "ring-id", text: e.target, onclick: (ev) => { ev.preventDefault(); onEdge?.(e.target); } }),
        el("span", { class: `weight ${e.weight < 0 ? "down" : "up"}`, text: ` ${fmtWeight(e.weight)}` })))));
  } else {
    box.append(el("p", { class: "muted", text: "No neighbour edge moved the score: its own features did." }));
  }
  return box;
}
