// Pure graph operations on the ring view's model: time window, hub folding, reason matching.
import { IDENTIFIER_TYPES, MONEY_EDGES, nodeRisk } from "./graphstyle.js";
import { toMs } from "./util.js";

// Which edges fall in [since, until]: an edge without timestamps (identity links) always does.
export function edgeInWindow(e, since, until) {
  const first = toMs(e.firstTs);
  const last = toMs(e.lastTs);
  if (first === null && last === null) return true;
  if (since !== null && (last ?? first) < since) return false;
  if (until !== null && (first ?? last) > until) return false;
  return true;
}

export function timeBounds(edges) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const e of edges) {
    const f = toMs(e.firstTs);
    const l = toMs(e.lastTs);
    // an edge may carry only one of its times: it bounds the window on both sides
    for (const t of [f, l]) {
      if (t === null || !Number.isFinite(t)) continue;
      lo = Math.min(lo, t);
      hi = Math.max(hi, t);
    }
  }
  return Number.isFinite(lo) && Number.isFinite(hi) ? { lo, hi } : null;
}

// Shared-identifier hubs with at least `min` accounts: each becomes a star of dashed
// "shares X" edges around its riskiest account, so k accounts cost k-1 edges, not k².
export function foldPlan(nodes, edges, min = 3) {
  const accountsOf = new Map();
  for (const e of edges.values()) {
    for (const [hub, other] of [[e.target, e.source], [e.source, e.target]]) {
      const h = nodes.get(hub);
      const o = nodes.get(other);
      if (h && o && IDENTIFIER_TYPES.has(h.type) && o.type === "Account") {
        if (!accountsOf.has(hub)) accountsOf.set(hub, new Set());
        accountsOf.get(hub).add(other);
      }
    }
  }
  const hubs = [];
  const virtual = [];
  for (const [hub, set] of accountsOf) {
    if (set.size < min) continue;
    hubs.push(hub);
    const accounts = [...set].sort((a, b) => (nodeRisk(nodes.get(b)) ?? 0) - (nodeRisk(nodes.get(a)) ?? 0));
    const [anchor, ...rest] = accounts;
    const type = nodes.get(hub).type.toLowerCase();
    for (const acc of rest) {
      virtual.push({ id: `fold|${hub}|${acc}`, from: anchor, to: acc, dashes: [2, 4], width: 1.5, label: `shares ${type}`,
        font: { color: "#94a3b8", size: 9, strokeWidth: 0 }, color: { color: "#a78bfa", opacity: 0.7 }, arrows: { to: { enabled: false } }, smooth: false });
    }
  }
  return { hubs, virtual };
}

function collectStrings(value, out) {
  if (value === null || value === undefined) return out;
  if (typeof value === "string" || typeof value === "number") out.push(String(value));
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out);
  else if (typeof value === "object") for (const [k, v] of Object.entries(value)) { out.push(k); collectStrings(v, out); }
  return out;
}

// Node ids that the ring's reasons or evidence name (exactly, or inside a reason sentence).
export function namedByReasons(ring, nodeIds) {
  let evidence = ring?.evidence ?? null;
  if (typeof evidence === "string") {
    try { evidence = JSON.parse(evidence); } catch { /* plain text evidence */ }
  }
  const texts = collectStrings([ring?.reasons ?? [], evidence], []);
  const exact = new Set(texts);
  const joined = texts.join("\n");
  const hits = new Set();
  for (const id of nodeIds) {
    if (exact.has(id) || (String(id).length >= 4 && joined.includes(id))) hits.add(id);
  }
  return hits;
}

// Edges between highlighted nodes that carry money, or any edge touching a named identifier.
export function highlightedEdges(edges, hits, nodes) {
  const out = new Set();
  for (const [key, e] of edges) {
    const both = hits.has(e.source) && hits.has(e.target);
    const ident = (hits.has(e.source) && IDENTIFIER_TYPES.has(nodes.get(e.source)?.type))
      || (hits.has(e.target) && IDENTIFIER_TYPES.has(nodes.get(e.target)?.type));
    if (both || ident || (MONEY_EDGES[e.type] && both)) out.add(key);
  }
  return out;
}
