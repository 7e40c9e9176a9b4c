// Write GNN batch scores onto Account nodes (one short batch), and append [$at, score, $version]
// to the account's bounded risk history (its last $keep entries) when the score or the model
// version changed.
// params: $rows [[account_id, risk_score 0-100]], $version (model version string),
//         $at (epoch ms of this scoring pass), $keep (most history entries kept)
// returns: updated (count of accounts written)
UNWIND $rows AS r
MATCH (a:Account {id: r[0]})
SET a.risk_history = CASE
      WHEN a.risk_score = r[1] AND a.model_version = $version THEN a.risk_history
      ELSE (coalesce(a.risk_history, []) + [[$at, r[1], $version]])[-$keep..] END,
    a.risk_score = r[1], a.model_version = $version
RETURN count(a) AS updated
