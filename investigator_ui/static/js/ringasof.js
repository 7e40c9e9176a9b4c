// A ring as it stood at an instant (`#/ring/ID?asOf=ISO`, ring { subgraph(asOf:) }): the members
// of the ring version current then, only links that existed then, money summed up to then; a bar
// says so and leads back to the ring as it is now.
import { errorText } from "./invapi.js";
import { $, clear, el, fmtTime, toMs, toast } from "./util.js";

const LIMIT = 2000;
const SUBGRAPH = `nodes { id type label riskScore props }
  edges { source target type count total firstTs lastTs } truncated nodeCount`;
const Q_RING_ASOF = `query RingAsOf($id: ID!, $asOf: DateTime!, $limit: Int!) {
  ring(id: $id) { id members { id riskScore role } versions { version at members }
    subgraph(asOf: $asOf, limit: $limit) { ${SUBGRAPH} } }
}`;

function asOfBar() {
  const host = $("#timetravel-bar");
  host.hidden = false;
  host.classList.add("then");
  return clear(host);
}

// Members then, for styling only (the server chose the version): the newest version written by
// `ms`, or the current members from the ring's last update on.
function membersThen(ring, ms) {
  const current = new Map(ring.members.map((m) => [m.id, m]));
  const updated = toMs(ring.updatedAt);
  const versions = ring.versions.map((v) => ({ ...v, ms: toMs(v.at) })).filter((v) => v.ms !== null && v.ms <= ms);
  if (!versions.length || (updated !== null && ms >= updated)) return current;
  const then = versions.sort((a, b) => b.ms - a.ms)[0];
  return new Map(then.members.map((id) => [id, current.get(id) ?? { id, riskScore: null, role: "member then" }]));
}

export async function openRingAsOf(client, view, ring, asOf) {
  const ms = toMs(asOf);
  if (ms === null) {
    toast(`Not a time: ${asOf}`, "error");
    return false;
  }
  const iso = new Date(ms).toISOString();
  let data;
  try {
    data = await client.request(Q_RING_ASOF, { id: ring.id, asOf: iso, limit: LIMIT });
  } catch (err) {
    toast(`Could not load the ring as at ${fmtTime(iso)}: ${errorText(err)}`, "error");
    return false;
  }
  if (!data.ring || view.ring?.id !== ring.id) return false;
  const sub = data.ring.subgraph;
  const members = membersThen({ ...data.ring, updatedAt: ring.updatedAt }, ms);
  view.reset(sub, members);
  view.draw(performance.now());
  const money = sub.edges.filter((e) => e.type === "TRANSFERRED" || e.type === "PAID");
  const drawnMembers = sub.nodes.filter((n) => members.has(n.id)).length;
  asOfBar().append(el("strong", { id: "ring-asof-label", text: `As at ${fmtTime(iso)}` }),
    el("span", { class: "muted", text: sub.nodes.length
      ? ` ${drawnMembers} members then · only links that existed then, totals summed up to then`
      : " the ring did not exist yet" }),
    el("a", { class: "btn", id: "ring-asof-now", href: `#/ring/${encodeURIComponent(ring.id)}`, text: "Show now" }));
  if (!sub.nodes.length) view.status("Nothing to show: the ring did not exist at that time");
  window.__ringscope.ringAsOf = {
    id: ring.id, asOf: iso, members: drawnMembers, nodes: sub.nodes.length, edges: sub.edges.length,
    total: money.reduce((s, e) => s + (e.total ?? 0), 0),
  };
  return true;
}
