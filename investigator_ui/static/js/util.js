// DOM helpers. Every piece of data reaches the page through textContent or attributes set
// with setAttribute, never through innerHTML, so ids such as `<img src=x onerror=...>` stay text.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

const SVG_NS = "http://www.w3.org/2000/svg";
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = String(value);
    else if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

const money = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

export function fmtNumber(n) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return "–";
  return Math.abs(n) >= 10000 ? compact.format(n) : money.format(n);
}

export function fmtMoney(n) {
  if (n === null || n === undefined) return "–";
  return "$" + (Math.abs(n) >= 100000 ? compact.format(n) : money.format(n));
}

export function fmtPct(x, digits = 1) {
  if (x === null || x === undefined || Number.isNaN(Number(x))) return "–";
  return (100 * x).toFixed(digits) + "%";
}

export function toMs(value) {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") return value;
  if (/^-?\d+$/.test(String(value))) return Number(value);
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

export function fmtTime(value) {
  const ms = toMs(value);
  if (ms === null) return "–";
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}

export function fmtAgo(value) {
  const ms = toMs(value);
  if (ms === null) return "–";
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

// Risk 0-100 to a colour on a green → amber → red ramp.
export function riskColor(score) {
  const s = Math.max(0, Math.min(100, Number(score) || 0));
  if (s >= 80) return "#ef4444";
  if (s >= 60) return "#f97316";
  if (s >= 40) return "#eab308";
  if (s >= 20) return "#84cc16";
  return "#22c55e";
}

export function riskBadge(score) {
  const value = score === null || score === undefined ? "–" : Math.round(score);
  return el("span", { class: "risk-badge", style: `--risk:${riskColor(score)}`, text: value });
}

// "shared_device" -> "Shared device"; a sentence (it has spaces, maybe ids) is left as it is.
export function humanize(code) {
  const text = String(code ?? "");
  const words = /\s/.test(text) ? text : text.replace(/[_-]+/g, " ");
  return words.replace(/^\w/, (c) => c.toUpperCase());
}

export function download(filename, blob) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function toast(message, kind = "info") {
  const host = $("#toasts");
  const node = el("div", { class: `toast toast-${kind}`, role: "status", text: message });
  host.append(node);
  setTimeout(() => node.remove(), 5000);
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
