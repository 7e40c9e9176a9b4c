// Every GraphQL document the UI sends, in one place (names follow api/schema.graphql).

const SUBGRAPH = `nodes { id type label riskScore props }
  edges { source target type count total firstTs lastTs } truncated nodeCount`;

const RING_ROW = `id score size status verdict assignee typologies lastChange updatedAt createdAt`;

export const Q_RINGS = `query Rings($first: Int, $after: String, $minScore: Float, $status: RingStatus) {
  rings(first: $first, after: $after, minScore: $minScore, status: $status) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { ${RING_ROW} } }
  }
}`;

export const Q_RING = `query Ring($id: ID!, $limit: Int) {
  ring(id: $id) {
    ${RING_ROW} reasons evidence version
    members { id riskScore role }
    verdicts { verdict reasonCode note author at }
    subgraph(limit: $limit) { ${SUBGRAPH} }
  }
}`;

export const Q_ACCOUNT = `query Account($id: ID!) {
  account(id: $id) {
    id riskScore modelVersion firstSeen openedAt verdict explanation
    devices { id count lastTs } ips { id count lastTs }
    merchants { id count total } counterparties { id direction count total }
    transactions(first: 12) { totalCount edges { node { id ts kind amount currency counterpartyId merchantId score decision reasons } } }
    rings(first: 5) { edges { node { id score status } } }
    verdicts { verdict reasonCode note author at }
  }
}`;

export const Q_NEIGHBOURHOOD = `query Neighbourhood($id: ID!, $hops: Int, $limit: Int, $since: DateTime, $until: DateTime) {
  neighbourhood(id: $id, hops: $hops, limit: $limit, since: $since, until: $until) { ${SUBGRAPH} }
}`;

export const Q_PATH = `query Path($from: ID!, $to: ID!, $maxHops: Int) {
  shortestPath(from: $from, to: $to, maxHops: $maxHops) { ${SUBGRAPH} }
}`;

export const Q_ALERTS = `query Alerts($first: Int, $minScore: Float) {
  alerts(first: $first, minScore: $minScore) {
    totalCount edges { node { id kind score createdAt accountId transactionId ringId reasons decision } }
  }
}`;

export const Q_STATS = `query Stats($since: DateTime, $until: DateTime, $buckets: Int) {
  stats(since: $since, until: $until, buckets: $buckets) {
    since until transactions amount alerts alertRate blocked fraud fraudRate amountAtRisk amountBlocked accounts
    ringsByStatus { status count } riskHistogram
    buckets { start transactions amount alerts blocked fraud alertRate fraudRate }
  }
}`;

export const M_LABEL_RING = `mutation LabelRing($id: ID!, $verdict: Verdict!, $note: String, $reasonCode: String) {
  labelRing(id: $id, verdict: $verdict, note: $note, reasonCode: $reasonCode) { id status verdict assignee }
}`;

export const M_LABEL_ACCOUNT = `mutation LabelAccount($id: ID!, $verdict: Verdict!, $note: String, $reasonCode: String) {
  labelAccount(id: $id, verdict: $verdict, note: $note, reasonCode: $reasonCode) { id verdict }
}`;

export const M_WORKFLOW = `mutation Workflow($id: ID!, $status: RingStatus, $assignee: String) {
  updateRing(id: $id, status: $status, assignee: $assignee) { id status assignee }
}`;

export const S_ALERTS = `subscription Alerts($minScore: Float) {
  alerts(minScore: $minScore) { id kind score createdAt accountId transactionId ringId reasons decision }
}`;

export const S_RINGS = `subscription RingUpdates($minScore: Float) {
  ringUpdates(minScore: $minScore) { ${RING_ROW} }
}`;
