// Case-file exports of the current view, built in the browser: PNG, CSV and GraphML.
import { download } from "./util.js";

export function exportPng(container, name) {
  const source = container.querySelector("canvas");
  if (!source) return false;
  const out = document.createElement("canvas");
  out.width = source.width;
  out.height = source.height;
  const ctx = out.getContext("2d");
  ctx.fillStyle = "#0b1120";
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(source, 0, 0);
  out.toBlob((blob) => blob && download(`${name}.png`, blob), "image/png");
  return true;
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
