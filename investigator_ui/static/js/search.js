// The top bar's search: typeahead on id prefixes of accounts, devices, IPs, merchants and rings
// (and an exact transaction id); Enter opens the exact match, the only match, or a not-found page.
import { Q_SEARCH } from "./api.js";
import { clear, debounce, el, riskBadge } from "./util.js";

const VIEW_OF = { Ring: "ring", Account: "account", Device: "device", IP: "ip", Merchant: "merchant", Transaction: "tx" };

export function routeFor(hit) {
  return `#/${VIEW_OF[hit.type] ?? "node"}/${encodeURIComponent(hit.id)}`;
}

export function go(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

export class Search {
  constructor(client, form, input, list) {
    this.client = client;
    this.form = form;
    this.input = input;
    this.list = list;
    this.hits = [];
    this.active = -1;
    this.seq = 0;
  }

  bind() {
    const suggest = debounce(() => this.suggest(), 150);
    this.input.addEventListener("input", () => {
      this.submitted = null;
      suggest();
    });
    this.input.addEventListener("keydown", (ev) => this.onKey(ev));
    this.input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
    this.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.submit();
    });
  }

  async lookup(q) {
    return (await this.client.request(Q_SEARCH, { q, first: 10 })).search;
  }

  async suggest() {
    const q = this.input.value.trim();
    const seq = ++this.seq;
    if (q.length < 2 || q === this.submitted) { // Enter came first: no list pops up after it
      this.close();
      return;
    }
    let hits;
    try {
      hits = await this.lookup(q);
    } catch {
      return;
    }
    if (seq !== this.seq) return; // a newer keystroke already asked
    this.render(hits, q);
  }

  render(hits, q) {
    this.hits = hits;
    this.active = -1;
    const host = clear(this.list);
    if (!hits.length) {
      host.append(el("li", { class: "none", text: `Nothing starts with “${q}”` }));
    }
    hits.forEach((h, i) => host.append(el("li", {
      role: "option", id: `suggest-${i}`, dataset: { index: i },
      onmousedown: (ev) => { ev.preventDefault(); this.open(h); },
    }, el("span", { class: "chip", text: h.type }), el("span", { class: "ring-id", text: h.id }),
    h.riskScore === null || h.riskScore === undefined ? null : riskBadge(h.riskScore))));
    host.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  }

  close() {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  onKey(ev) {
    if (this.list.hidden || !this.hits.length) return;
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      const n = this.hits.length;
      this.active = (this.active + (ev.key === "ArrowDown" ? 1 : n - 1 + (this.active < 0 ? 1 : 0))) % n;
      for (const li of this.list.children) li.classList.toggle("active", Number(li.dataset.index) === this.active);
      this.input.setAttribute("aria-activedescendant", `suggest-${this.active}`);
    } else if (ev.key === "Escape") {
      this.close();
    } else if (ev.key === "Enter" && this.active >= 0) {
      ev.preventDefault();
      this.open(this.hits[this.active]);
    }
  }

  open(hit) {
    this.close();
    this.input.value = hit.id;
    go(routeFor(hit));
  }

  async submit() {
    const q = this.input.value.trim();
    this.submitted = q;
    this.seq++;
    this.close();
    if (!q) return;
    let hits = [];
    try {
      hits = await this.lookup(q);
    } catch (err) {
      if (err.unauthorized) return;
      hits = [];
    }
    const exact = hits.find((h) => h.id === q);
    if (exact) go(routeFor(exact));
    else if (hits.length === 1) go(routeFor(hits[0]));
    else if (hits.length > 1) {
      this.submitted = null;
      this.render(hits, q);
      this.input.focus();
    } else go(`#/missing/${encodeURIComponent(q)}`);
  }
}
