// The ring (or account neighbourhood) as an interactive vis-network graph.
import { Q_EXPAND, Q_NODE, Q_PATH_VIA, Q_RING, Q_RING_VICTIMS } from "./api.js";
import { exportCaseFile, exportCsv, exportGraphml } from "./export.js";
import { BIG_GRAPH, clusterLayout, labelsOnZoom, leanEdge, leanNode, staticOptions } from "./biglayout.js";
import { edgeKey, edgeTip, nodeTip, physicsOptions, renderLegend, styleEdge, styleNode } from "./graphstyle.js";
import { edgeInWindow, foldPlan, highlightedEdges, namedByReasons, timeBounds } from "./graphtools.js";
import { $, $$, clear, el, toast, toMs } from "./util.js";
import { placeAround } from "./placement.js";
import { EXPLAIN_COLOR, explainedWidth, explanationSubgraph } from "./explainview.js";

const RING_NODE_LIMIT = 2000;
const EXPAND_LIMIT = 200;

function toLocalInput(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || Number.isNaN(new Date(ms).getTime())) return "";
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

// The path's nodes in order from `from` to `to` (the API returns a set of nodes and edges).
function orderPath(edges, from, to) {
  const next = new Map();
  for (const e of edges) {
    for (const [a, b] of [[e.source, e.target], [e.target, e.source]]) {
      if (!next.has(a)) next.set(a, []);
      next.get(a).push(b);
    }
  }
  const prev = new Map([[from, null]]);
  const queue = [from];
  while (queue.length && !prev.has(to)) {
    const cur = queue.shift();
    for (const n of next.get(cur) ?? []) if (!prev.has(n)) { prev.set(n, cur); queue.push(n); }
  }
  if (!prev.has(to)) return [];
  const out = [];
  for (let cur = to; cur !== null; cur = prev.get(cur)) out.unshift(cur);
  return out;
}

export class RingView {
  constructor(client, panel) {
    this.client = client;
    this.panel = panel;
    this.nodes = new Map();
    this.edges = new Map();
    this.verdicts = new Map();
    this.window = { since: null, until: null };
    this.emphasis = null; // {nodes: Set, edges: Set} of a path or of the ring's reasons
    this.explained = null; // {account, weights: Map edgeKey -> weight} of the model's explanation
    this.pathPick = null;
    this.ring = null;
    this.network = null;
    this.metrics = {};
    renderLegend($("#legend"));
    if (matchMedia("(max-width: 720px)").matches) $("#legend-box").open = false; // on a phone it would cover the graph
    this.bindToolbar();
  }

  // ---- loading -------------------------------------------------------------------------
  async openRing(id) {
    const t0 = performance.now();
    this.status("Loading ring…");
    const data = await this.client.request(Q_RING, { id, limit: RING_NODE_LIMIT });
    if (!data.ring) {
      this.clearGraph();
      return null;
    }
    this.ring = data.ring;
    this.focusId = null;
    const members = new Map(data.ring.members.map((m) => [m.id, m]));
    this.reset(data.ring.subgraph, members);
    this.metrics = { fetchMs: performance.now() - t0 };
    this.draw(t0);
    this.panel.showRing(this.ring);
    if (data.ring.victims?.length) this.victimsLoaded = this.addVictims(id);
    if (data.ring.subgraph.truncated) toast(`Showing the first ${data.ring.subgraph.nodeCount} nodes of this ring`);
    return data.ring;
  }

  // An account, device, IP or merchant with everything one hop away; false when no such node.
  async openNode(id) {
    const t0 = performance.now();
    this.clearGraph("Loading neighbourhood…");
    const data = await this.client.request(Q_NODE, { id, limit: EXPAND_LIMIT });
    this.ring = null;
    this.focusId = id;
    this.reset(data.neighbourhood, new Map());
    if (!this.nodes.has(id)) {
      this.clearGraph();
      return false;
    }
    this.metrics = { fetchMs: performance.now() - t0 };
    this.draw(t0);
    this.panel.showNode(this.nodes.get(id));
    return true;
  }

