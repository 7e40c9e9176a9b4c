// The triage queue: untriaged alerts by score then age; select rows and assign, dismiss with a
// reason code, mark true / false positive, or open a case with them, in bulk.
import { M_ASSIGN, M_CREATE_CASE, M_DISMISS, M_DISPOSITION, Q_TRIAGE, acctGraph, acctPage, enc, errorText } from "./invapi.js";
import { $, $$, clear, el, fmtTime, humanize, riskBadge, toast } from "./util.js";

const REASONS = ["legitimate_activity", "duplicate", "insufficient_evidence", "known_customer", "test_transaction", "other"];

function age(minutes) {
  if (minutes < 60) return `${Math.round(minutes)} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1440)} d`;
}

export class TriageView {
  constructor(client, host) {
    this.client = client;
    this.host = host;
    this.items = [];
  }

  selected() {
    return $$("#triage-body input[type=checkbox]:checked").map((i) => i.value);
  }

  sync() {
    const n = this.selected().length;
    $("#triage-selected").textContent = n ? `${n} selected` : "none selected";
    for (const b of $$("#triage-actions button")) b.disabled = n === 0;
    const all = $$("#triage-body input[type=checkbox]");
    const box = $("#triage-all");
    box.checked = all.length > 0 && n === all.length;
    box.indeterminate = n > 0 && n < all.length;
  }

  async open() {
    document.title = "Triage · ringscope";
    const host = clear(this.host);
    const who = el("input", { id: "triage-assignee", placeholder: "assignee", "aria-label": "Assign to", size: 12 });
    const reason = el("select", { id: "triage-reason", "aria-label": "Dismiss reason" }, REASONS.map((r) => el("option", { value: r, text: humanize(r) })));
    const minScore = el("input", { id: "triage-min", type: "number", min: 0, max: 100, value: 0, "aria-label": "Minimum score" });
    const bulk = (fn) => async () => {
      const ids = this.selected();
      if (ids.length) await fn(ids);
    };
    host.append(el("div", { class: "page-head" }, el("h1", { text: "Triage queue" }), el("span", { class: "count", id: "triage-count" }),
      el("label", { class: "range" }, "score ≥ ", minScore)));
    host.append(el("div", { class: "case-error", id: "triage-error", role: "alert", hidden: true }));
    host.append(el("div", { class: "bulkbar card", id: "triage-actions" },
      el("span", { id: "triage-selected", class: "muted" }),
      el("span", { class: "group" }, who, el("button", { class: "btn", type: "button", id: "triage-assign", text: "Assign",
        onclick: bulk((ids) => this.act(M_ASSIGN, { ids, assignee: who.value.trim() || "me" }, `Assigned ${ids.length}`)) })),
      el("span", { class: "group" }, reason, el("button", { class: "btn", type: "button", id: "triage-dismiss", text: "Dismiss",
        onclick: bulk((ids) => this.act(M_DISMISS, { ids, reasonCode: reason.value }, `Dismissed ${ids.length}`)) })),
      el("button", { class: "btn btn-danger", type: "button", id: "triage-tp", text: "True positive",
        onclick: bulk((ids) => this.act(M_DISPOSITION, { ids, disposition: "TRUE_POSITIVE" }, `${ids.length} marked true positive`)) }),
      el("button", { class: "btn btn-ok", type: "button", id: "triage-fp", text: "False positive",
        onclick: bulk((ids) => this.act(M_DISPOSITION, { ids, disposition: "FALSE_POSITIVE", reasonCode: reason.value }, `${ids.length} marked false positive`)) }),
      el("button", { class: "btn btn-primary", type: "button", id: "triage-case", text: "Open case", onclick: bulk((ids) => this.openCase(ids)) })));
    const all = el("input", { type: "checkbox", id: "triage-all", "aria-label": "Select all" });
    all.addEventListener("change", () => {
      for (const b of $$("#triage-body input[type=checkbox]")) b.checked = all.checked;
      this.sync();
    });
    const body = el("tbody", { id: "triage-body" });
    body.addEventListener("change", () => this.sync());
    host.append(el("div", { class: "table-wrap card" }, el("table", { class: "rings triage" },
      el("thead", {}, el("tr", {}, el("th", {}, all), ...["Score", "Waiting", "Alert", "Account", "Reasons", "Raised", ""].map((c) => el("th", { text: c })))),
      body)), el("p", { class: "empty-state", id: "triage-empty", hidden: true, text: "Nothing waiting: every alert has been triaged." }));
    minScore.addEventListener("change", () => this.load());
    await this.load();
  }

