// Every GraphQL document the UI sends, in one place (names follow api/schema.graphql).

const SUBGRAPH = `nodes { id type label riskScore props }
  edges { source target type count total firstTs lastTs } truncated nodeCount`;

const TX_ROW = `id ts kind amount currency accountId counterpartyId merchantId score decision reasons`;

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
    victims { id role }
    verdicts { verdict reasonCode note author at }
    subgraph(limit: $limit) { ${SUBGRAPH} }
  }
}`;

// Victims of a ring with their money links, to draw them apart from the members.
export const Q_RING_VICTIMS = `query RingVictims($id: ID!) {
  ring(id: $id) { id victims { id role account { id counterparties { id type direction count total firstTs lastTs } } } }
}`;

export const Q_ACCOUNT = `query Account($id: ID!) {
  account(id: $id) {
    id riskScore modelVersion firstSeen openedAt verdict explanation
    devices { id count lastTs } ips { id count lastTs }
    merchants { id count total } counterparties { id direction count total }
    transactions(first: 15) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${TX_ROW} } } }
    rings(first: 5) { edges { node { id score status } } }
    verdicts { verdict reasonCode note author at }
  }
}`;

export const Q_NEIGHBOURHOOD = `query Neighbourhood($id: ID!, $hops: Int, $limit: Int, $since: DateTime, $until: DateTime) {
  neighbourhood(id: $id, hops: $hops, limit: $limit, since: $since, until: $until) { ${SUBGRAPH} }
}`;

export const Q_ACCOUNT_TXS = `query AccountTxs($id: ID!, $after: String) {
  account(id: $id) { id transactions(first: 15, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${TX_ROW} } } } }
}`;

export const Q_SEARCH = `query Search($q: String!, $first: Int) { search(query: $q, first: $first) { id type riskScore } }`;

export const Q_NODE = `query Node($id: ID!, $limit: Int) {
  neighbourhood(id: $id, hops: 1, limit: $limit) { ${SUBGRAPH} }
}`;

export const Q_EXPAND = `query Expand($id: ID!, $relationships: [Relationship!], $limit: Int, $since: DateTime, $until: DateTime) {
  neighbourhoodVia(id: $id, relationships: $relationships, hops: 1, limit: $limit, since: $since, until: $until) { ${SUBGRAPH} }
}`;

export const Q_PATH_VIA = `query PathVia($from: ID!, $to: ID!, $relationships: [Relationship!], $maxHops: Int) {
  shortestPathVia(from: $from, to: $to, relationships: $relationships, maxHops: $maxHops) { ${SUBGRAPH} }
}`;

export const Q_TRANSACTION = `query Tx($id: ID!) {
  transaction(id: $id) {
    ${TX_ROW} deviceId ip country city
    account { id riskScore modelVersion verdict rings(first: 5) { edges { node { id score status size typologies verdict } } } }
  }
}`;

export const Q_RING_COUNTS = `query RingCounts {
  all: rings(first: 1) { totalCount }
  open: rings(first: 1, status: OPEN) { totalCount }
  investigating: rings(first: 1, status: INVESTIGATING) { totalCount }
  closed: rings(first: 1, status: CLOSED) { totalCount }
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
  labelRing(id: $id, verdict: $verdict, note: $note, reasonCode: $reasonCode) { id status verdict assignee verdicts { verdict reasonCode note author at } }
}`;

export const M_LABEL_ACCOUNT = `mutation LabelAccount($id: ID!, $verdict: Verdict!, $note: String, $reasonCode: String) {
  labelAccount(id: $id, verdict: $verdict, note: $note, reasonCode: $reasonCode) { id verdict }
}`;

export const M_WORKFLOW = `mutation Workflow($id: ID!, $status: RingStatus, $assignee: String) {
  updateRing(id: $id, status: $status, assignee: $assignee) { id status assignee verdict }
}`;

export const S_ALERTS = `subscription Alerts($minScore: Float) {
  alerts(minScore: $minScore) { id kind score createdAt accountId transactionId ringId reasons decision }
}`;

export const S_RINGS = `subscription RingUpdates($minScore: Float) {
  ringUpdates(minScore: $minScore) { ${RING_ROW} }
}`;

export const Q_MODEL_EXPLANATION = `query ModelExplanation($id: ID!) {
  account(id: $id) {
    id modelExplanation {
      score method hops
      model { version kind createdAt metrics }
      features { name value weight }
      edges { source target type weight }
    }
  }
}`;
