// Case-file exports of the current view, built in the browser: PNG, CSV and GraphML.
import { LEGEND_NODES, MONEY_EDGES, edgeKey } from "./graphstyle.js";
import { download, el, fmtTime, humanize } from "./util.js";

const GRAPH_W = 2400; // the graph at print resolution: 8 in at 300 dpi
const GRAPH_H = 1600;
const SIDE_W = 900;
const HEAD_H = 190;
const BG = "#0b1120";

// Draw the whole visible graph (not the viewport) on an off-screen network of print size.
async function renderGraph(view) {
  const { nodes, edges } = view.visible();
  const host = el("div", { style: `position:fixed;left:-20000px;top:0;width:${GRAPH_W}px;height:${GRAPH_H}px` });
  document.body.append(host);
  const pos = view.network.getPositions(nodes.map((n) => n.id));
  const visNodes = new vis.DataSet(nodes.map((n) => {
    const style = view.visNodes.get(n.id);
    return { ...style, x: pos[n.id]?.x ?? 0, y: pos[n.id]?.y ?? 0, font: { ...(style.font ?? {}), size: 15 }, title: undefined };
  }));
  const visEdges = new vis.DataSet(edges.map((e) => ({ ...view.visEdges.get(edgeKey(e)), title: undefined })).concat(
    view.visEdges.get({ filter: (e) => String(e.id).startsWith("fold|") && !e.hidden })));
  const net = new vis.Network(host, { nodes: visNodes, edges: visEdges }, {
    physics: { enabled: false }, layout: { improvedLayout: false }, interaction: { dragView: false, zoomView: false },
  });
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 2000);
    net.once("afterDrawing", () => { clearTimeout(timer); resolve(); });
    net.fit({ animation: false, maxZoomLevel: 3 }); // a small ring fills the picture too
    net.redraw();
  });
  const source = host.querySelector("canvas");
  const copy = document.createElement("canvas");
  copy.width = source.width;
  copy.height = source.height;
  copy.getContext("2d").drawImage(source, 0, 0);
  net.destroy();
  host.remove();
  return { canvas: copy, nodes: nodes.length, edges: edges.length };
}

function wrap(ctx, text, x, y, width, lineH, maxLines = 12) {
  const words = String(text).split(/\s+/);
  let line = "";
  let lines = 0;
  for (const w of words) {
    const test = line ? `${line} ${w}` : w;
    if (ctx.measureText(test).width > width && line) {
      ctx.fillText(line, x, y);
      y += lineH;
      line = w;
      if (++lines >= maxLines) return y;
    } else line = test;
  }
  if (line) {
    ctx.fillText(line, x, y);
    y += lineH;
  }
  return y;
}

function shape(ctx, kind, x, y, r) {
  ctx.beginPath();
  const poly = (pts) => pts.forEach(([px, py], i) => (i ? ctx.lineTo(x + px * r, y + py * r) : ctx.moveTo(x + px * r, y + py * r)));
  if (kind === "dot") ctx.arc(x, y, r, 0, 2 * Math.PI);
  else if (kind === "square") ctx.rect(x - r, y - r, 2 * r, 2 * r);
  else if (kind === "triangle") poly([[0, -1], [1, 0.9], [-1, 0.9]]);
  else if (kind === "diamond") poly([[0, -1], [1, 0], [0, 1], [-1, 0]]);
  else if (kind === "hexagon") poly([[0, -1], [0.87, -0.5], [0.87, 0.5], [0, 1], [-0.87, 0.5], [-0.87, -0.5]]);
  else if (kind === "star") poly(Array.from({ length: 10 }, (_, i) => { const a = -Math.PI / 2 + (i * Math.PI) / 5; const k = i % 2 ? 0.45 : 1; return [k * Math.cos(a), k * Math.sin(a)]; }));
  ctx.closePath();
}