  async load() {
    const body = clear($("#triage-body"));
    let data;
    try {
      data = (await this.client.request(Q_TRIAGE, { first: 100, minScore: Number($("#triage-min").value) || null })).triageQueue;
    } catch (err) {
      this.error(err, "Could not load the queue");
      return;
    }
    this.items = data.edges.map((e) => e.node);
    $("#triage-count").textContent = String(data.totalCount);
    $("#triage-empty").hidden = this.items.length > 0;
    for (const { alert: a, ageMinutes } of this.items) {
      body.append(el("tr", { dataset: { alertId: a.id } },
        el("td", {}, el("input", { type: "checkbox", value: a.id, "aria-label": `Select alert ${a.id}` })),
        el("td", {}, riskBadge(a.score)), el("td", { class: "num", text: age(ageMinutes) }),
        el("td", {}, a.transactionId ? el("a", { class: "ring-id", href: `#/tx/${enc(a.transactionId)}`, text: a.id }) : el("span", { text: a.id }),
          el("span", { class: "muted", text: ` ${humanize(String(a.kind).toLowerCase())}` })),
        el("td", {}, a.accountId ? el("a", { class: "ring-id", href: acctPage(a.accountId), text: a.accountId }) : "–"),
        el("td", { class: "reasons-cell", text: (a.reasons ?? []).map(humanize).join(" · ") }),
        el("td", { class: "muted", text: fmtTime(a.createdAt) }),
        el("td", {}, a.accountId ? el("a", { class: "btn btn-ghost asof-link", href: acctGraph(a.accountId, a.createdAt), text: "Graph at alert time" }) : null)));
    }
    window.__ringscope.triage = { shown: this.items.length, total: data.totalCount };
    this.sync();
  }

  error(err, what) {
    const box = $("#triage-error");
    box.hidden = false;
    box.textContent = `${what}: ${errorText(err)}`;
  }

  async act(query, vars, what) {
    $("#triage-error").hidden = true;
    try {
      await this.client.request(query, vars);
      toast(what, "ok");
    } catch (err) {
      this.error(err, `${what.split(" ")[0]} failed`);
      return;
    }
    await this.load();
  }

  async openCase(ids) {
    const alerts = this.items.map((i) => i.alert).filter((a) => ids.includes(a.id));
    const accounts = [...new Set(alerts.map((a) => a.accountId).filter(Boolean))];
    const rings = [...new Set(alerts.map((a) => a.ringId).filter(Boolean))];
    const top = Math.max(...alerts.map((a) => a.score));
    try {
      const c = (await this.client.request(M_CREATE_CASE, {
        title: `Triage: ${ids.length} alert${ids.length > 1 ? "s" : ""} on ${accounts.length} account${accounts.length === 1 ? "" : "s"}`,
        priority: top >= 90 ? "HIGH" : "MEDIUM", alertIds: ids, accountIds: accounts, ringIds: rings,
        note: `Opened from the triage queue with ${ids.length} alerts (top score ${Math.round(top)}).`,
      })).createCase;
      toast(`Case ${c.id} opened`, "ok");
      location.hash = `#/case/${enc(c.id)}`;
    } catch (err) {
      this.error(err, "Could not open a case");
    }
  }
}
