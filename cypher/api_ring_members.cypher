// Members of each ring with their in-ring risk and role, riskiest first.
// params: $ids [str]
// returns: id, account, risk, role, account_risk
UNWIND $ids AS id
MATCH (r:Ring {id: id})-[m:MEMBER]->(a:Account)
RETURN id, a.id AS account, m.risk AS risk, m.role AS role, a.risk_score AS account_risk
ORDER BY m.risk DESC, a.id
