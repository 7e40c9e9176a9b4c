// Investigators' verdicts on single accounts, for GNN training labels.
// params: none
// returns: account_id, verdict ("confirmed_fraud"|"false_positive"|"needs_review"), at
MATCH (v:Verdict)
WHERE v.target_type = 'account'
RETURN v.target_id AS account_id, v.verdict AS verdict, v.at AS at
