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

const currencyFormats = new Map();
// An amount with its currency: "$1,234.50", "€90.00"; the dashboard's totals are USD.
export function fmtMoney(n, currency = "USD") {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return "–";
  const code = /^[A-Z]{3}$/.test(String(currency ?? "")) ? currency : "USD";
  const big = Math.abs(n) >= 100000;
  const key = `${code}|${big}`;
  if (!currencyFormats.has(key)) {
    try {
      currencyFormats.set(key, new Intl.NumberFormat("en-US", big
        ? { style: "currency", currency: code, notation: "compact", maximumFractionDigits: 1 }
        : { style: "currency", currency: code, minimumFractionDigits: 2, maximumFractionDigits: 2 }));
    } catch {
      currencyFormats.set(key, { format: (v) => `${code} ${money.format(v)}` });
    }
  }
  return currencyFormats.get(key).format(n);
}

// A stored property for people: epoch ms and ISO times as dates, long floats rounded, ratios as %.
export function fmtValue(key, value) {
  if (value === null || value === undefined || value === "") return "–";
  if (Array.isArray(value)) return value.slice(0, 8).map((v) => fmtValue(key, v)).join(", ") + (value.length > 8 ? ` … (${value.length})` : "");
  if (typeof value === "object") return JSON.stringify(value);
  const k = String(key).toLowerCase();
  const num = typeof value === "number" ? value : null;
  if (num !== null && /(^|_)(ts|at|time|seen)$|_ts$|_at$|seen|date|time/.test(k) && num > 1e11 && num < 1e14) return fmtTime(num);
  if (typeof value === "string" && /^\d{4}-\d\d-\d\dT/.test(value)) return fmtTime(value);
  if (num !== null && /ratio|share|rate|fraction|pct/.test(k) && num >= 0 && num <= 1) return fmtPct(num, 1);
  if (num !== null && /amount|total|sum|volume|spend/.test(k)) return fmtMoney(num);
  if (num !== null && /score|risk/.test(k)) return String(Math.round(num));
  if (num !== null && !Number.isInteger(num)) return Math.abs(num) >= 100 ? money.format(num) : num.toFixed(2);
  if (num !== null) return fmtNumber(num);
  return String(value);
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
  return new Date(ms).toISOString().replace("T", " ").slice(0, 16) + " UTC";
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
  const none = score === null || score === undefined || Number.isNaN(Number(score));
  return el("span", { class: "risk-badge", style: `--risk:${none ? "#475569" : riskColor(score)}`, text: none ? "–" : Math.round(score),
    title: none ? "not scored" : `risk ${Math.round(score)} / 100` });
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
  setTimeout(() => node.remove(), kind === "error" ? 9000 : 5000);
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
