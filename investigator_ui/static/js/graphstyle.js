// How nodes and edges look: shape and colour by type, fill by risk, edge width by amount.
import { el, fmtMoney, fmtTime, riskColor, svg } from "./util.js";

export const NODE_TYPES = {
  Account: { shape: "dot", color: null, label: "Account (fill = risk)", sw: "dot" },
  Device: { shape: "square", color: "#818cf8", label: "Device", sw: "square" },
  IP: { shape: "triangle", color: "#c084fc", label: "IP address", sw: "tri" },
  Merchant: { shape: "diamond", color: "#38bdf8", label: "Merchant", sw: "diamond" },
  Phone: { shape: "hexagon", color: "#94a3b8", label: "Phone (hashed)", sw: "hexagon" },
  Email: { shape: "hexagon", color: "#94a3b8", label: "Email (hashed)", sw: "hexagon" },
  Address: { shape: "hexagon", color: "#94a3b8", label: "Address (hashed)", sw: "hexagon" },
  Ring: { shape: "star", color: "#f43f5e", label: "Ring", sw: "star" },
};
export const IDENTIFIER_TYPES = new Set(["Device", "IP", "Phone", "Email", "Address"]);
export const MONEY_EDGES = { TRANSFERRED: "#f59e0b", PAID: "#38bdf8", REFUNDED: "#f472b6" };
const LINK_COLOR = "#64748b";

function shortLabel(id) {
  const text = String(id);
  return text.length > 18 ? `${text.slice(0, 8)}…${text.slice(-8)}` : text;
}

function tooltip(lines) {
  const box = el("div", { class: "vis-tip" });
  for (const [k, v] of lines) if (v !== null && v !== undefined && v !== "") box.append(el("div", {}, el("b", { text: `${k}: ` }), String(v)));
  return box;
}

export function nodeRisk(node) {
  return node.riskScore ?? node.memberRisk ?? null;
}

// Victims and counterparties: accounts that paid into the ring (or were paid by it) without
// acting for it, drawn grey and dashed, apart from the members.
export const VICTIM = { fill: "#1e293b", border: "#94a3b8", label: "Victim / counterparty (not a member)" };

// `tips: false` leaves the tooltip out (a big graph builds it on hover: nodeTip / edgeTip).
export function styleNode(node, { member = false, verdict = null, tips = true } = {}) {
  const spec = NODE_TYPES[node.type] ?? { shape: "dot", color: "#94a3b8" };
  if (node.victim && !member) {
    return {
      id: node.id,
      label: shortLabel(node.id),
      shadow: { enabled: false },
      shape: "dot",
      size: 8,
      borderWidth: 2,
      shapeProperties: { borderDashes: [3, 3] },
      color: { background: VICTIM.fill, border: VICTIM.border, highlight: { background: VICTIM.fill, border: "#fde047" }, hover: { background: VICTIM.fill, border: "#fde047" } },
      font: { color: "#94a3b8", size: 10, strokeWidth: 3, strokeColor: "#0b1120" },
      title: tips ? tooltip([["type", "Account"], ["id", node.id], ["role", "victim / counterparty, not a member"]]) : undefined,
      hidden: false,
      opacity: 1,
    };
  }
  const risk = nodeRisk(node);
  const fill = node.type === "Account" ? (risk === null ? "#475569" : riskColor(risk)) : spec.color;
  const border = verdict === "confirmed_fraud" ? "#ff2d55" : verdict === "false_positive" ? "#22c55e" : member ? "#e2e8f0" : "#334155";
  const size = node.type === "Account" ? 10 + (risk ?? 0) / 10 + (member ? 3 : 0) : 11;
  return {
    id: node.id,
    label: verdict === "confirmed_fraud" ? `⚑ ${shortLabel(node.id)}` : shortLabel(node.id),
    shadow: verdict === "confirmed_fraud" ? { enabled: true, color: "rgba(255,45,85,.85)", size: 14, x: 0, y: 0 } : { enabled: false },
    shape: spec.shape,
    size,
    borderWidth: verdict ? 4 : member ? 2 : 1,
    shapeProperties: verdict === "false_positive" ? { borderDashes: [4, 3] } : { borderDashes: false },
    color: { background: fill, border, highlight: { background: fill, border: "#fde047" }, hover: { background: fill, border: "#fde047" } },
    font: { color: "#cbd5e1", size: 11, strokeWidth: 3, strokeColor: "#0b1120" },
    title: tips ? nodeTip(node) : undefined,
    hidden: false,
    opacity: 1,
  };
}

export function edgeKey(e) {
  return `${e.type}|${e.source}|${e.target}`;
}

export function nodeTip(node) {
  const risk = nodeRisk(node);
  return tooltip([["type", node.type], ["id", node.id], ["risk", risk === null ? null : Math.round(risk)]]);
}

