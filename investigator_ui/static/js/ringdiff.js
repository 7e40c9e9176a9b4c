// Ring version diff on the ring graph: pick two recorded versions, and the graph shows the later
// version's graph plus what it lost, with members, nodes and edges added drawn green, removed red
// and dashed, and edges whose totals changed violet; a legend and the counts sit in the picker.
import { errorText } from "./invapi.js";
import { edgeKey, styleEdge } from "./graphstyle.js";
import { $, clear, el, fmtTime, toast } from "./util.js";

const DIFF_LIMIT = 1000;
export const DIFF_COLORS = { added: "#22c55e", removed: "#ef4444", changed: "#a78bfa" };

const SUBGRAPH = `nodes { id type label riskScore props }
  edges { source target type count total firstTs lastTs } truncated nodeCount`;
const EDGE = "source target type count total firstTs lastTs";

export const Q_RING_DIFF = `query RingDiff($id: ID!, $from: Int!, $to: Int!, $limit: Int!) {
  ring(id: $id) { id members { id riskScore role }
    diff(from: $from, to: $to, limit: $limit) {
      fromVersion toVersion fromAt toAt membersAdded membersRemoved
      nodesAdded { id } nodesRemoved { id }
      edgesAdded { ${EDGE} } edgesRemoved { ${EDGE} } edgesChanged { ${EDGE} }
      graph { ${SUBGRAPH} } } }
}`;

const Q_VERSIONS = `query RingVersionList($id: ID!) { ring(id: $id) { id versions { version at change size } } }`;

// A <details> box over the graph's bottom right; on a phone it starts folded to its summary.
function box() {
  let host = $("#diff-bar");
  if (!host) {
    host = el("details", { id: "diff-bar", class: "diff-bar", role: "group", "aria-label": "Compare ring versions" });
    $("#graph-status").before(host);
  }
  host.hidden = false;
  host.open = !matchMedia("(max-width: 720px)").matches;
  clear(host).append(el("summary", { text: "Compare versions" }));
  return host;
}

export function hideRingDiff(view) {
  const host = $("#diff-bar");
  if (host) clear(host).hidden = true;
  if (view) view.decorate = null;
}

export function diffLegend() {
  const line = (color, dashed, text) => el("span", { class: "diff-key" },
    el("span", { class: "diff-sw", style: `border-top:3px ${dashed ? "dashed" : "solid"} ${color}` }), text);
  return el("div", { class: "diff-legend", id: "diff-legend" },
    line(DIFF_COLORS.added, false, "added"), line(DIFF_COLORS.removed, true, "removed"), line(DIFF_COLORS.changed, false, "totals changed"));
}

// vis-network updates that mark the diff on top of the view's own styles.
export function diffStyles(view, diff) {
  const added = new Set(diff.nodesAdded.map((n) => n.id));
  const removed = new Set(diff.nodesRemoved.map((n) => n.id));
  const nodes = [];
  for (const id of [...added, ...removed]) {
    const n = view.nodes.get(id);
    if (!n) continue;
    const style = view.nodeStyle(n);
    const color = added.has(id) ? DIFF_COLORS.added : DIFF_COLORS.removed;
    nodes.push({ id, borderWidth: 4, color: { ...style.color, border: color }, opacity: removed.has(id) ? 0.55 : 1,
      shapeProperties: { borderDashes: removed.has(id) ? [5, 3] : false } });
  }
  const edges = [];
  const mark = (list, color, dashes) => {
    for (const e of list) {
      const base = styleEdge(e, { tips: false });
      edges.push({ id: edgeKey(e), color: { color, opacity: 1, highlight: "#fde047", hover: "#fde047" }, dashes, width: Math.max(2.5, base.width) });
    }
  };
  mark(diff.edgesAdded, DIFF_COLORS.added, false);
  mark(diff.edgesRemoved, DIFF_COLORS.removed, [6, 4]);
  mark(diff.edgesChanged, DIFF_COLORS.changed, false);
  return { nodes, edges };
}

function summary(diff) {
  const n = (k, word) => `${k} ${word}${k === 1 ? "" : "s"}`;
  return `v${diff.fromVersion} → v${diff.toVersion}: +${n(diff.membersAdded.length, "member")}, −${n(diff.membersRemoved.length, "member")}, ` +
    `+${n(diff.edgesAdded.length, "edge")}, −${n(diff.edgesRemoved.length, "edge")}, ${diff.edgesChanged.length} with new totals`;
}

