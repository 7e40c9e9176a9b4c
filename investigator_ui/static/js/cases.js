// Cases: a filtered list, one case's page (status workflow, priority, assignee, due date,
// append-only notes, attachments, linked rings/alerts/accounts, read-only audit trail), and the
// ring view's "Create case from this ring" / "Attach PNG snapshot". Text reaches the page only
// through textContent (el()), never as HTML.
import { exportCaseFile } from "./export.js";
import {
  M_ATTACH, M_CASE_NOTE, M_CREATE_CASE, M_UPDATE_CASE, Q_ATTACHMENT, Q_CASE, Q_CASES, S_CASES,
  acctPage, enc, errorText,
} from "./invapi.js";
import { $, clear, el, fmtTime, humanize, toast } from "./util.js";

export const STATUSES = ["NEW", "INVESTIGATING", "ESCALATED", "CLOSED"];
const PRIORITIES = ["LOW", "MEDIUM", "HIGH", "CRITICAL"];
const DISPOSITIONS = ["CONFIRMED_FRAUD", "FALSE_POSITIVE", "NO_ACTION", "REFERRED"];
const NEXT = { NEW: ["INVESTIGATING"], INVESTIGATING: ["ESCALATED"], ESCALATED: ["INVESTIGATING"], CLOSED: ["INVESTIGATING"] };
const ACTION_LABEL = { INVESTIGATING: "Start investigating", ESCALATED: "Escalate" };
const label = (v) => humanize(String(v ?? "").toLowerCase());

const statusPill = (s) => el("span", { class: `pill case-${String(s).toLowerCase()}`, text: label(s) });
const prioPill = (p) => el("span", { class: `pill prio-${String(p).toLowerCase()}`, text: label(p) });

function options(values, selected, blank) {
  return [blank ? el("option", { value: "", text: blank }) : null,
    ...values.map((v) => el("option", { value: v, text: label(v), selected: v === selected }))];
}

function dateInput(iso) {
  return iso ? new Date(iso).toISOString().slice(0, 10) : "";
}

// A before/after value of the audit trail, as short readable text: times as dates, a list of
// notes or attachments as its length and its newest entry.
function auditItem(x) {
  if (x === null || typeof x !== "object") return String(x);
  if ("text" in x) return `“${x.text}”`;
  if ("name" in x) return `${x.name}${x.size ? ` (${Math.ceil(x.size / 1024)} KB)` : ""}`;
  return JSON.stringify(x);
}

function auditValue(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v !== "object") return String(v);
  const entries = Object.entries(v);
  if (!entries.length) return "–";
  return entries.map(([k, x]) => {
    if (Array.isArray(x)) return `${k}: ${x.length}${x.length ? ` · newest ${auditItem(x[x.length - 1])}` : ""}`;
    if (x !== null && typeof x === "object") return `${k}: ${auditItem(x)}`;
    if (/_at$|^at$/.test(k) && x) return `${k}: ${fmtTime(x)}`;
    return `${k}: ${x ?? "–"}`;
  }).join("\n");
}

function b64ToBlob(b64, type) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type });
}

function blobToB64(blob) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).split(",", 2)[1]);
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
}

export class CasesView {
  constructor(client, host) {
    this.client = client;
    this.host = host;
    this.current = null; // id of the case on screen
    this.unsub = null;
  }

  // Live: a change to the case on screen redraws it; the list refreshes.
  listen() {
    if (this.unsub) return;
    this.unsub = this.client.subscribe(S_CASES, {}, {
      next: (data) => {
        const c = data.caseUpdates;
        window.__ringscope.caseUpdates = (window.__ringscope.caseUpdates ?? 0) + 1;
        if (this.current && c?.id === this.current && !this.busy) this.open(c.id, { quiet: true });
        else if (this.current === "" && !this.host.hidden) this.list(this.filters ?? {});
      },
    });
  }

  errorBox() {
    return el("div", { class: "case-error", id: "case-error", role: "alert", hidden: true });
  }

