// Add INVOLVES edges from rings to their victims / counterparties (not members: not in the size).
// params: $rows [[ring_id, account_id, role]]
// returns: victims (count)
UNWIND $rows AS r
MATCH (g:Ring {id: r[0]})
MATCH (a:Account {id: r[1]})
MERGE (g)-[v:INVOLVES]->(a)
SET v.role = r[2]
RETURN count(v) AS victims
