// Rings by id with their members in one query (the ring { members } read): members riskiest first.
// params: $ids [str]
// returns: id, props (the Ring's properties), members [[account, risk, role, account_risk]]
UNWIND $ids AS id
MATCH (r:Ring {id: id})
OPTIONAL MATCH (r)-[m:MEMBER]->(a:Account)
WITH id, r, m, a ORDER BY m.risk DESC, a.id
RETURN id, properties(r) AS props,
       collect(CASE WHEN a IS NULL THEN NULL ELSE [a.id, m.risk, m.role, a.risk_score] END) AS members
