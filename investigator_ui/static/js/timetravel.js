// Time travel on the graph views. An account opened from an alert shows its neighbourhood "as at
// alert time" (neighbourhood(asOf:): only edges that existed then, money re-summed up to then)
// with a toggle to now; the ring view gets a replay of the ring's growth over its edges' times
// and its recorded versions (play/pause, step by hour or day).
import { Q_NODE_ASOF, Q_RING_VERSIONS, errorText } from "./invapi.js";
import { $, clear, el, fmtTime, toMs, toast } from "./util.js";

const NODE_LIMIT = 200;
const HOUR = 3_600_000;

// The bar sits above the graph (index.html), hidden off the ring and account views.
function bar() {
  const host = $("#timetravel-bar");
  host.hidden = false;
  host.classList.remove("then");
  return clear(host);
}

export function hideTimeTravel() {
  stopReplay();
  clear($("#timetravel-bar")).hidden = true;
}

// Redraw the account's neighbourhood as of `asOf` (an ISO time) or now (null).
async function drawAsOf(client, view, id, asOf) {
  const data = await client.request(Q_NODE_ASOF, { id, limit: NODE_LIMIT, asOf });
  view.ring = null;
  view.focusId = id;
  view.reset(data.neighbourhood, new Map());
  view.draw(performance.now());
  if (view.nodes.has(id)) view.panel.showNode(view.nodes.get(id));
  const money = [...view.edges.values()].filter((e) => e.type === "TRANSFERRED" || e.type === "PAID");
  window.__ringscope.asOf = { id, asOf, edges: view.edges.size, total: money.reduce((s, e) => s + (e.total ?? 0), 0) };
}

export async function openAsOf(client, view, id, asOf) {
  const iso = new Date(toMs(asOf)).toISOString();
  let mode = "then";
  const render = () => {
    const host = bar();
    host.classList.toggle("then", mode === "then");
    host.append(el("strong", { id: "asof-label", text: mode === "then" ? `As at alert time · ${fmtTime(iso)}` : "Now" }),
      el("span", { class: "muted", text: mode === "then" ? " only links that existed then, totals summed up to then" : " every link and total as of now" }),
      el("button", { class: "btn", type: "button", id: "asof-toggle", text: mode === "then" ? "Show now" : "Back to alert time",
        onclick: async (ev) => {
          ev.target.disabled = true;
          mode = mode === "then" ? "now" : "then";
          try {
            await drawAsOf(client, view, id, mode === "then" ? iso : null);
          } catch (err) {
            toast(`Could not redraw: ${errorText(err)}`, "error");
          }
          render();
        } }));
  };
  await drawAsOf(client, view, id, iso);
  render();
  return view.nodes.has(id);
}

// ---- ring replay ---------------------------------------------------------------------------
let timer = null;
function stopReplay() {
  clearInterval(timer);
  timer = null;
}

export async function installReplay(client, view) {
  stopReplay();
  const ring = view.ring;
  const bounds = view.bounds;
  if (!ring || !bounds || !Number.isFinite(bounds.lo)) {
    hideTimeTravel();
    return;
  }
  let versions = [];
  try {
    versions = (await client.request(Q_RING_VERSIONS, { id: ring.id })).ring?.versions ?? [];
  } catch {
    versions = [];
  }
  if (view.ring !== ring) return;
  versions = versions.map((v) => ({ ...v, ms: toMs(v.at) })).filter((v) => v.ms !== null).sort((a, b) => a.ms - b.ms);
  const lo = Math.floor(bounds.lo / HOUR) * HOUR;
  const hi = Math.max(bounds.hi, ...versions.map((v) => v.ms));
  let stepMs = hi - lo > 4 * 86_400_000 ? 24 * HOUR : HOUR;
  let t = hi;
  const host = bar();
  const play = el("button", { class: "btn", type: "button", id: "replay-play", text: "▶ Replay", "aria-pressed": "false" });
  const slider = el("input", { type: "range", id: "replay-slider", min: lo, max: hi, step: 1, value: hi, "aria-label": "Ring as at" });
  const step = el("select", { id: "replay-step", "aria-label": "Step" },
    el("option", { value: HOUR, text: "hour", selected: stepMs === HOUR }), el("option", { value: 24 * HOUR, text: "day", selected: stepMs !== HOUR }));
  const back = el("button", { class: "btn btn-ghost", type: "button", text: "◀", title: "One step back", "aria-label": "Step back" });
  const fwd = el("button", { class: "btn btn-ghost", type: "button", text: "▶︎|", title: "One step on", "aria-label": "Step forward", id: "replay-step-fwd" });
  const labelEl = el("span", { id: "replay-label", class: "replay-label" });
  host.append(el("strong", { class: "tt-title", text: "Replay" }), play, back, slider, fwd, el("label", {}, "step ", step), labelEl);
  const show = (ms) => {
    t = Math.max(lo, Math.min(hi, ms));
    slider.value = String(t);
    view.window = { since: null, until: t };
    view.applyView();
    // members whose links had not appeared yet are not drawn yet either
    const shownEdges = view.visEdges.get({ filter: (e) => !e.hidden && !String(e.id).startsWith("fold|") });
    const touched = new Set(shownEdges.flatMap((e) => [e.from, e.to]));
    const version = [...versions].reverse().find((v) => v.ms <= t) ?? null;
    const members = new Set(version?.members ?? []);
    const late = [...view.nodes.values()].filter((n) => n.member && !touched.has(n.id) && !members.has(n.id));
    view.visNodes.update(late.map((n) => ({ id: n.id, hidden: true })));
    const drawn = view.visNodes.get({ filter: (n) => !n.hidden }).length;
    labelEl.textContent = `${fmtTime(t)} · ${drawn} nodes · ${shownEdges.length} links` +
      (version ? ` · version ${version.version} (${version.size ?? version.members.length} members)` : "");
    window.__ringscope.replay = { t, nodes: drawn, edges: shownEdges.length, version: version?.version ?? null };
  };
  const pause = () => {
    stopReplay();
    play.textContent = "▶ Replay";
    play.setAttribute("aria-pressed", "false");
  };
  play.addEventListener("click", () => {
    if (timer) {
      pause();
      return;
    }
    if (t >= hi) show(lo);
    play.textContent = "❚❚ Pause";
    play.setAttribute("aria-pressed", "true");
    timer = setInterval(() => {
      if (t >= hi) pause();
      else show(t + stepMs);
    }, 600);
  });
  slider.addEventListener("input", () => {
    pause();
    show(Number(slider.value));
  });
  step.addEventListener("change", () => { stepMs = Number(step.value); });
  back.addEventListener("click", () => { pause(); show(t - stepMs); });
  fwd.addEventListener("click", () => { pause(); show(t + stepMs); });
  labelEl.textContent = `${fmtTime(hi)} · now`;
}
