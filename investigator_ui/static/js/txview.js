// One transaction (and the alert that pointed at it): what happened, what ringscope decided and
// why, and links on to its account, counterparty, device, IP and the ring its account is in.
import { Q_TRANSACTION } from "./api.js";
import { $, clear, el, fmtAgo, fmtMoney, fmtTime, humanize, riskBadge } from "./util.js";

function facts(pairs) {
  const dl = el("dl", { class: "facts" });
  for (const [k, v] of pairs) {
    if (v === null || v === undefined || v === "") continue;
    dl.append(el("dt", { text: k }), el("dd", {}, v instanceof Node ? v : String(v)));
  }
  return dl;
}

const link = (kind, id) => el("a", { class: "ring-id", href: `#/${kind}/${encodeURIComponent(id)}`, text: id });

export class TransactionView {
  constructor(client, overview) {
    this.client = client;
    this.overview = overview; // knows the alerts the feed has shown
    this.host = $("#tx-body");
  }

  async open(id) {
    const host = clear(this.host);
    host.append(el("p", { class: "muted", text: `Loading transaction ${id}…` }));
    const tx = (await this.client.request(Q_TRANSACTION, { id })).transaction;
    clear(host);
    if (!tx) return false;
    const alert = this.overview.alertFor(id);
    const rings = (tx.account?.rings?.edges ?? []).map((e) => e.node);
    const ring = alert?.ringId ? rings.find((r) => r.id === alert.ringId) ?? { id: alert.ringId } : rings[0];
    const decision = tx.decision ? el("span", { class: `pill decision-${tx.decision}`, text: tx.decision }) : "not scored";
    const where = [tx.city, tx.country].filter(Boolean).join(", ");
    const direction = tx.counterpartyId ? el("span", {}, link("account", tx.accountId), " → ", link("account", tx.counterpartyId))
      : tx.merchantId ? el("span", {}, tx.kind === "refund" ? [link("merchant", tx.merchantId), " → ", link("account", tx.accountId)]
        : [link("account", tx.accountId), " → ", link("merchant", tx.merchantId)]) : link("account", tx.accountId);
    host.append(el("div", { class: "tx-head" },
      el("a", { class: "btn btn-ghost", href: "#/", "aria-label": "Back to overview", text: "←" }),
      el("h1", { id: "tx-title", text: `Transaction ${tx.id}` }), tx.score === null ? null : riskBadge(tx.score), decision));
    const grid = el("div", { class: "tx-grid" });
    grid.append(el("section", { class: "card", id: "tx-facts" }, el("h3", { text: "What happened" }), facts([
      ["amount", fmtMoney(tx.amount, tx.currency)], ["kind", humanize(tx.kind)], ["time", `${fmtTime(tx.ts)} (${fmtAgo(tx.ts)})`],
      ["money", direction], ["device", tx.deviceId ? link("device", tx.deviceId) : null], ["IP", tx.ip ? link("ip", tx.ip) : null],
      ["location", where || null],
    ])));
    grid.append(el("section", { class: "card", id: "tx-decision" }, el("h3", { text: "What ringscope decided" }), facts([
      ["decision", decision], ["risk score", tx.score === null ? "not scored" : riskBadge(tx.score)],
      ["scored by", "transaction rules at arrival"],
      ["account model", tx.account?.modelVersion ? `${tx.account.modelVersion} (risk ${Math.round(tx.account.riskScore ?? 0)})` : "no model score yet"],
    ]), tx.reasons?.length ? el("ul", { class: "reasons" }, tx.reasons.map((r) => el("li", { text: humanize(r) }))) : el("p", { class: "muted", text: "No reasons recorded." })));
    if (alert) {
      grid.append(el("section", { class: "card", id: "tx-alert" }, el("h3", { text: "Alert" }), facts([
        ["alert", alert.id], ["kind", humanize(String(alert.kind).toLowerCase())], ["score", riskBadge(alert.score)],
        ["raised", `${fmtTime(alert.createdAt)} (${fmtAgo(alert.createdAt)})`], ["reasons", (alert.reasons ?? []).map(humanize).join(" · ")],
      ])));
    }
    const acct = tx.account;
    grid.append(el("section", { class: "card", id: "tx-account" }, el("h3", { text: "Account" }), facts([
      ["account", link("account", tx.accountId)], ["model risk", acct?.riskScore === null || acct?.riskScore === undefined ? "not scored" : riskBadge(acct.riskScore)],
      ["verdict", acct?.verdict ? humanize(String(acct.verdict).toLowerCase()) : null],
    ]), el("a", { class: "btn", id: "tx-open-account", href: `#/account/${encodeURIComponent(tx.accountId)}`, text: "Open account graph" })));
    grid.append(el("section", { class: "card", id: "tx-ring" }, el("h3", { text: "Ring" }), ring
      ? el("div", {}, facts([["ring", link("ring", ring.id)], ["score", ring.score === undefined ? null : riskBadge(ring.score)],
        ["members", ring.size], ["status", ring.status ? String(ring.status).toLowerCase() : null],
        ["typologies", (ring.typologies ?? []).map(humanize).join(", ") || null]]),
      el("a", { class: "btn btn-primary", id: "tx-open-ring", href: `#/ring/${encodeURIComponent(ring.id)}`, text: "Open ring" }))
      : el("p", { class: "muted", text: "This account is in no ring ringscope has found." })));
    host.append(grid);
    window.__ringscope.tx = { id: tx.id, ring: ring?.id ?? null, account: tx.accountId };
    return true;
  }
}
