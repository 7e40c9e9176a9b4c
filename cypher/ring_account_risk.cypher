// Model risk (GNN) of the given accounts, where scored.
// params: $ids [account_id]
// returns: id, risk_score
UNWIND $ids AS id
MATCH (a:Account {id: id})
WHERE a.risk_score IS NOT NULL
RETURN a.id, a.risk_score
