// Remove INVOLVES (victim) edges of accounts that are no longer the ring's victims.
// params: $rows [[ring_id, [account_id]]]: each ring's current victims (an empty list clears them)
// returns: removed (count)
UNWIND $rows AS r
MATCH (g:Ring {id: r[0]})-[v:INVOLVES]->(a:Account)
WHERE NOT a.id IN r[1]
DELETE v
RETURN count(*) AS removed