// What the picture says besides the graph: title, ids, score, reasons and the verdict note.
export function caseFacts(view) {
  const ring = view.ring;
  const latest = (ring?.verdicts ?? []).slice().sort((a, b) => String(b.at ?? "").localeCompare(String(a.at ?? "")))[0] ?? null;
  return {
    title: ring ? `Ring ${ring.id}` : `${view.nodes.get(view.focusId)?.type ?? "Node"} ${view.focusId}`,
    ring: ring?.id ?? null,
    score: ring ? Math.round(ring.score) : null,
    status: ring ? String(ring.status).toLowerCase() : null,
    verdict: ring?.verdict ? humanize(String(ring.verdict).toLowerCase()) : null,
    typologies: (ring?.typologies ?? []).map(humanize),
    reasons: ring?.reasons ?? [],
    note: latest ? `${humanize(String(latest.verdict).toLowerCase())}${latest.reasonCode ? ` (${humanize(latest.reasonCode)})` : ""}${latest.author ? ` by ${latest.author}` : ""}${latest.at ? `, ${fmtTime(latest.at)}` : ""}: ${latest.note ?? "no note"}` : null,
  };
}

// The case-file picture: the whole graph at print resolution with title, ring id, score,
// legend, reasons and verdict note, whatever part of the graph is on screen.
export async function exportCaseFile(view, name, { save = true } = {}) {
  if (!view.network) return null;
  const facts = caseFacts(view);
  const graph = await renderGraph(view);
  const W = GRAPH_W + SIDE_W;
  const H = HEAD_H + GRAPH_H;
  const out = document.createElement("canvas");
  out.width = W;
  out.height = H;
  const ctx = out.getContext("2d");
  ctx.fillStyle = BG;
  ctx.fillRect(0, 0, W, H);
  ctx.drawImage(graph.canvas, 0, HEAD_H, GRAPH_W, GRAPH_H);
  ctx.strokeStyle = "#1f2b45";
  ctx.lineWidth = 2;
  ctx.strokeRect(1, HEAD_H, GRAPH_W - 2, GRAPH_H - 2);
  const font = (size, weight = 400) => `${weight} ${size}px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif`;
  ctx.textBaseline = "alphabetic";
  ctx.fillStyle = "#e2e8f0";
  ctx.font = font(56, 700);
  ctx.fillText(`ringscope case file · ${facts.title}`, 40, 80);
  ctx.font = font(30);
  ctx.fillStyle = "#8b9ab4";
  const line = [facts.score !== null ? `score ${facts.score}/100` : null, facts.status ? `status ${facts.status}` : null,
    facts.verdict ? `verdict ${facts.verdict}` : "no verdict yet", `${graph.nodes} nodes · ${graph.edges} edges`,
    `exported ${fmtTime(Date.now())}`].filter(Boolean).join("   ·   ");
  ctx.fillText(line, 40, 135);
  if (facts.typologies.length) ctx.fillText(`typologies: ${facts.typologies.join(", ")}`, 40, 172);
  // side column
  let x = GRAPH_W + 40;
  let y = HEAD_H + 60;
  const heading = (text) => {
    ctx.fillStyle = "#8b9ab4";
    ctx.font = font(26, 700);
    ctx.fillText(text.toUpperCase(), x, y);
    y += 44;
    ctx.fillStyle = "#e2e8f0";
    ctx.font = font(26);
  };
  heading("Legend");
  for (const [label, kind, color] of LEGEND_NODES) {
    shape(ctx, kind, x + 14, y - 9, 12);
    ctx.fillStyle = color;
    ctx.fill();
    ctx.strokeStyle = "#cbd5e1";
    ctx.lineWidth = 2;
    ctx.stroke();
    ctx.fillStyle = "#e2e8f0";
    ctx.fillText(label, x + 44, y);
    y += 40;
  }
  for (const [type, color] of Object.entries(MONEY_EDGES)) {
    ctx.fillStyle = color;
    ctx.fillRect(x, y - 14, 30, 6);
    ctx.fillStyle = "#e2e8f0";
    ctx.fillText(`${type.toLowerCase()} (width = amount)`, x + 44, y);
    y += 40;
  }
  ctx.setLineDash([6, 6]);
  ctx.strokeStyle = "#94a3b8";
  ctx.beginPath();
  ctx.moveTo(x, y - 11);
  ctx.lineTo(x + 30, y - 11);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillText("uses / shares an identifier", x + 44, y);
  y += 40;
  const ramp = ctx.createLinearGradient(x, 0, x + 300, 0);
  ["#22c55e", "#84cc16", "#eab308", "#f97316", "#ef4444"].forEach((c, i) => ramp.addColorStop(i / 4, c));
  ctx.fillStyle = ramp;
  ctx.fillRect(x, y - 16, 300, 12);
  ctx.fillStyle = "#e2e8f0";
  ctx.fillText("risk 0 → 100", x + 316, y);
  y += 70;
  heading("Why it scored high");
  if (!facts.reasons.length) y = wrap(ctx, "No reasons recorded for this view.", x, y, SIDE_W - 80, 36);
  for (const r of facts.reasons.slice(0, 8)) y = wrap(ctx, `• ${humanize(r)}`, x, y, SIDE_W - 80, 36, 4) + 8;
  y += 40;
  heading("Verdict note");
  y = wrap(ctx, facts.note ?? "No verdict recorded yet.", x, y, SIDE_W - 80, 36, 10);
  const blob = await new Promise((resolve) => out.toBlob(resolve, "image/png"));
  window.__ringscope.lastExport = { ...facts, width: W, height: H, graphWidth: graph.canvas.width, graphHeight: graph.canvas.height, nodes: graph.nodes, bytes: blob?.size ?? 0 };
  if (blob && save) download(`${name}-case-file.png`, blob);
  return { ...window.__ringscope.lastExport, blob };
}

