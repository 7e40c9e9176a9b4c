// A layout for big graphs, computed in one pass instead of a physics simulation: each member sits
// in the cluster of the shared entity (device, IP, shared counterparty…) it has most in common
// with, clusters are packed on a sunflower spiral biggest first, and members tied to no shared
// entity are clustered by the accounts they move money with. Linear in nodes + edges, so a
// 2,000-node ring is placed in milliseconds and drawn once, already still.
export const BIG_GRAPH = 400; // nodes from which the ring view lays out without physics

const GOLDEN = Math.PI * (3 - Math.sqrt(5));
const SPACING = 34; // px between neighbouring nodes of a cluster
const GAP = 40; // px between clusters

// Positions of `count` points around (0, 0), sunflower style, SPACING apart.
function sunflower(count, start = 1) {
  const out = [];
  for (let i = start; i < count + start; i++) {
    const r = SPACING * 0.62 * Math.sqrt(i) * 1.6;
    out.push({ x: r * Math.cos(i * GOLDEN), y: r * Math.sin(i * GOLDEN) });
  }
  return out;
}

function adjacency(nodes, edges) {
  const adj = new Map([...nodes.keys()].map((id) => [id, []]));
  for (const e of edges.values()) {
    if (!adj.has(e.source) || !adj.has(e.target)) continue;
    adj.get(e.source).push(e.target);
    adj.get(e.target).push(e.source);
  }
  return adj;
}

// Members without a shared entity: one group per connected piece of their money links.
function moneyGroups(loose, adj) {
  const group = new Map();
  const groups = [];
  for (const id of loose) {
    if (group.has(id)) continue;
    const members = [id];
    group.set(id, groups.length);
    for (let i = 0; i < members.length; i++) {
      for (const n of adj.get(members[i]) ?? []) {
        if (loose.has(n) && !group.has(n)) {
          group.set(n, groups.length);
          members.push(n);
        }
      }
    }
    groups.push({ hub: null, members });
  }
  return groups;
}

// {id -> {x, y}} for every node. `isHub(node)`: a shared entity rather than a member.
export function clusterLayout(nodes, edges, isHub = (n) => !n.member) {
  const adj = adjacency(nodes, edges);
  const degree = (id) => adj.get(id)?.length ?? 0;
  const hubs = [...nodes.values()].filter(isHub).map((n) => n.id).sort((a, b) => degree(b) - degree(a));
  const hubSet = new Set(hubs);
  const clusters = new Map(hubs.map((h) => [h, { hub: h, members: [] }]));
  const loose = new Set();
  for (const n of nodes.values()) {
    if (hubSet.has(n.id)) continue;
    let best = null;
    for (const m of adj.get(n.id) ?? []) if (hubSet.has(m) && (best === null || degree(m) > degree(best))) best = m;
    if (best === null) loose.add(n.id);
    else clusters.get(best).members.push(n.id);
  }
  const all = [...clusters.values(), ...moneyGroups(loose, adj)];
  all.sort((a, b) => b.members.length - a.members.length);
  const pos = new Map();
  let area = 0;
  all.forEach((c, i) => {
    const count = c.members.length + (c.hub ? 1 : 0);
    const radius = SPACING * 0.62 * Math.sqrt(count + 1) * 1.6 + GAP / 2;
    area += Math.PI * radius * radius;
    // the i-th cluster's centre: far enough out for the area of those before it
    const R = i === 0 ? 0 : Math.sqrt(area / Math.PI) * 1.15;
    const cx = R * Math.cos(i * GOLDEN);
    const cy = R * Math.sin(i * GOLDEN);
    if (c.hub) pos.set(c.hub, { x: Math.round(cx), y: Math.round(cy) });
    const spots = sunflower(c.members.length, c.hub ? 1 : 0);
    c.members.forEach((id, k) => pos.set(id, { x: Math.round(cx + spots[k].x), y: Math.round(cy + spots[k].y) }));
  });
  return pos;
}

const FONT = { color: "#cbd5e1", size: 11, strokeWidth: 3, strokeColor: "#0b1120" };
const HIGHLIGHT = "#fde047";

// vis-network options for a graph laid out by clusterLayout: no physics, nothing to settle, and
// the styling every node and edge shares set once here (see leanNode / leanEdge).
export function staticOptions(base) {
  return {
    ...base,
    layout: { improvedLayout: false, randomSeed: 7 },
    physics: { enabled: false },
    interaction: { ...base.interaction, hideEdgesOnDrag: true, hideEdgesOnZoom: true },
    nodes: { ...base.nodes, font: FONT, scaling: { label: { enabled: false, drawThreshold: 7 } },
      color: { highlight: { border: HIGHLIGHT }, hover: { border: HIGHLIGHT } } },
    edges: { ...base.edges, smooth: false, color: { highlight: HIGHLIGHT, hover: HIGHLIGHT } },
  };
}

export const LABEL_SCALE = 0.6; // zoom from which a big graph's nodes get their labels

// A node's style less what staticOptions sets for all (vis merges each node's own options one
// by one: a third less work on a 2,000-node graph) and less its label, which labelsOnZoom adds
// once the view is close enough to read it (level of detail).
export function leanNode(style) {
  const out = { ...style, color: { background: style.color.background, border: style.color.border } };
  delete out.font;
  delete out.label;
  if (!style.shadow?.enabled) delete out.shadow;
  if (!style.shapeProperties?.borderDashes) delete out.shapeProperties;
  if (out.title === undefined) delete out.title;
  return out;
}

// Edges of a big graph are drawn thinner and fainter: thousands of them would hide the clusters.
export function leanEdge(style) {
  const out = { ...style, width: Math.max(0.5, style.width * 0.5), color: { color: style.color.color, opacity: style.color.opacity * 0.5 } };
  delete out.smooth;
  if (out.title === undefined) delete out.title;
  return out;
}

// Labels for every node the first time the view is zoomed in far enough to read them.
export function labelsOnZoom(network, visNodes, labelOf) {
  let done = false;
  const check = () => {
    if (done || network.getScale() < LABEL_SCALE) return;
    done = true;
    visNodes.update(visNodes.getIds().map((id) => ({ id, label: labelOf(id) })));
  };
  network.on("zoom", check);
  network.on("animationFinished", check);
  return check;
}
