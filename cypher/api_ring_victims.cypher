// Victims / counterparties of each ring (INVOLVES, not members), riskiest account first.
// params: $ids [str]
// returns: id, account, risk (null: victims get no in-ring risk), role, account_risk
UNWIND $ids AS id
MATCH (r:Ring {id: id})-[v:INVOLVES]->(a:Account)
RETURN id, a.id AS account, null AS risk, v.role AS role, a.risk_score AS account_risk
ORDER BY a.risk_score DESC, a.id
