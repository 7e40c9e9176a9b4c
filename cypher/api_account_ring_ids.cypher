// The highest-scoring live ring of each account (for alerts of ring members).
// params: $ids [account ids]
// returns: account id, ring id
UNWIND $ids AS id
MATCH (r:Ring)-[:MEMBER]->(:Account {id: id})
WHERE coalesce(r.size, 0) > 0
WITH id, r ORDER BY r.score DESC
RETURN id, collect(r.id)[0] AS ring