  // The ring's victims, grey and dashed, each with its money edges to the members it paid (or
  // was paid by); loaded after the members are drawn, so they never hold up the ring.
  async addVictims(ringId) {
    let data;
    try {
      data = await this.client.request(Q_RING_VICTIMS, { id: ringId });
    } catch (err) {
      toast(`Could not load the ring's victims: ${err.message}`, "error");
      return 0;
    }
    if (this.ring?.id !== ringId || !this.network) return 0; // another view opened meanwhile
    const sub = { nodes: [], edges: [] };
    for (const v of data.ring?.victims ?? []) {
      if (this.members.has(v.id)) continue;
      sub.nodes.push({ id: v.id, type: "Account", label: v.id, riskScore: null, props: {}, victim: true });
      for (const c of v.account?.counterparties ?? []) {
        if (!this.members.has(c.id)) continue;
        const [source, target] = c.direction === "out" ? [v.id, c.id] : [c.id, v.id];
        sub.edges.push({ source, target, type: c.type, count: c.count, total: c.total, firstTs: c.firstTs, lastTs: c.lastTs });
      }
    }
    const added = this.merge(sub);
    for (const id of added) this.nodes.get(id).victim = true;
    const taken = Object.values(this.network.getPositions());
    const positions = this.network.getPositions([...this.members.keys()]);
    const visAdd = added.map((nid) => {
      const paid = sub.edges.find((e) => e.source === nid || e.target === nid);
      const anchor = paid ? positions[paid.source === nid ? paid.target : paid.source] : null;
      const [spot] = placeAround(anchor ?? { x: 0, y: 0 }, 1, taken);
      taken.push(spot);
      return { ...this.nodeStyle(this.nodes.get(nid)), ...spot };
    });
    this.visNodes.add(visAdd);
    this.visEdges.update(sub.edges.map((e) => styleEdge(e)));
    window.__ringscope.victims = added;
    return added.length;
  }

  async openAccount(id) {
    return this.openNode(id);
  }

  // Nothing drawn and nothing in the panel: no earlier graph is left on screen.
  clearGraph(message = "") {
    this.network?.destroy();
    this.network = null;
    this.nodes.clear();
    this.edges.clear();
    this.ring = null;
    this.emphasis = null;
    this.explained = null;
    clear($("#graph"));
    clear(this.panel.host);
    this.panel.token++;
    $("#path-clear").hidden = true;
    this.status(message);
  }

  // Relationship types chosen in the toolbar for expansion and paths.
  relationships() {
    return $$("#rels-choice input:checked").map((i) => i.value);
  }

  reset(sub, members) {
    this.nodes.clear();
    this.edges.clear();
    this.emphasis = null;
    this.explained = null;
    this.pathPick = null;
    this.decorate = null; // extra styling drawn over the view's own (a version diff)
    $("#path-btn").classList.remove("active");
    $("#fold-hubs").checked = false;
    $("#highlight-reasons").checked = false;
    this.members = members;
    this.merge(sub);
    const bounds = timeBounds(this.edges.values());
    this.bounds = bounds;
    this.window = { since: null, until: null };
    $("#time-from").value = bounds ? toLocalInput(bounds.lo) : "";
    $("#time-to").value = bounds ? toLocalInput(bounds.hi) : "";
  }

  merge(sub) {
    const added = [];
    for (const n of sub?.nodes ?? []) {
      if (this.nodes.has(n.id)) continue;
      const m = this.members?.get(n.id);
      this.nodes.set(n.id, { ...n, memberRisk: m?.riskScore ?? null, role: m?.role ?? null, member: Boolean(m) });
      added.push(n.id);
    }
    for (const e of sub?.edges ?? []) this.edges.set(edgeKey(e), e);
    return added;
  }

