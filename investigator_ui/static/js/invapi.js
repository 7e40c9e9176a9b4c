// GraphQL documents of the investigation views (cases, triage, time travel, account page), and
// how their errors read to a person. Names follow api/schema.graphql.

const SUBGRAPH = `nodes { id type label riskScore props }
  edges { source target type count total firstTs lastTs } truncated nodeCount`;

const TX_ROW = `id ts kind amount currency accountId counterpartyId merchantId score decision reasons`;

const ALERT_ROW = `id kind score createdAt accountId transactionId ringId reasons decision`;

export const CASE_ROW = `id title status priority assignee dueAt disposition createdAt updatedAt createdBy alertIds ringIds accountIds`;

export const CASE_FULL = `${CASE_ROW}
  rings { id score status size }
  notes { at author text }
  attachments { id name contentType size sha256 at author }
  audit { at actor role action before after }`;

export const Q_CASES = `query Cases($first: Int!, $after: String, $status: CaseStatus, $assignee: String, $priority: CasePriority, $ringId: ID, $accountId: ID) {
  cases(first: $first, after: $after, status: $status, assignee: $assignee, priority: $priority, ringId: $ringId, accountId: $accountId) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { ${CASE_ROW} } }
  }
}`;

export const Q_CASE = `query Case($id: ID!) { case(id: $id) { ${CASE_FULL} } }`;

export const Q_ATTACHMENT = `query Attachment($id: ID!) { case(id: $id) { attachments { id name contentType dataBase64 } } }`;

export const M_CREATE_CASE = `mutation CreateCase($title: String!, $priority: CasePriority!, $assignee: String, $dueAt: DateTime,
  $alertIds: [ID!], $ringIds: [ID!], $accountIds: [ID!], $note: String) {
  createCase(title: $title, priority: $priority, assignee: $assignee, dueAt: $dueAt, alertIds: $alertIds, ringIds: $ringIds,
    accountIds: $accountIds, note: $note) { ${CASE_ROW} }
}`;

export const M_UPDATE_CASE = `mutation UpdateCase($id: ID!, $status: CaseStatus, $priority: CasePriority, $assignee: String,
  $unassign: Boolean!, $dueAt: DateTime, $disposition: CaseDisposition) {
  updateCase(id: $id, status: $status, priority: $priority, assignee: $assignee, unassign: $unassign, dueAt: $dueAt,
    disposition: $disposition) { ${CASE_FULL} }
}`;

export const M_CASE_NOTE = `mutation CaseNote($id: ID!, $text: String!) { addCaseNote(id: $id, text: $text) { ${CASE_FULL} } }`;

export const M_ATTACH = `mutation Attach($id: ID!, $alertIds: [ID!], $ringIds: [ID!], $accountIds: [ID!], $file: CaseFileInput) {
  attachToCase(id: $id, alertIds: $alertIds, ringIds: $ringIds, accountIds: $accountIds, file: $file) { ${CASE_FULL} }
}`;

export const S_CASES = `subscription CaseUpdates { caseUpdates { ${CASE_ROW} } }`;

export const Q_TRIAGE = `query Triage($first: Int!, $minScore: Float) {
  triageQueue(first: $first, minScore: $minScore) { totalCount edges { node { ageMinutes alert { ${ALERT_ROW} } } } }
}`;

const TRIAGE_REC = `alertId state assignee reasonCode note by at accountId`;
export const M_ASSIGN = `mutation Assign($ids: [ID!]!, $assignee: String!) { assignAlerts(ids: $ids, assignee: $assignee) { ${TRIAGE_REC} } }`;
export const M_DISMISS = `mutation Dismiss($ids: [ID!]!, $reasonCode: String!, $note: String) {
  dismissAlerts(ids: $ids, reasonCode: $reasonCode, note: $note) { ${TRIAGE_REC} }
}`;
export const M_DISPOSITION = `mutation Disposition($ids: [ID!]!, $disposition: AlertDisposition!, $reasonCode: String) {
  dispositionAlerts(ids: $ids, disposition: $disposition, reasonCode: $reasonCode) { ${TRIAGE_REC} }
}`;

export const Q_NODE_ASOF = `query NodeAsOf($id: ID!, $limit: Int!, $asOf: DateTime) {
  neighbourhood(id: $id, hops: 1, limit: $limit, asOf: $asOf) { ${SUBGRAPH} }
}`;

export const Q_RING_VERSIONS = `query RingVersions($id: ID!) { ring(id: $id) { id createdAt versions { version at change size members } } }`;

export const Q_ACCOUNT_PAGE = `query AccountPage($id: ID!) {
  account(id: $id) {
    id riskScore modelVersion firstSeen openedAt verdict explanation
    devices { id count firstTs lastTs } ips { id count firstTs lastTs }
    counterparties { id direction count total } merchants { id count total }
    transactions(first: 100) { totalCount edges { node { ${TX_ROW} } } }
    rings(first: 50) { edges { node { id score status size typologies verdict } } }
    verdicts { verdict reasonCode note author at }
  }
  cases(first: 50, accountId: $id) { totalCount edges { node { ${CASE_ROW} } } }
  alerts(first: 100) { edges { node { ${ALERT_ROW} } } }
}`;

// The accounts on each of several devices / IPs, one aliased neighbourhood per id.
export function sharingQuery(n) {
  const vars = Array.from({ length: n }, (_, i) => `$i${i}: ID!`).join(", ");
  const body = Array.from({ length: n }, (_, i) =>
    `n${i}: neighbourhood(id: $i${i}, hops: 1, limit: 60, types: [ACCOUNT]) { nodes { id type riskScore } truncated }`).join("\n");
  return `query Sharing(${vars}) {\n${body}\n}`;
}

// What went wrong, for a person: a forbidden action names the role's limit, not "API key required".
export function errorText(err) {
  const codes = (err?.errors ?? []).map((e) => String(e?.extensions?.code ?? ""));
  if (err?.forbidden || codes.includes("FORBIDDEN")) {
    return `Not allowed with this API key: ${err.message}`;
  }
  if (err?.unauthorized) return "An API key is needed: sign in with the API key button.";
  return err?.message ?? String(err);
}

export const enc = encodeURIComponent;
export const acctPage = (id) => `#/accountpage/${enc(id)}`;
export const acctGraph = (id, asOf) => `#/account/${enc(id)}${asOf ? `?asOf=${enc(asOf)}` : ""}`;