// Spreadsheet formula injection: a cell that starts with = + - @ is prefixed with a quote.
function cell(value) {
  if (value === null || value === undefined) return "";
  let text = typeof value === "object" ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(nodes, edges) {
  const header = ["element", "id", "type", "risk_score", "source", "target", "count", "total", "first_ts", "last_ts"];
  const rows = [header.join(",")];
  for (const n of nodes) rows.push(["node", n.id, n.type, n.riskScore ?? n.memberRisk ?? "", "", "", "", "", "", ""].map(cell).join(","));
  for (const e of edges) rows.push(["edge", "", e.type, "", e.source, e.target, e.count, e.total, e.firstTs, e.lastTs].map(cell).join(","));
  return rows.join("\r\n") + "\r\n";
}

export function toGraphml(nodes, edges) {
  const NS = "http://graphml.graphdrawing.org/xmlns";
  const doc = document.implementation.createDocument(NS, "graphml", null);
  const root = doc.documentElement;
  const keys = [["type", "node", "string"], ["risk_score", "node", "double"], ["etype", "edge", "string"],
    ["count", "edge", "int"], ["total", "edge", "double"], ["first_ts", "edge", "string"], ["last_ts", "edge", "string"]];
  for (const [id, domain, type] of keys) {
    const k = doc.createElementNS(NS, "key");
    k.setAttribute("id", id);
    k.setAttribute("for", domain);
    k.setAttribute("attr.name", id === "etype" ? "type" : id);
    k.setAttribute("attr.type", type);
    root.append(k);
  }
  const graph = doc.createElementNS(NS, "graph");
  graph.setAttribute("edgedefault", "directed");
  root.append(graph);
  const data = (parent, key, value) => {
    if (value === null || value === undefined || value === "") return;
    const d = doc.createElementNS(NS, "data");
    d.setAttribute("key", key);
    d.textContent = String(value);
    parent.append(d);
  };
  for (const n of nodes) {
    const node = doc.createElementNS(NS, "node");
    node.setAttribute("id", n.id);
    data(node, "type", n.type);
    data(node, "risk_score", n.riskScore ?? n.memberRisk);
    graph.append(node);
  }
  edges.forEach((e, i) => {
    const edge = doc.createElementNS(NS, "edge");
    edge.setAttribute("id", `e${i}`);
    edge.setAttribute("source", e.source);
    edge.setAttribute("target", e.target);
    data(edge, "etype", e.type);
    data(edge, "count", e.count);
    data(edge, "total", e.total);
    data(edge, "first_ts", e.firstTs);
    data(edge, "last_ts", e.lastTs);
    graph.append(edge);
  });
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(doc);
}

export function exportCsv(nodes, edges, name) {
  download(`${name}.csv`, new Blob([toCsv(nodes, edges)], { type: "text/csv" }));
}

export function exportGraphml(nodes, edges, name) {
  download(`${name}.graphml`, new Blob([toGraphml(nodes, edges)], { type: "application/graphml+xml" }));
}
