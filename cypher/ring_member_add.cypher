// Add or update MEMBER edges; each (ring, account) pair occurs once per call.
// params: $rows [[ring_id, account_id, risk, role]]
// returns: members (count)
UNWIND $rows AS r
MATCH (g:Ring {id: r[0]})
MATCH (a:Account {id: r[1]})
MERGE (g)-[m:MEMBER]->(a)
SET m.risk = r[2], m.role = r[3]
RETURN count(m) AS members