  // ---- drawing -------------------------------------------------------------------------
  draw(t0) {
    const container = $("#graph");
    // a big graph is laid out in one pass and drawn still (biglayout.js); a small one by physics
    const big = this.nodes.size >= BIG_GRAPH;
    this.tips = !big;
    const spots = big ? clusterLayout(this.nodes, this.edges) : null;
    const visNodes = new vis.DataSet([...this.nodes.values()].map((n) => (big ? { ...leanNode(this.nodeStyle(n)), ...spots.get(n.id) } : this.nodeStyle(n))));
    const visEdges = new vis.DataSet([...this.edges.values()].map((e) => (big ? leanEdge(this.edgeStyle(e)) : this.edgeStyle(e))));
    this.visNodes = visNodes;
    this.visEdges = visEdges;
    this.network?.destroy();
    const options = big ? staticOptions(physicsOptions(this.nodes.size)) : physicsOptions(this.nodes.size);
    const network = new vis.Network(container, { nodes: visNodes, edges: visEdges }, options);
    $("#path-clear").hidden = true;
    this.network = network;
    this.metrics.nodes = this.nodes.size;
    this.metrics.edges = this.edges.size;
    this.metrics.drawMs = performance.now() - t0;
    this.status(`${this.nodes.size} nodes · ${this.edges.size} edges · laying out…`);
    network.once(big ? "afterDrawing" : "stabilizationIterationsDone", () => {
      if (!big) network.setOptions({ physics: { enabled: false } });
      this.metrics.stabilizedMs = performance.now() - t0;
      this.metrics.renderMs = this.metrics.stabilizedMs - this.metrics.fetchMs; // draw + layout only
      this.metrics.iterations = this.iterations ?? null;
      this.status(`${this.nodes.size} nodes · ${this.edges.size} edges`);
      window.__ringscope.render = { ...this.metrics, done: true };
      if (this.focusId && this.nodes.has(this.focusId)) network.selectNodes([this.focusId], false);
    });
    network.on("stabilizationProgress", (p) => { this.iterations = p.iterations; });
    if (big) {
      this.tipsOnHover(network);
      labelsOnZoom(network, visNodes, (id) => this.nodeStyle(this.nodes.get(id)).label);
    }
    network.on("click", (p) => this.onClick(p));
    network.on("doubleClick", (p) => p.nodes.length && this.expand(p.nodes[0]));
    window.__ringscope.render = { ...this.metrics, done: false };
    if (big) network.fit({ animation: false });
    if (!this.nodes.size) {
      this.status("Nothing to show: no nodes in this view");
      window.__ringscope.render = { ...this.metrics, stabilizedMs: this.metrics.drawMs, renderMs: 0, done: true };
    }
  }

  nodeStyle(n) {
    return styleNode(n, { member: n.member || n.id === this.focusId, verdict: this.verdicts.get(n.id) ?? n.props?.verdict ?? null, tips: this.tips ?? true });
  }

  edgeStyle(e) {
    return styleEdge(e, { tips: this.tips ?? true });
  }

  // A big graph skips building thousands of tooltips up front: each is made when first hovered.
  tipsOnHover(network) {
    network.on("hoverNode", ({ node }) => {
      const n = this.nodes.get(node);
      if (n && !this.visNodes.get(node)?.title) this.visNodes.update({ id: node, title: nodeTip(n) });
    });
    network.on("hoverEdge", ({ edge }) => {
      const e = this.edges.get(edge);
      if (e && !this.visEdges.get(edge)?.title) this.visEdges.update({ id: edge, title: edgeTip(e) });
    });
  }

  status(text) {
    const host = clear($("#graph-status"));
    host.hidden = !text;
    if (text) host.append(text);
    return host;
  }

  onClick(p) {
    if (this.pathPick && p.nodes.length) {
      this.pickPathEnd(p.nodes[0]);
      return;
    }
    if (p.nodes.length) this.panel.showNode(this.nodes.get(p.nodes[0]));
    else if (!p.edges.length && this.ring) this.panel.showRing(this.ring);
  }

  focus(id) {
    if (!this.nodes.has(id) || !this.network) return false;
    this.network.selectNodes([id]);
    this.network.focus(id, { scale: 1.3, animation: { duration: 400 } });
    this.panel.showNode(this.nodes.get(id));
    return true;
  }

