// Every ring with its current members, for matching new detections to ring ids.
// params: none
// returns: id, score, version, created_at, verdict, members (list of account ids)
MATCH (r:Ring)
OPTIONAL MATCH (r)-[:MEMBER]->(a:Account)
RETURN r.id, r.score, r.version, r.created_at, r.verdict, collect(a.id)
