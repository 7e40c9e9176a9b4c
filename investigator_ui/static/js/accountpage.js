// The account's story on one page: profile, activity in and out (daily volume and every
// transaction with its direction), alerts, ring memberships, verdicts, the devices and IPs it
// uses with the other accounts on them, and its cases.
import { Q_ACCOUNT_PAGE, acctGraph, acctPage, enc, errorText, sharingQuery } from "./invapi.js";
import { riskHistoryCard } from "./riskhistory.js";
import { clear, el, fmtMoney, fmtNumber, fmtTime, humanize, riskBadge, toMs } from "./util.js";

const VERDICT = { CONFIRMED_FRAUD: "Confirmed fraud", FALSE_POSITIVE: "False positive", NEEDS_REVIEW: "Needs review" };

function card(title, id, ...children) {
  return el("section", { class: "card", id }, el("h3", { text: title }), ...children);
}

function facts(pairs) {
  const dl = el("dl", { class: "facts" });
  for (const [k, v] of pairs) {
    if (v === null || v === undefined || v === "") continue;
    dl.append(el("dt", { text: k }), el("dd", {}, v instanceof Node ? v : String(v)));
  }
  return dl;
}

const none = (text) => el("p", { class: "muted", text });

// Daily money in and out, as two bars per day.
function dailyVolume(accountId, txs) {
  const days = new Map();
  for (const t of txs) {
    const day = fmtTime(t.ts).slice(0, 10);
    const d = days.get(day) ?? { in: 0, out: 0 };
    if (t.accountId !== accountId || t.kind === "refund") d.in += t.amount;
    else d.out += t.amount;
    days.set(day, d);
  }
  const rows = [...days.entries()].sort(([a], [b]) => a.localeCompare(b)).slice(-14);
  const max = Math.max(1, ...rows.flatMap(([, d]) => [d.in, d.out]));
  return el("table", { class: "volume", id: "acct-volume" }, el("tbody", {}, rows.map(([day, d]) => el("tr", {},
    el("td", { class: "muted", text: day.slice(5) }),
    el("td", {}, el("span", { class: "bar in", style: `width:${(100 * d.in) / max}%`, title: `in ${fmtMoney(d.in)}` })),
    el("td", { class: "num", text: `← ${fmtMoney(d.in)}` }),
    el("td", {}, el("span", { class: "bar out", style: `width:${(100 * d.out) / max}%`, title: `out ${fmtMoney(d.out)}` })),
    el("td", { class: "num", text: `→ ${fmtMoney(d.out)}` })))));
}

export class AccountPage {
  constructor(client, host) {
    this.client = client;
    this.host = host;
  }