  // Re-derive what is hidden or dimmed: time window, folded hubs, emphasis.
  applyView() {
    const { since, until } = this.window;
    const fold = $("#fold-hubs").checked ? foldPlan(this.nodes, this.edges) : { hubs: [], virtual: [] };
    const folded = new Set(fold.hubs);
    const visibleEdges = new Set();
    const touched = new Set();
    for (const [key, e] of this.edges) {
      if (edgeInWindow(e, since, until) && !folded.has(e.source) && !folded.has(e.target)) {
        visibleEdges.add(key);
        touched.add(e.source);
        touched.add(e.target);
      }
    }
    const em = this.emphasis;
    const nodeUpdates = [...this.nodes.values()].map((n) => {
      const style = this.nodeStyle(n);
      style.hidden = folded.has(n.id) || (!touched.has(n.id) && !n.member && n.id !== this.focusId);
      if (em && !em.nodes.has(n.id)) style.opacity = 0.18;
      if (em && em.nodes.has(n.id)) Object.assign(style, { borderWidth: 4, color: { ...style.color, border: "#fde047" } });
      return style;
    });
    const edgeUpdates = [...this.edges.entries()].map(([key, e]) => {
      const style = this.edgeStyle(e);
      style.hidden = !visibleEdges.has(key);
      if (em && !em.edges.has(key)) style.color = { ...style.color, opacity: 0.08 };
      if (em && em.edges.has(key)) style.color = { color: "#fde047", opacity: 1 };
      const weight = this.explained?.weights.get(key);
      if (weight !== undefined && !em) {
        Object.assign(style, { width: explainedWidth(weight, this.explained.strongest), dashes: false,
          color: { color: EXPLAIN_COLOR, opacity: 1, highlight: EXPLAIN_COLOR, hover: EXPLAIN_COLOR } });
      }
      return style;
    });
    this.visNodes.update(nodeUpdates);
    this.visEdges.remove(this.visEdges.getIds({ filter: (e) => String(e.id).startsWith("fold|") }));
    this.visEdges.update(edgeUpdates);
    this.visEdges.add(fold.virtual);
    const shown = nodeUpdates.filter((n) => !n.hidden).length;
    this.status(`${shown} of ${this.nodes.size} nodes shown · ${visibleEdges.size} edges${fold.hubs.length ? ` · ${fold.hubs.length} hubs folded` : ""}`);
    this.decorate?.();
  }

  // ---- expansion, path, filters ---------------------------------------------------------
  async expand(id) {
    const node = this.nodes.get(id);
    if (!node) return;
    const relationships = this.relationships();
    if (!relationships.length) {
      toast("Choose at least one relationship type to follow", "error");
      return;
    }
    const vars = { id, relationships, limit: EXPAND_LIMIT };
    if (this.window.since) vars.since = new Date(this.window.since).toISOString();
    if (this.window.until) vars.until = new Date(this.window.until).toISOString();
    this.status(`Counting neighbours of ${id}…`);
    let sub;
    try {
      sub = (await this.client.request(Q_EXPAND, vars)).neighbourhoodVia;
    } catch (err) {
      this.status("");
      toast(`Could not expand: ${err.message}`, "error");
      return;
    }
    const total = sub.nodes.filter((n) => n.id !== id).length;
    const fresh = sub.nodes.filter((n) => !this.nodes.has(n.id));
    const host = this.status("");
    host.hidden = false;
    host.append(el("span", { class: "expand-count", text: `${id} has ${total}${sub.truncated ? "+" : ""} neighbours, ${fresh.length} not shown. ` }));
    if (!fresh.length && sub.edges.every((e) => this.edges.has(edgeKey(e)))) {
      host.append("Nothing to add.");
      return;
    }
    host.append(
      el("button", { class: "btn btn-primary", type: "button", id: "expand-confirm", text: `Load ${fresh.length}`, onclick: () => this.addAround(id, sub) }), " ",
      el("button", { class: "btn btn-ghost", type: "button", text: "Cancel", onclick: () => this.applyView() }));
  }

  addAround(id, sub) {
    const added = this.merge(sub);
    const center = this.network.getPositions([id])[id] ?? { x: 0, y: 0 };
    // New nodes go in free spots around the expanded node, clear of every node already drawn
    // (no physics run, so it stays instant), then the view fits them in.
    const taken = Object.values(this.network.getPositions());
    const spots = placeAround(center, added.length, taken);
    this.visNodes.add(added.map((nid, i) => ({ ...this.nodeStyle(this.nodes.get(nid)), ...spots[i] })));
    this.visEdges.update(sub.edges.map((e) => this.edgeStyle(e)));
    this.applyView();
    window.__ringscope.placed = spots;
    this.network.fit({ animation: { duration: 300 } });
    toast(`Added ${added.length} nodes around ${id}`, "ok");
    window.__ringscope.expanded = (window.__ringscope.expanded ?? 0) + added.length;
  }

