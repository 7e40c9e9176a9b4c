// Remove MEMBER edges of accounts that left a ring.
// params: $rows [[ring_id, account_id]]
// returns: removed (count)
UNWIND $rows AS r
MATCH (g:Ring {id: r[0]})-[m:MEMBER]->(a:Account {id: r[1]})
DELETE m
RETURN count(*) AS removed
