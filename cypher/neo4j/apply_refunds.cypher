// Bolt dialect, part of apply_batch: create the refund transactions not yet stored and add them
// to the aggregated REFUNDED edges, in one query. Only Transaction nodes this query created (marked
// with $token) count, so a chunk sent again changes nothing: exactly once per tx_id even where
// the server has no multi-query transactions (FalkorDB's Bolt endpoint). Pairs are summed in the
// query before MERGE, so each pair is merged once (FalkorDB 4.16 crashes otherwise).
// params: $txs [[id, ts, kind, amount, currency, account_id, counterparty_id, merchant_id,
//                device_id, ip, card_id, country, city, lat, lon, label, risk_score, decision,
//                reasons]]  (rows of graph/batch.py, all of kind 'refund')
//         $token  a fresh string per call
// returns: applied (transactions created)
UNWIND $txs AS t
MERGE (x:Transaction {id: t[0]})
ON CREATE SET x.ts = t[1], x.kind = t[2], x.amount = t[3], x.currency = t[4],
  x.account_id = t[5], x.counterparty_id = t[6], x.merchant_id = t[7], x.device_id = t[8],
  x.ip = t[9], x.card_id = t[10], x.country = t[11], x.city = t[12], x.lat = t[13],
  x.lon = t[14], x.label = t[15], x.risk_score = t[16], x.decision = t[17],
  x.reasons = t[18], x.token = $token
WITH t, x WHERE x.token = $token
SET x.token = null
WITH t[7] AS s, t[5] AS d, count(*) AS n, sum(t[3]) AS total, min(t[1]) AS first_ts,
  max(t[1]) AS last_ts
MATCH (a:Merchant {id: s})
MATCH (b:Account {id: d})
MERGE (a)-[e:REFUNDED]->(b)
ON CREATE SET e.count = n, e.total = total, e.first_ts = first_ts, e.last_ts = last_ts
ON MATCH SET e.count = e.count + n, e.total = e.total + total,
  e.first_ts = CASE WHEN first_ts < e.first_ts THEN first_ts ELSE e.first_ts END,
  e.last_ts = CASE WHEN last_ts > e.last_ts THEN last_ts ELSE e.last_ts END
RETURN sum(n) AS applied
