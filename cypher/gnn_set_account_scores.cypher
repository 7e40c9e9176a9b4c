// Write GNN batch scores onto Account nodes (one short batch).
// params: $rows [[account_id, risk_score 0-100]], $version (model version string)
// returns: updated (count of accounts written)
UNWIND $rows AS r
MATCH (a:Account {id: r[0]})
SET a.risk_score = r[1], a.model_version = $version
RETURN count(a) AS updated
