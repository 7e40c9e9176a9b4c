// The side panel: the ring's summary and workflow, or one node's details, with verdict actions.
import { M_LABEL_ACCOUNT, M_LABEL_RING, M_WORKFLOW, Q_ACCOUNT, Q_ACCOUNT_TXS, Q_MODEL_EXPLANATION } from "./api.js";
import { explanationSection } from "./explainview.js";
import { $, clear, el, fmtMoney, fmtNumber, fmtTime, fmtValue, humanize, riskBadge, toast } from "./util.js";

const VIEW_OF = { Account: "account", Device: "device", IP: "ip", Merchant: "merchant", Ring: "ring" };
const nodeHref = (type, id) => `#/${VIEW_OF[type] ?? "node"}/${encodeURIComponent(id)}`;

const VERDICT_LABEL = { CONFIRMED_FRAUD: "Confirmed fraud", FALSE_POSITIVE: "False positive", NEEDS_REVIEW: "Needs review" };

function section(title, ...children) {
  return el("section", {}, el("h3", { text: title }), ...children);
}

function facts(pairs) {
  const dl = el("dl");
  for (const [k, v] of pairs) {
    if (v === null || v === undefined || v === "") continue;
    dl.append(el("dt", { text: k }), el("dd", {}, v instanceof Node ? v : String(v)));
  }
  return dl;
}

function list(items, cls = "reasons") {
  return el("ul", { class: cls }, items.map((t) => el("li", { text: t })));
}

export class Panel {
  constructor(client) {
    this.client = client;
    this.host = $("#side-panel");
    this.view = null; // set by main: the RingView
    this.token = 0;
    this.onRingChanged = () => {};
  }

  showMissing(kind, id) {
    clear(this.host).append(section(`No such ${kind}`, el("p", { class: "muted", text: `Nothing found for ${id}.` })));
  }

  showPath(ids) {
    this.token++;
    const h = clear(this.host);
    h.append(section(`Shortest path · ${Math.max(0, ids.length - 1)} hops`, el("ol", { class: "reasons" }, ids.map((id) => {
      const node = this.view?.nodes.get(id);
      return el("li", {}, el("a", { href: "#", class: "ring-id", text: id, onclick: (e) => { e.preventDefault(); this.view?.focus(id); } }),
        el("span", { class: "muted", text: ` ${node?.type ?? ""}` }));
    }))));
  }

  // ---- ring ----------------------------------------------------------------------------
  showRing(ring) {
    this.token++;
    const h = clear(this.host);
    const verdict = ring.verdict ? el("span", { class: `pill ${String(ring.verdict).toLowerCase()}`, text: VERDICT_LABEL[ring.verdict] ?? ring.verdict }) : "none yet";
    h.append(section("Ring", facts([
      ["score", riskBadge(ring.score)], ["members", fmtNumber(ring.size)], ["status", String(ring.status).toLowerCase()],
      ["verdict", verdict], ["assignee", ring.assignee || "unassigned"], ["version", ring.version],
      ["last change", `${humanize(ring.lastChange ?? "")} · ${fmtTime(ring.updatedAt)}`],
    ])));
    h.append(el("div", { class: "actions" },
      el("button", { class: "btn btn-danger", type: "button", id: "ring-confirm", text: "Confirm fraud", onclick: () => this.verdictFor("ring", ring.id, "CONFIRMED_FRAUD") }),
      el("button", { class: "btn btn-ok", type: "button", id: "ring-dismiss", text: "Dismiss", onclick: () => this.verdictFor("ring", ring.id, "FALSE_POSITIVE") }),
      el("button", { class: "btn", type: "button", text: "Needs review", onclick: () => this.verdictFor("ring", ring.id, "NEEDS_REVIEW") })));
    h.append(this.workflowForm(ring));
    if (ring.reasons?.length) h.append(section("Why it scored high", list(ring.reasons)));
    const evidence = this.evidenceFacts(ring.evidence);
    if (evidence) h.append(section("Evidence", evidence));
    const top = [...(ring.members ?? [])].sort((a, b) => (b.riskScore ?? 0) - (a.riskScore ?? 0)).slice(0, 12);
    if (top.length) {
      h.append(section("Riskiest members", el("table", {}, el("tbody", {}, top.map((m) =>
        el("tr", {}, el("td", {}, riskBadge(m.riskScore)),
          el("td", {}, el("a", { href: "#", class: "ring-id", text: m.id, onclick: (e) => { e.preventDefault(); this.view?.focus(m.id); } })),
          el("td", { class: "muted", text: m.role ?? "" })))))));
    }
    if (ring.victims?.length) {
      // paid into the ring (or were paid by it) without acting for it: not members, not in the
      // size, and a verdict on the ring never labels them (docs/rings.md)
      h.append(section(`Victims and counterparties (${fmtNumber(ring.victims.length)}, not members)`,
        el("ul", { id: "ring-victims", class: "victims" }, ring.victims.slice(0, 50).map((v) =>
          el("li", {}, el("a", { href: `#/accountpage/${encodeURIComponent(v.id)}`, text: v.id }),
            el("span", { class: "muted", text: ` ${v.role ?? "victim"}` }))))));
    }
    if (ring.verdicts?.length) h.append(section("Verdict history", this.verdictTable(ring.verdicts)));
  }

