// Transaction volumes per time bucket in [since, until): counts, amounts, alerts, blocks, fraud.
// Alerts are transactions scored 'review' or 'block'.
// params: $since, $until (epoch ms), $bucket (ms per bucket)
// returns: b (bucket index), n, amount, alerts, blocked, fraud, at_risk, amount_blocked
MATCH (t:Transaction)
WHERE t.ts >= $since AND t.ts < $until
WITH t, toInteger((t.ts - $since) / $bucket) AS b
RETURN b, count(t) AS n, sum(t.amount) AS amount,
       sum(CASE WHEN t.decision IN ['review', 'block'] THEN 1 ELSE 0 END) AS alerts,
       sum(CASE WHEN t.decision = 'block' THEN 1 ELSE 0 END) AS blocked,
       sum(CASE WHEN t.label = 'fraud' THEN 1 ELSE 0 END) AS fraud,
       sum(CASE WHEN t.decision = 'review' THEN t.amount ELSE 0 END) AS at_risk,
       sum(CASE WHEN t.decision = 'block' THEN t.amount ELSE 0 END) AS amount_blocked