  async open(id) {
    const host = clear(this.host);
    document.title = `Account ${id} · ringscope`;
    host.append(el("p", { class: "muted", text: `Loading account ${id}…` }));
    let data;
    try {
      data = await this.client.request(Q_ACCOUNT_PAGE, { id });
    } catch (err) {
      clear(host).append(el("div", { class: "case-error", role: "alert", text: `Could not load account ${id}: ${errorText(err)}` }));
      return true;
    }
    const a = data.account;
    if (!a) return false;
    clear(host);
    const txs = a.transactions.edges.map((e) => e.node);
    const alerts = data.alerts.edges.map((e) => e.node).filter((x) => x.accountId === id);
    const rings = a.rings.edges.map((e) => e.node);
    const cases = data.cases.edges.map((e) => e.node);
    host.append(el("div", { class: "page-head" },
      el("h1", { id: "acct-title", text: `Account ${a.id}` }), a.riskScore === null ? el("span", { class: "muted", text: "not scored" }) : riskBadge(a.riskScore),
      a.verdict ? el("span", { class: "pill", text: VERDICT[a.verdict] ?? a.verdict }) : null,
      el("a", { class: "btn", href: acctGraph(a.id), id: "acct-graph", text: "Open graph" })));
    const grid = el("div", { class: "acct-grid" });
    host.append(grid);
    grid.append(card("Profile", "acct-profile", facts([
      ["model risk", a.riskScore === null ? "not scored" : `${Math.round(a.riskScore)} / 100`], ["model", a.modelVersion],
      ["opened", a.openedAt ? fmtTime(a.openedAt) : null], ["first seen", a.firstSeen ? fmtTime(a.firstSeen) : null],
      ["transactions", fmtNumber(a.transactions.totalCount)], ["counterparties", a.counterparties.length], ["merchants", a.merchants.length],
    ]), a.explanation.length ? el("ul", { class: "reasons" }, a.explanation.map((t) => el("li", { text: t }))) : null));
    grid.append(riskHistoryCard(this.client, a.id));
    // The alerts API has no account filter: the newest 100 alerts are searched, and the account's
    // own transactions that ringscope flagged (review / block) are listed with them.
    const flagged = txs.filter((t) => t.accountId === id && (t.decision === "review" || t.decision === "block"));
    grid.append(card(`Alerts (${alerts.length})`, "acct-alerts", alerts.length ? el("table", { class: "stack" }, el("tbody", {}, alerts.map((x) => el("tr", {},
      el("td", {}, riskBadge(x.score)), el("td", { text: humanize(String(x.kind).toLowerCase()) }),
      el("td", { class: "muted", text: fmtTime(x.createdAt) }), el("td", { text: (x.reasons ?? []).map(humanize).join(" · ") }),
      el("td", {}, el("a", { class: "btn btn-ghost", href: acctGraph(id, x.createdAt), text: "As at alert time" })))))) : none("None among the newest 100 alerts."),
    el("h4", { text: `Flagged transactions (${flagged.length})` }), flagged.length ? el("table", { class: "stack", id: "acct-flagged" }, el("tbody", {}, flagged.slice(0, 20).map((t) => el("tr", {},
      el("td", {}, riskBadge(t.score)), el("td", {}, el("a", { href: `#/tx/${enc(t.id)}`, text: fmtTime(t.ts) })),
      el("td", {}, el("span", { class: `pill decision-${t.decision}`, text: t.decision })), el("td", { class: "num", text: fmtMoney(t.amount, t.currency) }),
      el("td", { text: (t.reasons ?? []).map(humanize).join(" · ") }),
      el("td", {}, el("a", { class: "btn btn-ghost", href: acctGraph(id, new Date(toMs(t.ts)).toISOString()), text: "As at then" })))))) : none("None in its newest 100 transactions.")));
    grid.append(card(`Rings (${rings.length})`, "acct-rings", rings.length ? el("table", { class: "stack" }, el("tbody", {}, rings.map((r) => el("tr", {},
      el("td", {}, riskBadge(r.score)), el("td", {}, el("a", { class: "ring-id", href: `#/ring/${enc(r.id)}`, text: r.id })),
      el("td", { text: `${r.size} members` }), el("td", { text: String(r.status).toLowerCase() }),
      el("td", { class: "muted", text: (r.typologies ?? []).map(humanize).join(", ") }))))) : none("In no ring ringscope has found.")));
    grid.append(card(`Cases (${data.cases.totalCount})`, "acct-cases", cases.length ? el("ul", { class: "hit-list" }, cases.map((c) => el("li", {},
      el("a", { class: "ring-id", href: `#/case/${enc(c.id)}`, text: c.id }), ` ${c.title} · `, el("span", { class: "pill", text: humanize(c.status.toLowerCase()) })))) : none("In no case.")));
    grid.append(card("Activity", "acct-activity", txs.length ? dailyVolume(id, txs) : none("No transactions."),
      txs.length ? el("div", { class: "table-wrap" }, el("table", { class: "txs", id: "acct-txs" },
        el("thead", {}, el("tr", {}, ["time", "kind", "amount", "", "other party", "risk"].map((c) => el("th", { text: c })))),
        el("tbody", {}, txs.map((t) => this.txRow(id, t))))) : null,
      a.transactions.totalCount > txs.length ? none(`Newest ${txs.length} of ${fmtNumber(a.transactions.totalCount)} shown.`) : null));
    grid.append(card(`Verdicts (${a.verdicts.length})`, "acct-verdicts", a.verdicts.length ? el("table", { class: "stack" }, el("tbody", {}, a.verdicts.map((v) => el("tr", {},
      el("td", { text: VERDICT[v.verdict] ?? v.verdict }), el("td", { text: humanize(v.reasonCode ?? "") }),
      el("td", { class: "muted", text: `${v.author ?? ""} · ${fmtTime(v.at)}` }), el("td", { text: v.note ?? "" }))))) : none("No verdicts recorded.")));
    const shared = card("Devices and IPs", "acct-shared", none("Loading who else uses them…"));
    grid.append(shared);
    window.__ringscope.accountPage = { id, alerts: alerts.length, rings: rings.map((r) => r.id), cases: cases.length, txs: txs.length };
    this.sharing(id, [...a.devices.map((d) => ({ ...d, kind: "device" })), ...a.ips.map((d) => ({ ...d, kind: "ip" }))].slice(0, 12), shared);
    return true;
  }

  txRow(accountId, t) {
    const incoming = t.accountId !== accountId || t.kind === "refund";
    const other = t.accountId !== accountId ? t.accountId : t.counterpartyId ?? t.merchantId ?? "";
    const href = t.accountId !== accountId || t.counterpartyId ? acctPage(other) : `#/merchant/${enc(other)}`;
    return el("tr", { class: incoming ? "in" : "out" },
      el("td", {}, el("a", { href: `#/tx/${enc(t.id)}`, text: fmtTime(t.ts).slice(0, 16) })), el("td", { text: t.kind }),
      el("td", { class: "num", text: fmtMoney(t.amount, t.currency) }),
      el("td", { class: "dir", text: incoming ? "← in" : "→ out" }),
      el("td", {}, other ? el("a", { class: "ring-id", href, text: other }) : "–"),
      el("td", {}, t.score === null ? "–" : riskBadge(t.score)));
  }

  async sharing(id, links, card) {
    const body = el("tbody", {});
    const table = el("table", { class: "shared stack" }, el("thead", {}, el("tr", {}, ["", "id", "other accounts on it"].map((c) => el("th", { text: c })))), body);
    let data = {};
    if (links.length) {
      try {
        data = await this.client.request(sharingQuery(links.length), Object.fromEntries(links.map((l, i) => [`i${i}`, l.id])));
      } catch (err) {
        data = {};
        card.append(none(`Could not load the other accounts: ${errorText(err)}`));
      }
    }
    card.querySelector("p.muted")?.remove();
    if (!links.length) {
      card.append(none("No devices or IPs recorded."));
      return;
    }
    links.forEach((l, i) => {
      const others = (data[`n${i}`]?.nodes ?? []).filter((n) => n.type === "Account" && n.id !== id);
      body.append(el("tr", {},
        el("td", { class: "muted", text: l.kind === "ip" ? "IP" : "device" }),
        el("td", {}, el("a", { class: "ring-id", href: `#/${l.kind}/${enc(l.id)}`, text: l.id })),
        el("td", {}, others.length ? el("span", { class: "links" }, others.slice(0, 12).map((n) => el("a", { class: "ring-id", href: acctPage(n.id), text: n.id })),
          others.length > 12 ? ` +${others.length - 12}` : "") : el("span", { class: "muted", text: "only this account" }))));
    });
    card.append(el("div", { class: "table-wrap" }, table));
  }
}
