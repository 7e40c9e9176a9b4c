// Bolt dialect, part of apply_batch: create the transactions without a money edge (withdrawals,
// deposits) that are not stored yet.
// params: $txs [[id, ts, kind, amount, currency, account_id, counterparty_id, merchant_id,
//                device_id, ip, card_id, country, city, lat, lon, label, risk_score, decision,
//                reasons]]
// returns: applied (transactions created)
UNWIND $txs AS t
MERGE (x:Transaction {id: t[0]})
ON CREATE SET x.ts = t[1], x.kind = t[2], x.amount = t[3], x.currency = t[4],
  x.account_id = t[5], x.counterparty_id = t[6], x.merchant_id = t[7], x.device_id = t[8],
  x.ip = t[9], x.card_id = t[10], x.country = t[11], x.city = t[12], x.lat = t[13],
  x.lon = t[14], x.label = t[15], x.risk_score = t[16], x.decision = t[17],
  x.reasons = t[18], x.token = $token
WITH x WHERE x.token = $token
SET x.token = null
RETURN count(x) AS applied
