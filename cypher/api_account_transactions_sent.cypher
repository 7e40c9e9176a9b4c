// An account's outgoing transactions in a window, newest first, after a keyset cursor.
// params: $account, $since, $until (epoch ms, inclusive), $before_ts, $before_id (cursor: rows
//         strictly older than (before_ts, before_id)), $limit
// returns: props (the Transaction's properties)
MATCH (t:Transaction {account_id: $account})
WHERE t.ts >= $since AND t.ts <= $until
  AND (t.ts < $before_ts OR (t.ts = $before_ts AND t.id < $before_id))
RETURN properties(t) AS props
ORDER BY t.ts DESC, t.id DESC
LIMIT $limit