  showError(err, what) {
    let box = $("#case-error");
    if (!box) {
      box = this.errorBox();
      this.host.prepend(box);
    }
    box.hidden = false;
    box.textContent = `${what}: ${errorText(err)}`;
    window.__ringscope.caseError = box.textContent;
  }

  // ---- list ------------------------------------------------------------------------------
  async list(filters = {}) {
    this.current = "";
    this.filters = filters;
    this.listen();
    const host = clear(this.host);
    document.title = "Cases · ringscope";
    const form = el("form", { class: "filters case-filters", id: "case-filters" },
      el("select", { name: "status", "aria-label": "Status" }, options(STATUSES, filters.status, "All statuses")),
      el("select", { name: "priority", "aria-label": "Priority" }, options(PRIORITIES, filters.priority, "All priorities")),
      el("input", { name: "assignee", type: "search", placeholder: "Assignee", "aria-label": "Assignee", value: filters.assignee ?? "" }),
      el("button", { class: "btn", type: "submit", text: "Filter" }));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const f = Object.fromEntries(["status", "priority", "assignee"].map((k) => [k, form[k].value.trim() || undefined]));
      this.list(f);
    });
    form.addEventListener("change", () => form.requestSubmit());
    host.append(el("div", { class: "page-head" }, el("h1", { text: "Cases" }), el("span", { class: "count", id: "cases-count" }), form),
      this.errorBox());
    const body = el("tbody", { id: "cases-body" });
    const table = el("div", { class: "table-wrap card" }, el("table", { class: "rings cases" },
      el("thead", {}, el("tr", {}, ["Case", "Title", "Status", "Priority", "Assignee", "Due", "Updated"].map((c) => el("th", { text: c })))), body));
    const more = el("button", { class: "btn btn-ghost", type: "button", text: "Show more", hidden: true });
    const empty = el("p", { class: "empty-state", text: "No cases match. Open one from a ring (“Create case”) or from the triage queue.", hidden: true });
    host.append(table, empty, more);
    let after = null;
    const load = async () => {
      try {
        const data = (await this.client.request(Q_CASES, { first: 50, after, ...filters })).cases;
        for (const { node: c } of data.edges) body.append(this.row(c));
        after = data.pageInfo.endCursor;
        more.hidden = !data.pageInfo.hasNextPage;
        $("#cases-count").textContent = String(data.totalCount);
        empty.hidden = body.children.length > 0;
      } catch (err) {
        this.showError(err, "Could not load cases");
      }
    };
    more.addEventListener("click", load);
    await load();
  }

  row(c) {
    const href = `#/case/${enc(c.id)}`;
    const overdue = c.dueAt && c.status !== "CLOSED" && Date.parse(c.dueAt) < Date.now();
    return el("tr", { dataset: { caseId: c.id }, onclick: (ev) => { if (ev.target.tagName !== "A") location.hash = href; } },
      el("td", {}, el("a", { class: "ring-id", href, text: c.id })), el("td", { text: c.title }),
      el("td", {}, statusPill(c.status), c.disposition ? el("span", { class: "muted", text: ` ${label(c.disposition)}` }) : null),
      el("td", {}, prioPill(c.priority)), el("td", { text: c.assignee ?? "–" }),
      el("td", { class: overdue ? "overdue" : "", text: c.dueAt ? fmtTime(c.dueAt).slice(0, 10) : "–" }),
      el("td", { class: "muted", text: fmtTime(c.updatedAt ?? c.createdAt) }));
  }

  // ---- one case --------------------------------------------------------------------------
  async open(id, { quiet = false } = {}) {
    this.current = id;
    this.listen();
    if (!quiet) clear(this.host).append(el("p", { class: "muted", text: `Loading case ${id}…` }));
    let c;
    try {
      c = (await this.client.request(Q_CASE, { id })).case;
    } catch (err) {
      clear(this.host).append(this.errorBox());
      this.showError(err, `Could not open case ${id}`);
      return true;
    }
    if (this.current !== id) return true;
    if (!c) return false;
    this.render(c);
    return true;
  }

  async mutate(query, vars, what) {
    this.busy = true;
    try {
      const data = await this.client.request(query, vars);
      const c = Object.values(data)[0];
      this.render(c);
      toast(what, "ok");
      return c;
    } catch (err) {
      this.showError(err, `${what.replace(/\.$/, "")} failed`);
      return null;
    } finally {
      this.busy = false;
    }
  }

  render(c) {
    window.__ringscope.case = c;
    document.title = `Case ${c.id} · ringscope`;
    const host = clear(this.host);
    host.append(el("div", { class: "page-head" },
      el("a", { class: "btn btn-ghost", href: "#/cases", "aria-label": "Back to cases", text: "←" }),
      el("h1", { id: "case-title", text: c.title }), el("span", { class: "muted node-id", text: c.id }),
      statusPill(c.status), prioPill(c.priority),
      c.disposition ? el("span", { class: "pill", id: "case-disposition", text: label(c.disposition) }) : null));
    host.append(this.errorBox());
    const grid = el("div", { class: "case-grid" });
    const main = el("div", { class: "case-main" });
    const side = el("div", { class: "case-side" });
    grid.append(main, side);
    host.append(grid);
    side.append(this.workflow(c), this.details(c), this.links(c));
    main.append(this.notes(c), this.attachments(c), this.audit(c));
  }

  workflow(c) {
    const box = el("section", { class: "card", id: "case-workflow" }, el("h3", { text: "Status" }));
    const steps = el("ol", { class: "steps" }, STATUSES.map((s) => el("li", {
      class: s === c.status ? "now" : STATUSES.indexOf(s) < STATUSES.indexOf(c.status) ? "done" : "", text: label(s) })));
    box.append(steps);
    const actions = el("div", { class: "actions" });
    for (const next of NEXT[c.status] ?? []) {
      const text = c.status === "CLOSED" ? "Reopen" : c.status === "ESCALATED" ? "Back to investigating" : ACTION_LABEL[next];
      actions.append(el("button", { class: "btn", type: "button", dataset: { status: next }, text,
        onclick: () => this.mutate(M_UPDATE_CASE, { id: c.id, status: next, unassign: false }, `Case ${c.id} is now ${label(next)}.`) }));
    }
    box.append(actions);
    if (c.status !== "CLOSED") {
      const disp = el("select", { id: "case-close-disposition", "aria-label": "Disposition" }, options(DISPOSITIONS, null, "Disposition…"));
      const form = el("form", { class: "inline", id: "case-close" }, disp, el("button", { class: "btn btn-primary", type: "submit", text: "Close case" }));
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        if (!disp.value) {
          this.showError({ message: "choose a disposition first" }, "Cannot close");
          return;
        }
        this.mutate(M_UPDATE_CASE, { id: c.id, status: "CLOSED", disposition: disp.value, unassign: false }, `Case ${c.id} closed.`);
      });
      box.append(form);
    }
    return box;
  }

  details(c) {
    const prio = el("select", { name: "priority", "aria-label": "Priority" }, options(PRIORITIES, c.priority));
    const who = el("input", { name: "assignee", id: "case-assignee", value: c.assignee ?? "", placeholder: "unassigned", "aria-label": "Assignee" });
    const due = el("input", { name: "due", type: "date", id: "case-due", value: dateInput(c.dueAt), "aria-label": "Due date" });
    const form = el("form", { class: "case-details", id: "case-details" },
      el("label", {}, "Priority ", prio), el("label", {}, "Assignee ", who), el("label", {}, "Due ", due),
      el("button", { class: "btn", type: "submit", text: "Save" }));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const vars = { id: c.id, unassign: false };
      if (prio.value !== c.priority) vars.priority = prio.value;
      const a = who.value.trim();
      if (a && a !== c.assignee) vars.assignee = a;
      if (!a && c.assignee) vars.unassign = true;
      if (due.value && due.value !== dateInput(c.dueAt)) vars.dueAt = new Date(`${due.value}T23:59:59Z`).toISOString();
      this.mutate(M_UPDATE_CASE, vars, `Case ${c.id} saved.`);
    });
    return el("section", { class: "card" }, el("h3", { text: "Details" }), form,
      el("p", { class: "muted", text: `Opened by ${c.createdBy} · ${fmtTime(c.createdAt)}` }));
  }

  links(c) {
    const chips = (ids, href) => ids.length ? el("div", { class: "chips" }, ids.map((id) => el("a", { class: "chip", href: href(id), text: id })))
      : el("p", { class: "muted", text: "none" });
    const rings = el("div", { class: "chips", id: "case-rings" }, c.ringIds.map((id) => {
      const r = (c.rings ?? []).find((x) => x.id === id);
      return el("a", { class: "chip", href: `#/ring/${enc(id)}`, text: r ? `${id} · ${Math.round(r.score)}` : `${id} (gone)` });
    }));
    return el("section", { class: "card", id: "case-links" }, el("h3", { text: "Linked" }),
      el("h4", { text: `Rings (${c.ringIds.length})` }), c.ringIds.length ? rings : el("p", { class: "muted", text: "none" }),
      el("h4", { text: `Alerts (${c.alertIds.length})` }), c.alertIds.length ? el("div", { class: "chips" }, c.alertIds.map((id) => el("span", { class: "chip", text: id }))) : el("p", { class: "muted", text: "none" }),
      el("h4", { text: `Accounts (${c.accountIds.length})` }), el("div", { id: "case-accounts" }, chips(c.accountIds.slice(0, 60), acctPage)),
      c.accountIds.length > 60 ? el("p", { class: "muted", text: `… and ${c.accountIds.length - 60} more` }) : null);
  }

  notes(c) {
    const list = el("ol", { class: "notes", id: "case-notes" }, c.notes.map((n) => el("li", {},
      el("div", { class: "muted", text: `${n.author} · ${fmtTime(n.at)}` }), el("p", { text: n.text }))));
    const text = el("textarea", { id: "case-note-text", rows: 3, maxlength: 4000, placeholder: "Add a note (notes cannot be edited later)", "aria-label": "New note" });
    const form = el("form", { id: "case-note-form" }, text, el("button", { class: "btn btn-primary", type: "submit", text: "Add note" }));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      if (!text.value.trim()) return;
      this.mutate(M_CASE_NOTE, { id: c.id, text: text.value.trim() }, "Note added.");
    });
    return el("section", { class: "card" }, el("h3", { text: `Notes (${c.notes.length})` }),
      c.notes.length ? list : el("p", { class: "muted", text: "No notes yet." }), form);
  }

  attachments(c) {
    const rows = c.attachments.map((a) => el("tr", { dataset: { attachment: a.id } },
      el("td", { text: a.name }), el("td", { class: "muted", text: a.contentType }), el("td", { class: "num", text: `${Math.ceil(a.size / 1024)} KB` }),
      el("td", { class: "muted", text: `${a.author} · ${fmtTime(a.at)}` }),
      el("td", {}, el("button", { class: "btn btn-ghost", type: "button", text: "Download", onclick: () => this.download(c.id, a.id) }))));
    return el("section", { class: "card", id: "case-attachments" }, el("h3", { text: `Attachments (${c.attachments.length})` }),
      rows.length ? el("div", { class: "table-wrap" }, el("table", { class: "stack" }, el("tbody", {}, rows)))
        : el("p", { class: "muted", text: "Nothing attached. Open a linked ring and use “Attach PNG snapshot”." }));
  }

  async download(caseId, attId) {
    try {
      const a = (await this.client.request(Q_ATTACHMENT, { id: caseId })).case.attachments.find((x) => x.id === attId);
      const blob = b64ToBlob(a.dataBase64, a.contentType);
      const url = URL.createObjectURL(blob);
      const link = el("a", { href: url, download: a.name });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (err) {
      this.showError(err, "Download failed");
    }
  }

  audit(c) {
    const rows = c.audit.map((e) => el("tr", {},
      el("td", { class: "muted", text: fmtTime(e.at) }), el("td", { class: "who", text: e.actor }), el("td", { text: e.role }),
      el("td", { text: e.action }), el("td", {}, el("pre", { text: auditValue(e.before) })), el("td", {}, el("pre", { text: auditValue(e.after) }))));
    return el("section", { class: "card", id: "case-audit" }, el("h3", { text: "Audit trail" }),
      el("p", { class: "muted", text: "Every change to this case, oldest first. Read-only." }),
      el("div", { class: "table-wrap" }, el("table", { class: "audit stack" },
        el("thead", {}, el("tr", {}, ["When", "Who", "Role", "What", "Before", "After"].map((h) => el("th", { text: h })))),
        el("tbody", {}, rows))));
  }
}

