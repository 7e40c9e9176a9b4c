// An account's outgoing transactions in a window, newest first, after a keyset cursor.
// params: $account, $since, $until (epoch ms, inclusive), $before_ts, $before_id (cursor: rows
//         strictly older than (before_ts, before_id)), $limit
// returns: props (the Transaction's properties)
MATCH (t:Transaction {account_id: $account})
// (filtered on projected values: FalkorDB 4.16 mis-evaluated this OR over indexed properties)
WITH t, t.ts AS ts, t.id AS id
WHERE ts >= $since AND ts <= $until
  AND (ts < $before_ts OR (ts = $before_ts AND id < $before_id))
RETURN properties(t) AS props
ORDER BY t.ts DESC, t.id DESC
LIMIT $limit
