// Bolt dialect, part of apply_batch: account events (opened_at), by account id.
// params: $rows [[account_id, opened_at]]
// returns: accounts (rows applied)
UNWIND $rows AS r
MATCH (a:Account {id: r[0]})
SET a.opened_at = coalesce(r[1], a.opened_at)
RETURN count(a) AS accounts