  // Draw the edges the model's explanation names thick and coloured; edges not in view yet
  // (a shared device's other users, two hops out) are added around the account.
  highlightExplanation(accountId, expl) {
    if (!this.network || !this.nodes.has(accountId)) return;
    const sub = explanationSubgraph(expl);
    const added = this.merge(sub);
    if (added.length) {
      const anchor = this.network.getPositions([accountId])[accountId] ?? { x: 0, y: 0 };
      const spots = placeAround(anchor, added.length, Object.values(this.network.getPositions()));
      this.visNodes.add(added.map((nid, i) => ({ ...this.nodeStyle(this.nodes.get(nid)), ...spots[i] })));
    }
    this.visEdges.update(sub.edges.filter((e) => !this.visEdges.get(edgeKey(e))).map((e) => styleEdge(e)));
    const weights = new Map(expl.edges.map((e) => [`${e.type}|${e.source}|${e.target}`, e.weight]));
    const strongest = Math.max(0, ...[...weights.values()].map(Math.abs));
    this.explained = { account: accountId, weights, strongest };
    this.applyView();
    window.__ringscope.explained = { account: accountId, edges: [...weights.keys()], added: added.length };
  }

  togglePathMode() {
    const selected = (this.network?.getSelectedNodes() ?? []).filter((id) => this.nodes.get(id)?.type === "Account");
    if (selected.length === 2) {
      this.findPath(selected[0], selected[1]);
      return;
    }
    this.pathPick = this.pathPick ? null : [];
    $("#path-btn").classList.toggle("active", Boolean(this.pathPick));
    if (this.pathPick) this.status("Path: click the first account");
    else this.applyView();
  }

  pickPathEnd(id) {
    this.pathPick.push(id);
    if (this.pathPick.length === 1) {
      this.status(`Path from ${id}: click the second account`);
      return;
    }
    const [a, b] = this.pathPick;
    this.pathPick = null;
    $("#path-btn").classList.remove("active");
    this.findPath(a, b);
  }

  clearPath() {
    if (this.emphasis?.kind === "path") this.emphasis = null;
    this.pathPick = null;
    $("#path-btn").classList.remove("active");
    $("#path-clear").hidden = true;
    window.__ringscope.path = null;
    this.applyView();
    if (this.ring) this.panel.showRing(this.ring);
  }

  async findPath(from, to) {
    const relationships = this.relationships();
    if (!relationships.length) {
      toast("Choose at least one relationship type to follow", "error");
      return;
    }
    this.status(`Searching a path ${from} → ${to}…`);
    let sub;
    try {
      sub = (await this.client.request(Q_PATH_VIA, { from, to, relationships, maxHops: 6 })).shortestPathVia;
    } catch (err) {
      toast(`Path search failed: ${err.message}`, "error");
      this.applyView();
      return;
    }
    if (!sub || !sub.nodes.length) {
      this.emphasis = null;
      this.applyView();
      toast(`No path within 6 hops between ${from} and ${to} over the chosen relationships`);
      return;
    }
    const added = this.merge(sub);
    const anchor = this.network.getPositions([from])[from] ?? { x: 0, y: 0 };
    const spots = placeAround(anchor, added.length, Object.values(this.network.getPositions()));
    this.visNodes.add(added.map((nid, i) => ({ ...this.nodeStyle(this.nodes.get(nid)), ...spots[i] })));
    $("#path-clear").hidden = false;
    this.emphasis = { nodes: new Set(sub.nodes.map((n) => n.id)), edges: new Set(sub.edges.map(edgeKey)), kind: "path" };
    $("#highlight-reasons").checked = false;
    this.applyView();
    this.status(`Shortest path: ${sub.nodes.length - 1} hops (${from} → ${to})`);
    this.panel.showPath?.(orderPath(sub.edges, from, to));
    window.__ringscope.path = orderPath(sub.edges, from, to);
  }

  toggleReasons() {
    if (!$("#highlight-reasons").checked) {
      this.emphasis = null;
    } else {
      const hits = namedByReasons(this.ring, [...this.nodes.keys()]);
      if (!hits.size) toast("The ring's reasons name no node in this view");
      this.emphasis = { nodes: hits, edges: highlightedEdges(this.edges, hits, this.nodes), kind: "reasons" };
    }
    this.applyView();
  }