  evidenceFacts(evidence) {
    if (evidence === null || evidence === undefined) return null;
    if (typeof evidence !== "object") return el("p", { class: "explain", text: String(evidence) });
    const pairs = Object.entries(evidence).slice(0, 12).map(([k, v]) => {
      return [humanize(k), String(fmtValue(k, v)).slice(0, 300)];
    });
    return facts(pairs);
  }

  workflowForm(ring) {
    const status = el("select", { name: "status", "aria-label": "Ring status" },
      ["OPEN", "INVESTIGATING", "CLOSED"].map((s) => el("option", { value: s, text: humanize(s.toLowerCase()), selected: s === ring.status })));
    const assignee = el("input", { name: "assignee", placeholder: "assignee", value: ring.assignee ?? "", "aria-label": "Assignee", maxlength: 120 });
    const form = el("form", { class: "actions", id: "workflow-form" }, status, assignee, el("button", { class: "btn", type: "submit", text: "Update" }));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        const data = await this.client.request(M_WORKFLOW, { id: ring.id, status: status.value, assignee: assignee.value.trim() || null });
        Object.assign(ring, data.updateRing, { lastChange: "workflow", updatedAt: new Date().toISOString() });
        toast(`Ring ${ring.id} is now ${String(ring.status).toLowerCase()}`, "ok");
        this.onRingChanged(ring);
        this.showRing(ring);
      } catch (err) {
        toast(`Update failed: ${err.message}`, "error");
      }
    });
    return section("Workflow", form);
  }

  verdictTable(verdicts) {
    return el("table", {}, el("tbody", {}, verdicts.map((v) => el("tr", {},
      el("td", { text: VERDICT_LABEL[v.verdict] ?? v.verdict }), el("td", { text: humanize(v.reasonCode ?? "") }),
      el("td", { class: "muted", text: `${v.author ?? ""} ${fmtTime(v.at)}` }), el("td", { text: v.note ?? "" })))));
  }

  // ---- verdict dialog -------------------------------------------------------------------
  verdictFor(kind, id, preset) {
    const dialog = $("#verdict-dialog");
    const form = $("#verdict-form");
    form.reset();
    form.querySelector(`input[name=verdict][value=${preset}]`).checked = true;
    if (preset === "FALSE_POSITIVE") form.reasonCode.value = "legitimate_activity";
    $("#verdict-title").textContent = `Verdict on ${kind} ${id}`;
    dialog.onclose = async () => {
      if (dialog.returnValue !== "ok") return;
      const vars = { id, verdict: form.verdict.value, reasonCode: form.reasonCode.value, note: form.note.value.trim() || null };
      try {
        if (kind === "ring") {
          const data = await this.client.request(M_LABEL_RING, vars);
          // the new verdict is the ring's last change, and its history shows it without a reload
          Object.assign(this.view.ring, data.labelRing, { lastChange: "verdict", updatedAt: new Date().toISOString() });
          this.onRingChanged(this.view.ring);
          for (const m of this.view.ring.members ?? []) this.view.verdicts.set(m.id, vars.verdict.toLowerCase());
          this.view.applyView();
          this.showRing(this.view.ring);
        } else {
          await this.client.request(M_LABEL_ACCOUNT, vars);
          this.view.markVerdict(id, vars.verdict.toLowerCase());
          this.showNode(this.view.nodes.get(id));
        }
        toast(`Recorded: ${VERDICT_LABEL[vars.verdict]} on ${kind} ${id}`, "ok");
        window.__ringscope.lastVerdict = { kind, id, verdict: vars.verdict };
      } catch (err) {
        toast(`Verdict not saved: ${err.message}`, "error");
      }
    };
    dialog.returnValue = "";
    dialog.showModal();
  }

  // ---- node ----------------------------------------------------------------------------
  async showNode(node) {
    if (!node) return;
    const token = ++this.token;
    const h = clear(this.host);
    h.append(el("div", {}, el("h3", { text: node.type }), el("div", { class: "node-id", text: node.id })));
    const risk = node.riskScore ?? node.memberRisk;
    h.append(facts([["risk", node.type !== "Account" ? null : risk === null || risk === undefined ? "not scored" : riskBadge(risk)],
      ["ring role", node.role], ["ring member risk", node.memberRisk === null ? null : Math.round(node.memberRisk)]]));
    h.append(el("div", { class: "actions" },
      el("button", { class: "btn", type: "button", id: "expand-btn", text: "Expand neighbours", onclick: () => this.view.expand(node.id) }),
      ...(node.type === "Account" ? [
        el("button", { class: "btn btn-danger", type: "button", text: "Confirm fraud", onclick: () => this.verdictFor("account", node.id, "CONFIRMED_FRAUD") }),
        el("button", { class: "btn btn-ok", type: "button", text: "Dismiss", onclick: () => this.verdictFor("account", node.id, "FALSE_POSITIVE") }),
        el("a", { class: "btn", href: `#/accountpage/${encodeURIComponent(node.id)}`, "data-account-page": node.id, text: "Account page" }),
      ] : [])));
    if (node.type !== "Account") {
      const props = Object.entries(node.props ?? {}).filter(([k]) => k !== "id").slice(0, 12);
      if (props.length) h.append(section("Properties", facts(props.map(([k, v]) => [humanize(k), fmtValue(k, v)]))));
      if (location.hash !== nodeHref(node.type, node.id) && VIEW_OF[node.type]) {
        h.append(el("a", { class: "btn", href: nodeHref(node.type, node.id), text: `Open ${node.type === "IP" ? "IP" : node.type.toLowerCase()} view` }));
      }
      const linked = this.linkedAccounts(node.id);
      if (linked.length) {
        h.append(section(`Accounts linked here (${linked.length})`, el("table", { class: "linked" }, el("tbody", {}, linked.slice(0, 40).map(({ n, e }) =>
          el("tr", {}, el("td", {}, riskBadge(n.riskScore ?? n.memberRisk)),
            el("td", {}, el("a", { class: "ring-id", href: nodeHref("Account", n.id), text: n.id })),
            el("td", { class: "muted", text: `${humanize(String(e.type).toLowerCase())}${e.count ? ` ×${e.count}` : ""}` }),
            el("td", { class: "muted", text: e.lastTs ? fmtTime(e.lastTs) : "" })))))));
      }
      return;
    }
    const loading = el("p", { class: "muted", text: "Loading account…" });
    h.append(loading);
    let account;
    try {
      account = (await this.client.request(Q_ACCOUNT, { id: node.id })).account;
    } catch (err) {
      loading.textContent = `Could not load account: ${err.message}`;
      return;
    }
    if (token !== this.token) return;
    loading.remove();
    if (!account) return;
    this.renderAccount(h, account);
    this.modelExplanation(h, account.id, token);
  }

  // The model's explanation, fetched after the account (it may take a moment): a section under
  // the facts, and its edges drawn thick in the graph.
  async modelExplanation(h, id, token) {
    const slot = el("section", { id: "model-explanation" }, el("h3", { text: "Why the model scored it" }),
      el("p", { class: "muted", text: "Asking the model…" }));
    (h.querySelector(".explain")?.closest("section") ?? h.querySelector("dl"))?.after(slot);
    let expl;
    try {
      expl = (await this.client.request(Q_MODEL_EXPLANATION, { id })).account?.modelExplanation;
    } catch (err) {
      if (token === this.token) slot.replaceChildren(el("h3", { text: "Why the model scored it" }), el("p", { class: "muted", text: `No explanation: ${err.message}` }));
      return;
    }
    if (token !== this.token) return;
    if (!expl) {
      slot.replaceWith(el("section", { id: "model-explanation", class: "empty" }, el("h3", { text: "Why the model scored it" }),
        el("p", { class: "muted", text: "No trained model has scored this account yet." })));
      return;
    }
    slot.replaceWith(explanationSection(expl, (nodeId) => this.view?.focus(nodeId)));
    this.view?.highlightExplanation(id, expl);
  }

  // One transaction of an account, with its direction: out to a counterparty or merchant, or in.
  txRow(accountId, t) {
    const incoming = t.accountId !== accountId || t.kind === "refund";
    const other = t.accountId !== accountId ? t.accountId : t.counterpartyId ?? t.merchantId ?? "";
    const otherType = t.accountId !== accountId || t.counterpartyId ? "Account" : "Merchant";
    return el("tr", { title: (t.reasons ?? []).map(humanize).join(", "), class: incoming ? "in" : "out", dataset: { txId: t.id } },
      el("td", {}, el("a", { href: `#/tx/${encodeURIComponent(t.id)}`, text: fmtTime(t.ts).slice(5, 16) })),
      el("td", { text: t.kind }), el("td", { class: "num", text: fmtMoney(t.amount, t.currency) }),
      el("td", { class: "dir", text: incoming ? "← in" : "→ out", title: incoming ? "money came in" : "money went out" }),
      el("td", {}, other ? el("a", { class: "ring-id", href: nodeHref(otherType, other), text: other }) : ""),
      el("td", {}, t.score === null ? "–" : riskBadge(t.score)));
  }

  // Accounts drawn next to a node (device, IP, merchant...), riskiest first.
  linkedAccounts(id) {
    const out = [];
    for (const e of this.view?.edges.values() ?? []) {
      const other = e.source === id ? e.target : e.target === id ? e.source : null;
      const n = other ? this.view.nodes.get(other) : null;
      if (n?.type === "Account") out.push({ n, e });
    }
    return out.sort((x, y) => (y.n.riskScore ?? y.n.memberRisk ?? -1) - (x.n.riskScore ?? x.n.memberRisk ?? -1));
  }

  renderAccount(h, a) {
    h.append(facts([["model risk", a.riskScore === null ? "not scored" : riskBadge(a.riskScore)], ["model", a.modelVersion],
      ["first seen", a.firstSeen ? fmtTime(a.firstSeen) : null], ["opened", a.openedAt ? fmtTime(a.openedAt) : null],
      ["verdict", a.verdict ? VERDICT_LABEL[a.verdict] ?? a.verdict : null],
      ["devices", a.devices.length ? el("span", { class: "links" }, a.devices.slice(0, 8).map((d) => el("a", { class: "ring-id", href: nodeHref("Device", d.id), text: d.id }))) : null],
      ["IPs", a.ips.length ? el("span", { class: "links" }, a.ips.slice(0, 8).map((d) => el("a", { class: "ring-id", href: nodeHref("IP", d.id), text: d.id }))) : null],
      ["counterparties", a.counterparties.length || null], ["merchants", a.merchants.length || null]]));
    if (a.explanation?.length) h.append(section("Explanation", el("div", { class: "explain" }, list(a.explanation))));
    const txs = a.transactions.edges.map((e) => e.node);
    const reasons = [...new Set(txs.flatMap((t) => t.reasons ?? []))];
    if (reasons.length) h.append(section("Risk reasons", el("div", { class: "chips" }, reasons.map((r) => el("span", { class: "chip", text: humanize(r) })))));
    if (txs.length) {
      const body = el("tbody", { id: "account-txs" });
      const more = el("button", { class: "btn btn-ghost", type: "button", id: "account-txs-more", text: "Show more" });
      let page = a.transactions.pageInfo;
      const addRows = (rows) => body.append(...rows.map((t) => this.txRow(a.id, t)));
      const sync = () => {
        more.hidden = !page?.hasNextPage;
        more.textContent = `Show more (${fmtNumber(body.children.length)} of ${fmtNumber(a.transactions.totalCount)})`;
      };
      more.addEventListener("click", async () => {
        more.disabled = true;
        try {
          const next = (await this.client.request(Q_ACCOUNT_TXS, { id: a.id, after: page.endCursor })).account.transactions;
          addRows(next.edges.map((e) => e.node));
          page = next.pageInfo;
        } catch (err) {
          toast(`Could not load more transactions: ${err.message}`, "error");
        }
        more.disabled = false;
        sync();
      });
      addRows(txs);
      sync();
      h.append(section(`Transactions (${fmtNumber(a.transactions.totalCount)})`, el("table", { class: "txs" },
        el("thead", {}, el("tr", {}, ["time", "kind", "amount", "", "other party", "risk"].map((c) => el("th", { text: c })))), body), more));
    }
    const rings = a.rings.edges.map((e) => e.node);
    if (rings.length) {
      h.append(section("Rings", el("div", { class: "chips" }, rings.map((r) =>
        el("a", { class: "chip", href: `#/ring/${encodeURIComponent(r.id)}`, text: `${r.id} · ${Math.round(r.score)}` })))));
    }
    if (a.verdicts?.length) h.append(section("Verdict history", this.verdictTable(a.verdicts)));
  }
}
