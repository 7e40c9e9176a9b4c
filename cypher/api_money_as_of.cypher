// Money edges summed from their transactions up to an instant (time travel, `asOf`).
// Each pair names the paying account, the other end, the transaction kind and its index in the
// caller's list; REFUNDED edges (merchant -> account) come as [account, merchant, "refund", i].
// Uses the index on Transaction.account_id.
// params: $pairs [[account_id, other_id, kind, index]], $as_of (epoch ms, inclusive)
// returns: idx, count, total, first_ts, last_ts (pairs with no transaction then are absent)
UNWIND $pairs AS p
MATCH (t:Transaction {account_id: p[0]})
WHERE t.ts <= $as_of AND t.kind = p[2]
  AND ((p[2] = 'transfer' AND t.counterparty_id = p[1])
       OR (p[2] <> 'transfer' AND t.merchant_id = p[1]))
RETURN p[3] AS idx, count(t) AS count, sum(t.amount) AS total, min(t.ts) AS first_ts,
       max(t.ts) AS last_ts
