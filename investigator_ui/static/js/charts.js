// Hand-drawn SVG charts: an area chart over time and a bar histogram. No chart library.
import { clear, svg } from "./util.js";

// Drawn at the host's own pixel size (the viewBox is not scaled), so 11 px ticks stay 11 px.
const PAD = { l: 44, r: 12, t: 10, b: 24 };
let W = 420;
let H = 150;

function size(host) {
  W = Math.max(220, Math.round(host.clientWidth || 420));
  H = Math.max(120, Math.round(host.clientHeight || 150));
}

function niceMax(value) {
  if (!(value > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= value) return m * exp;
  return 10 * exp;
}

function axes(root, max, format) {
  for (const frac of [0, 0.5, 1]) {
    const y = PAD.t + (H - PAD.t - PAD.b) * (1 - frac);
    root.append(svg("line", { x1: PAD.l, x2: W - PAD.r, y1: y, y2: y, class: "grid" }));
    root.append(svg("text", { x: PAD.l - 6, y: y + 4, "text-anchor": "end", class: "tick", text: format(max * frac) }));
  }
}

// points: [{t: epoch ms, v: number}] in time order.
export function areaChart(host, points, { color = "#38bdf8", format = (v) => String(Math.round(v)), label = "" } = {}) {
  size(host);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": label });
  const data = points.filter((p) => Number.isFinite(p.v));
  const max = niceMax(Math.max(0, ...data.map((p) => p.v)));
  axes(root, max, format);
  if (data.length >= 2) {
    const t0 = data[0].t;
    const t1 = data[data.length - 1].t || t0 + 1;
    const x = (t) => PAD.l + ((W - PAD.l - PAD.r) * (t - t0)) / Math.max(1, t1 - t0);
    const y = (v) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / max);
    const line = data.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join("");
    const base = y(0).toFixed(1);
    const gid = `g${Math.random().toString(36).slice(2, 8)}`;
    root.append(svg("defs", {}, svg("linearGradient", { id: gid, x1: 0, x2: 0, y1: 0, y2: 1 },
      svg("stop", { offset: "0%", "stop-color": color, "stop-opacity": 0.45 }),
      svg("stop", { offset: "100%", "stop-color": color, "stop-opacity": 0.02 }))));
    root.append(svg("path", { d: `${line}L${x(t1).toFixed(1)},${base}L${x(t0).toFixed(1)},${base}Z`, fill: `url(#${gid})` }));
    root.append(svg("path", { d: line, fill: "none", stroke: color, "stroke-width": 2, "stroke-linejoin": "round" }));
    const last = data[data.length - 1];
    root.append(svg("circle", { cx: x(last.t), cy: y(last.v), r: 3.5, fill: color }));
    const fmtT = (t) => new Date(t).toISOString().slice(11, 16);
    root.append(svg("text", { x: PAD.l, y: H - 6, class: "tick", text: fmtT(t0) }));
    root.append(svg("text", { x: W - PAD.r, y: H - 6, "text-anchor": "end", class: "tick", text: fmtT(t1) }));
  } else {
    root.append(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "empty", text: "waiting for data…" }));
  }
  clear(host).append(root);
}

// bins: [{label, value, color}]
export function barChart(host, bins, { format = (v) => String(Math.round(v)), label = "" } = {}) {
  size(host);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": label });
  const max = niceMax(Math.max(0, ...bins.map((b) => b.value)));
  axes(root, max, format);
  const inner = W - PAD.l - PAD.r;
  const slot = inner / Math.max(1, bins.length);
  bins.forEach((b, i) => {
    const h = ((H - PAD.t - PAD.b) * b.value) / max;
    const x = PAD.l + i * slot + slot * 0.12;
    root.append(svg("rect", { x, y: H - PAD.b - h, width: slot * 0.76, height: Math.max(0, h), rx: 2, fill: b.color ?? "#38bdf8" },
      svg("title", { text: `${b.label}: ${format(b.value)}` })));
    root.append(svg("text", { x: x + slot * 0.38, y: H - 6, "text-anchor": "middle", class: "tick", text: b.label }));
  });
  clear(host).append(root);
}