  applyTime() {
    const since = toMs($("#time-from").value ? new Date($("#time-from").value).toISOString() : null);
    const until = toMs($("#time-to").value ? new Date($("#time-to").value).toISOString() : null);
    const bad = since !== null && until !== null && since > until;
    $("#time-from").setAttribute("aria-invalid", String(bad));
    $("#time-to").setAttribute("aria-invalid", String(bad));
    if (bad) {
      toast("The start of the time window is after its end: nothing applied", "error");
      return;
    }
    // datetime-local has minute precision: widen the upper bound to the end of that minute.
    this.window = { since, until: until === null ? null : until + 59999 };
    this.applyView();
  }

  resetTime() {
    this.window = { since: null, until: null };
    $("#time-from").value = this.bounds ? toLocalInput(this.bounds.lo) : "";
    $("#time-to").value = this.bounds ? toLocalInput(this.bounds.hi) : "";
    this.applyView();
  }

  markVerdict(id, verdict) {
    this.verdicts.set(id, verdict);
    if (this.visNodes?.get(id)) this.applyView();
  }

  visible() {
    const nodes = [...this.nodes.values()].filter((n) => !this.visNodes.get(n.id)?.hidden);
    const edges = [...this.edges.entries()].filter(([k]) => !this.visEdges.get(k)?.hidden).map(([, e]) => e);
    return { nodes, edges };
  }

  // Keyboard path through the graph: arrows move between nodes, Enter opens, + expands, F fits.
  onKey(ev) {
    if (!this.network) return;
    const ids = [...this.nodes.keys()].filter((id) => !this.visNodes.get(id)?.hidden);
    if (!ids.length) return;
    const sel = this.network.getSelectedNodes()[0];
    let i = ids.indexOf(sel);
    if (ev.key === "ArrowRight" || ev.key === "ArrowDown") i = (i + 1) % ids.length;
    else if (ev.key === "ArrowLeft" || ev.key === "ArrowUp") i = (i - 1 + ids.length) % ids.length;
    else if (ev.key === "Enter" && sel) {
      const n = this.nodes.get(sel);
      const kind = { Account: "account", Device: "device", IP: "ip", Merchant: "merchant" }[n.type];
      if (kind) location.hash = `#/${kind}/${encodeURIComponent(sel)}`;
      return;
    } else if (ev.key === "+" && sel) {
      this.expand(sel);
      return;
    } else if (ev.key === "f" || ev.key === "F") {
      this.network.fit();
      return;
    } else return;
    ev.preventDefault();
    this.focus(ids[Math.max(0, i)]);
  }

  exportName() {
    return (this.ring?.id ?? `account-${this.focusId}`).replace(/[^\w.-]+/g, "_");
  }

  bindToolbar() {
    $("#time-apply").addEventListener("click", () => this.applyTime());
    $("#time-reset").addEventListener("click", () => this.resetTime());
    $("#fold-hubs").addEventListener("change", () => {
      if (this.emphasis?.kind === "path") this.clearPath(); // a path drawn before folding would point at hidden hubs
      else this.applyView();
    });
    $("#path-clear").addEventListener("click", () => this.clearPath());
    $("#rels-choice").addEventListener("change", () => {
      const n = this.relationships().length;
      const merchants = this.relationships().some((r) => r === "PAID" || r === "REFUNDED");
      $("#rels-summary").textContent = n === 0 ? "nothing" : n === 6 && !merchants ? "money + identifiers" : `${n} types${merchants ? " incl. merchants" : ""}`;
    });
    $("#graph").addEventListener("keydown", (ev) => this.onKey(ev));
    $("#highlight-reasons").addEventListener("change", () => this.toggleReasons());
    $("#path-btn").addEventListener("click", () => this.togglePathMode());
    $("#fit-btn").addEventListener("click", () => this.network?.fit({ animation: { duration: 300 } }));
    $("#graph-search").addEventListener("keydown", (ev) => {
      if (ev.key !== "Enter") return;
      const q = ev.target.value.trim();
      const hit = this.nodes.has(q) ? q : [...this.nodes.keys()].find((k) => k.toLowerCase().includes(q.toLowerCase()));
      if (!q || !hit || !this.focus(hit)) toast(`No node matching "${q}" in this view`);
    });
    $("#export-png").addEventListener("click", () => exportCaseFile(this, this.exportName()));
    $("#export-csv").addEventListener("click", () => { const v = this.visible(); exportCsv(v.nodes, v.edges, this.exportName()); });
    $("#export-graphml").addEventListener("click", () => { const v = this.visible(); exportGraphml(v.nodes, v.edges, this.exportName()); });
  }
}
