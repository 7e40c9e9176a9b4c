// Transactions in a time window, oldest first (uses the range index on Transaction.ts).
// params: $since, $until (epoch ms, inclusive), $limit
// returns: t
MATCH (t:Transaction)
WHERE t.ts >= $since AND t.ts <= $until
RETURN t
ORDER BY t.ts
LIMIT $limit