// ---- the ring view's case actions --------------------------------------------------------
export async function createCaseFromRing(client, ring) {
  const vars = {
    title: `Ring ${ring.id}${ring.typologies?.length ? ` · ${ring.typologies.map(humanize).join(", ")}` : ""}`,
    priority: ring.score >= 85 ? "HIGH" : ring.score >= 60 ? "MEDIUM" : "LOW",
    ringIds: [ring.id], accountIds: (ring.members ?? []).map((m) => m.id).slice(0, 200),
    note: `Opened from the ring view (score ${Math.round(ring.score)}, ${ring.size} members).`,
  };
  try {
    const c = (await client.request(M_CREATE_CASE, vars)).createCase;
    toast(`Case ${c.id} opened for ring ${ring.id}`, "ok");
    location.hash = `#/case/${enc(c.id)}`;
    return c;
  } catch (err) {
    toast(`Could not create a case: ${errorText(err)}`, "error");
    return null;
  }
}

// The newest open case holding this ring gets the case-file PNG of the graph on screen.
export async function attachSnapshot(client, view) {
  const ring = view.ring;
  if (!ring) return null;
  try {
    const cases = (await client.request(Q_CASES, { first: 20, ringId: ring.id })).cases.edges.map((e) => e.node);
    const target = cases.find((c) => c.status !== "CLOSED") ?? cases[0];
    if (!target) {
      toast(`Ring ${ring.id} is in no case yet: use “Create case” first`, "error");
      return null;
    }
    const shot = await exportCaseFile(view, view.exportName(), { save: false });
    if (!shot?.blob) throw new Error("the graph could not be drawn");
    const name = `${view.exportName()}-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, "")}.png`;
    await client.request(M_ATTACH, { id: target.id, file: { name, contentType: "image/png", dataBase64: await blobToB64(shot.blob) } });
    toast(`PNG snapshot attached to case ${target.id}`, "ok");
    window.__ringscope.attached = { caseId: target.id, name, bytes: shot.blob.size };
    return target.id;
  } catch (err) {
    toast(`Snapshot not attached: ${errorText(err)}`, "error");
    return null;
  }
}

// Adds the two case buttons to the ring toolbar once, and the ring's cases under the title.
export function installRingCaseTools(client, view) {
  if (!$("#case-create")) {
    $("#ring-toolbar").append(el("span", { class: "sep" }),
      el("button", { class: "btn", type: "button", id: "case-create", text: "Create case from this ring",
        onclick: () => view.ring && createCaseFromRing(client, view.ring) }),
      el("button", { class: "btn btn-ghost", type: "button", id: "case-attach-png", text: "Attach PNG snapshot",
        onclick: () => attachSnapshot(client, view) }));
  }
  for (const id of ["case-create", "case-attach-png"]) $(`#${id}`).hidden = !view.ring;
}