export function edgeTip(e) {
  return tooltip([["type", e.type], ["transactions", e.count], ["total", e.total === null || e.total === undefined ? null : fmtMoney(e.total)],
    ["first", e.firstTs ? fmtTime(e.firstTs) : null], ["last", e.lastTs ? fmtTime(e.lastTs) : null]]);
}

export function styleEdge(e, { tips = true } = {}) {
  const money = MONEY_EDGES[e.type];
  const total = Number(e.total) || 0;
  const width = money ? Math.min(10, 1 + 1.6 * Math.log10(1 + total / 50)) : 1;
  return {
    id: edgeKey(e),
    from: e.source,
    to: e.target,
    width,
    arrows: money ? { to: { enabled: true, scaleFactor: 0.5 } } : { to: { enabled: false } },
    dashes: !money,
    color: { color: money ?? LINK_COLOR, opacity: money ? 0.85 : 0.5, highlight: "#fde047", hover: "#fde047" },
    smooth: false,
    title: tips ? edgeTip(e) : undefined,
    hidden: false,
  };
}

// The legend draws each shape the way vis-network draws it in the graph.
const SHAPES = {
  dot: '<circle cx="8" cy="8" r="6"/>',
  square: '<rect x="2" y="2" width="12" height="12"/>',
  triangle: '<polygon points="8,1.5 14.5,13.5 1.5,13.5"/>',
  diamond: '<polygon points="8,1 15,8 8,15 1,8"/>',
  hexagon: '<polygon points="8,1 14,4.5 14,11.5 8,15 2,11.5 2,4.5"/>',
  star: '<polygon points="8,1 9.8,6 15,6.2 10.9,9.4 12.3,14.6 8,11.6 3.7,14.6 5.1,9.4 1,6.2 6.2,6"/>',
};

export function shapeSwatch(shape, color) {
  const node = svg("svg", { viewBox: "0 0 16 16", width: 14, height: 14, class: "sw-svg", "aria-hidden": "true" });
  const tpl = new DOMParser().parseFromString(`<svg xmlns="http://www.w3.org/2000/svg">${SHAPES[shape] ?? SHAPES.dot}</svg>`, "image/svg+xml");
  const part = document.importNode(tpl.documentElement.firstElementChild, true);
  part.setAttribute("fill", color);
  part.setAttribute("stroke", "#cbd5e1");
  part.setAttribute("stroke-width", "1.2");
  node.append(part);
  return node;
}

export const LEGEND_NODES = [
  ["Account (fill = risk)", "dot", "#f97316"], ["Device", "square", NODE_TYPES.Device.color], ["IP address", "triangle", NODE_TYPES.IP.color],
  ["Merchant", "diamond", NODE_TYPES.Merchant.color], ["Phone / email / address", "hexagon", NODE_TYPES.Phone.color], ["Ring", "star", NODE_TYPES.Ring.color],
];

export function renderLegend(host) {
  for (const [label, shape, color] of LEGEND_NODES) host.append(el("div", { dataset: { shape } }, shapeSwatch(shape, color), label));
  host.append(el("div", { id: "legend-victim", dataset: { shape: "victim" } },
    el("span", { class: "sw", style: `background:${VICTIM.fill};border:2px dashed ${VICTIM.border};border-radius:50%` }), VICTIM.label));
  for (const [type, color] of Object.entries(MONEY_EDGES)) {
    host.append(el("div", {}, el("span", { class: "sw", style: `background:${color};height:4px;border:0` }), `${type.toLowerCase()} (width = amount)`));
  }
  host.append(el("div", {}, el("span", { class: "sw", style: "background:transparent;border:1px dashed #64748b;height:0" }), "uses / shares"));
  host.append(el("div", {}, el("span", { class: "sw", style: "background:#2dd4bf;height:5px;border:0" }), "drove the model's score"));
  host.append(el("div", { text: "risk 0 → 100" }));
  host.append(el("div", { class: "ramp" }));
}

export function physicsOptions(nodeCount) {
  const big = nodeCount > 250;
  return {
    layout: { improvedLayout: nodeCount <= 120, randomSeed: 7 },
    physics: {
      enabled: true,
      solver: "forceAtlas2Based",
      forceAtlas2Based: { gravitationalConstant: big ? -60 : -45, centralGravity: 0.012, springLength: big ? 60 : 90, springConstant: 0.08, avoidOverlap: 0.2 },
      maxVelocity: 60,
      minVelocity: 1,
      timestep: 0.5,
      stabilization: { enabled: true, iterations: big ? 160 : 250, updateInterval: 50, fit: true },
    },
    interaction: {
      hover: true, multiselect: true, tooltipDelay: 200, hideEdgesOnDrag: big, hideEdgesOnZoom: big,
      navigationButtons: false, keyboard: false, selectConnectedEdges: false,
    },
    nodes: { scaling: { label: { enabled: false } } },
    edges: { selectionWidth: 2, hoverWidth: 1.5 },
  };
}