function memberChips(view, ids, sign, kind) {
  return ids.slice(0, 12).map((id) => el("button", { class: `chip diff-chip ${kind}`, type: "button", text: `${sign} ${id}`,
    title: `Show ${id} in the graph`, onclick: () => view.focus(id) }));
}

async function showDiff(client, view, ring, from, to, host) {
  const data = await client.request(Q_RING_DIFF, { id: ring.id, from, to, limit: DIFF_LIMIT });
  const diff = data.ring?.diff;
  if (!diff || view.ring?.id !== ring.id) return;
  const members = new Map((data.ring.members ?? []).map((m) => [m.id, m]));
  for (const id of diff.membersRemoved) if (!members.has(id)) members.set(id, { id, riskScore: null, role: "former member" });
  view.reset(diff.graph, members);
  const styles = () => {
    const s = diffStyles(view, diff);
    view.visNodes?.update(s.nodes);
    view.visEdges?.update(s.edges);
  };
  view.decorate = styles;
  view.draw(performance.now());
  styles();
  clear(host).append(el("strong", { id: "diff-summary", text: summary(diff) }),
    el("span", { class: "muted diff-times", text: `${fmtTime(diff.fromAt)} → ${fmtTime(diff.toAt)}` }),
    el("div", { class: "diff-members" }, memberChips(view, diff.membersAdded, "+", "added"), memberChips(view, diff.membersRemoved, "−", "removed")),
    diffLegend());
  window.__ringscope.diff = {
    from: diff.fromVersion, to: diff.toVersion, membersAdded: diff.membersAdded, membersRemoved: diff.membersRemoved,
    edgesAdded: diff.edgesAdded.length, edgesRemoved: diff.edgesRemoved.length, edgesChanged: diff.edgesChanged.length,
    nodes: view.nodes.size, edges: view.edges.size,
  };
}

// The version picker under the ring graph; nothing when the ring has fewer than two versions.
export async function installRingDiff(client, view) {
  hideRingDiff(view);
  const ring = view.ring;
  if (!ring) return;
  let versions = [];
  try {
    versions = (await client.request(Q_VERSIONS, { id: ring.id })).ring?.versions ?? [];
  } catch {
    versions = [];
  }
  versions = versions.filter((v) => v.at).sort((a, b) => a.version - b.version);
  if (view.ring !== ring || versions.length < 2) return;
  const host = box();
  const option = (v, selected) => el("option", { value: v.version, selected, title: fmtTime(v.at),
    text: `v${v.version} · ${v.change ?? "?"} · ${v.size ?? "?"} members` });
  const from = el("select", { id: "diff-from", "aria-label": "Compare from version" }, versions.map((v, i) => option(v, i === versions.length - 2)));
  const to = el("select", { id: "diff-to", "aria-label": "Compare to version" }, versions.map((v, i) => option(v, i === versions.length - 1)));
  const result = el("div", { class: "diff-result", "aria-live": "polite" });
  const run = el("button", { class: "btn btn-primary", type: "button", id: "diff-show", text: "Show changes" });
  const reset = el("button", { class: "btn btn-ghost", type: "button", id: "diff-clear", text: "Current graph", hidden: true });
  const original = { nodes: [...view.nodes.values()], edges: [...view.edges.values()], members: view.members };
  run.addEventListener("click", async () => {
    const a = Number(from.value);
    const b = Number(to.value);
    if (a === b) {
      toast("Pick two different versions to compare", "error");
      return;
    }
    run.disabled = true;
    try {
      await showDiff(client, view, ring, Math.min(a, b), Math.max(a, b), result);
      reset.hidden = false;
    } catch (err) {
      toast(`Could not compare versions: ${errorText(err)}`, "error");
    } finally {
      run.disabled = false;
    }
  });
  reset.addEventListener("click", () => {
    view.decorate = null;
    view.reset({ nodes: original.nodes, edges: original.edges }, original.members);
    view.draw(performance.now());
    clear(result);
    reset.hidden = true;
    window.__ringscope.diff = null;
  });
  host.append(el("div", { class: "diff-pick" }, from, el("span", { text: "→" }), to, run, reset), result);
}
